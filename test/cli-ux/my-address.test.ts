/**
 * The caller's public address as the first allowed source: looked up only with consent (asked, or given
 * in advance with --my-ip / --no-my-ip), through a configurable HTTPS endpoint that tests point at the
 * simulator's loopback stand-in. Never a packet beyond loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openAzureCatalog, type AzureCatalog } from '../../src/azure/subscriptions.js';
import { offerPublicAddress } from '../../src/cli/wizard/my-address.js';
import type { Ask } from '../../src/cli/wizard/ask.js';
import type { WizardContext } from '../../src/cli/wizard/context.js';
import { createOutput } from '../../src/cli/output.js';

let catalog: AzureCatalog | undefined;
afterEach(async () => {
  await catalog?.close();
  catalog = undefined;
});

/** A person who answers every yes/no question with `consent`, and a record of what was asked. */
function scriptedAsk(consent: boolean): { ask: Ask; asked: string[] } {
  const asked: string[] = [];
  const ask: Ask = {
    text: async () => { throw new Error('not expected'); },
    choose: async () => { throw new Error('not expected'); },
    hidden: async () => { throw new Error('not expected'); },
    yesNo: async ({ message }) => { asked.push(message); return consent; },
  };
  return { ask, asked };
}

function contextWith(ask: Ask, lookups: string[], myIp?: boolean): WizardContext {
  const output = createOutput({ json: false, color: false, verbose: false, stateDir: '.qlik-azure' });
  const fakeCatalog = {
    source: 'test', subscriptions: async () => [], regionsOffering: async () => [], close: async () => undefined,
    publicAddress: { source: 'https://127.0.0.1:1/my-ip', lookUp: async () => { lookups.push('looked up'); return '198.51.100.23'; } },
  } satisfies AzureCatalog;
  return { ask, output, catalog: fakeCatalog, ...(myIp === undefined ? {} : { myIp }) };
}

describe('the caller\'s public address', () => {
  it('is looked up only after a yes, and offered', async () => {
    for (const consent of [true, false]) {
      const { ask, asked } = scriptedAsk(consent);
      const lookups: string[] = [];
      const offered = await offerPublicAddress(contextWith(ask, lookups));
      expect(asked).toEqual([expect.stringContaining('https://127.0.0.1:1/my-ip')]);
      expect(lookups).toHaveLength(consent ? 1 : 0);
      expect(offered).toBe(consent ? '198.51.100.23' : undefined);
    }
  });

  it('--my-ip looks it up without asking; --no-my-ip neither asks nor looks', async () => {
    for (const myIp of [true, false]) {
      const { ask, asked } = scriptedAsk(!myIp);
      const lookups: string[] = [];
      expect(await offerPublicAddress(contextWith(ask, lookups, myIp))).toBe(myIp ? '198.51.100.23' : undefined);
      expect(asked).toEqual([]);
      expect(lookups).toHaveLength(myIp ? 1 : 0);
    }
  });

  it('under --simulate the simulator answers over HTTPS on loopback, and offers its installer and license stand-ins', async () => {
    catalog = await openAzureCatalog({ auth: 'cli', cloud: 'AzureCloud', simulate: true }, 'qlik-azure/test');
    expect(catalog.publicAddress?.source).toContain('simulator');
    expect(await catalog.publicAddress?.lookUp()).toBe('198.51.100.23');
    expect(catalog.standIns).toEqual({ installerUrl: expect.stringMatching(/^https:\/\/[^/]+\.invalid\//), licenseKey: 'example-only.signed-license-key.not-valid' });
  });

  it('a real run asks the endpoint QLIK_AZURE_MY_IP_URL names, HTTPS only, and offers no stand-ins', async () => {
    const previous = process.env.QLIK_AZURE_MY_IP_URL;
    process.env.QLIK_AZURE_MY_IP_URL = 'http://127.0.0.1:9/my-ip';
    try {
      catalog = await openAzureCatalog({ auth: 'cli', cloud: 'AzureCloud' }, 'qlik-azure/test');
      expect(catalog.publicAddress?.source).toBe('http://127.0.0.1:9/my-ip');
      await expect(catalog.publicAddress!.lookUp()).rejects.toThrow(/not an https:\/\/ URL/);
      expect(catalog.standIns).toBeUndefined();
    } finally {
      if (previous === undefined) delete process.env.QLIK_AZURE_MY_IP_URL;
      else process.env.QLIK_AZURE_MY_IP_URL = previous;
    }
  });
});
