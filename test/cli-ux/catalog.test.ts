/**
 * The Azure lookups the wizard makes, behind AzureCatalog: `az account list` through a fake `az` on
 * PATH, and the ARM path (subscriptions, SKUs, locations) through the real SDK against the simulator.
 * Loopback only; no credential chain is built.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAzureCatalog, type AzureCatalog } from '../../src/azure/subscriptions.js';

let catalog: AzureCatalog | undefined;
afterEach(async () => {
  await catalog?.close();
  catalog = undefined;
});

function fakeAz(script: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'qlik-azure-fake-az-'));
  writeFileSync(join(directory, 'az'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(directory, 'az'), 0o755);
  return directory;
}

describe('AzureCatalog', () => {
  it('lists enabled subscriptions from az account list, default marked', async () => {
    const bin = fakeAz(`cat <<'JSON'
[{"id":"11111111-1111-4111-8111-111111111111","name":"Prod","state":"Enabled","isDefault":false},
 {"id":"22222222-2222-4222-8222-222222222222","name":"Dev","state":"Enabled","isDefault":true},
 {"id":"33333333-3333-4333-8333-333333333333","name":"Old","state":"Disabled","isDefault":false}]
JSON`);
    const path = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${path}`;
    try {
      catalog = await openAzureCatalog({ auth: 'cli', cloud: 'AzureCloud' }, 'qlik-azure/test');
      expect(catalog.source).toBe('az account list');
      expect(await catalog.subscriptions()).toEqual([
        { id: '11111111-1111-4111-8111-111111111111', name: 'Prod', isDefault: false },
        { id: '22222222-2222-4222-8222-222222222222', name: 'Dev', isDefault: true },
      ]);
    } finally {
      process.env.PATH = path;
    }
  });

  it('says what az said when it fails', async () => {
    const bin = fakeAz(`echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`);
    const path = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${path}`;
    try {
      catalog = await openAzureCatalog({ auth: 'cli', cloud: 'AzureCloud' }, 'qlik-azure/test');
      await expect(catalog.subscriptions()).rejects.toThrow("az account list failed: ERROR: Please run 'az login' to setup account.");
    } finally {
      process.env.PATH = path;
    }
  });

  it('through ARM: the simulated subscription, and regions offering a size with restrictions named', async () => {
    catalog = await openAzureCatalog({ auth: 'cli', cloud: 'AzureCloud', simulate: true }, 'qlik-azure/test');
    const [subscription] = await catalog.subscriptions();
    expect(subscription?.name).toContain('Simulated');
    const regions = await catalog.regionsOffering(subscription!.id, 'Standard_DS3_v2');
    expect(regions.find((r) => r.name === 'westeurope')).toEqual({ name: 'westeurope', displayName: 'West Europe' });
    expect(regions.find((r) => r.name === 'centralus')?.restriction).toMatch(/not offered to this subscription \(NotAvailableForSubscription\)/);
    const e32 = await catalog.regionsOffering(subscription!.id, 'Standard_E32s_v5');
    expect(e32.map((r) => r.name)).not.toContain('uksouth');
  });
});
