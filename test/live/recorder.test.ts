// The recorder (src/azure/recorder.ts) on the product's own SDK clients (services.ts), against the simulator:
// what it writes is what Azure answered, attempt by attempt, sanitised before it reaches the disk.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions, createAzureServices } from '../../src/azure/services.js';
import { RECORD_DIR_ENV, RECORD_LABEL_ENV, type RecordedEntry } from '../../src/azure/recorder.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { fakeCredential } from '../support/simulator.js';

const SUBSCRIPTION = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
let sim: Simulator | undefined;

afterEach(async () => {
  delete process.env[RECORD_DIR_ENV];
  delete process.env[RECORD_LABEL_ENV];
  await sim?.close();
});

async function recordedSession(options: SimulatorOptions, work: (services: ReturnType<typeof createAzureServices>) => Promise<void>): Promise<{ entries: RecordedEntry[]; text: string; directory: string }> {
  sim = await startSimulator({ registeredProviders: 'all', ...options });
  const directory = join(mkdtempSync(join(tmpdir(), 'qlaz-rec-')), 'recording');
  process.env[RECORD_DIR_ENV] = directory;
  process.env[RECORD_LABEL_ENV] = 'apply';
  const services = createAzureServices({ subscriptionId: SUBSCRIPTION, credential: fakeCredential, endpoint: sim.url, agent: sim.httpsAgent(), pollIntervalMs: 5, retryDelayMs: 5, userAgent: 'test' });
  await work(services);
  const text = readFileSync(join(directory, 'apply.ndjson'), 'utf8');
  return { entries: text.trim().split('\n').map((line) => JSON.parse(line) as RecordedEntry), text, directory };
}

describe('recording a session with Azure', () => {
  it('writes every exchange with its status, LRO headers and bodies, under the public endpoint and placeholders', async () => {
    const { entries, text, directory } = await recordedSession({}, async (azure) => {
      await (await azure.resources()).resourceGroups.createOrUpdate('rg-rec', { location: 'westeurope', tags: { purpose: 'live-test' } });
      await (await azure.network()).networkSecurityGroups.beginCreateOrUpdateAndWait('rg-rec', 'nsg', { location: 'westeurope' }, { updateIntervalInMs: 5 });
      await expect((await azure.network()).publicIPAddresses.get('rg-rec', 'absent')).rejects.toThrow();
    });
    const summary = entries.map((e) => `${e.RequestMethod} ${new URL(e.RequestUri).pathname.split('/').slice(-2).join('/')} ${e.StatusCode}`);
    expect(summary[0]).toBe('PUT resourcegroups/rg-rec 201'); // the SDK writes the path in lower case
    expect(summary[1]).toBe('PUT networkSecurityGroups/nsg 201');
    expect(summary.at(-1)).toBe('GET publicIPAddresses/absent 404');
    const put = entries[1]!;
    expect(put.ResponseHeaders['azure-asyncoperation']).toMatch(/^https:\/\/management\.azure\.com\/subscriptions\/00000000-0000-0000-0000-000000000000\/providers\/Microsoft\.Network\/locations\/westeurope\/operations\//);
    expect(put.ResponseHeaders['retry-after']).toBeDefined();
    expect(put.RequestBody).toEqual({ location: 'westeurope' });
    expect((put.ResponseBody as { properties: { provisioningState: string } }).properties.provisioningState).toBeDefined();
    expect(entries.some((e) => /\/operations\//.test(e.RequestUri) && (e.ResponseBody as { status?: string }).status === 'Succeeded')).toBe(true);
    expect((entries.at(-1)!.ResponseBody as { error: { code: string } }).error.code).toBe('ResourceNotFound');
    expect(entries.every((e) => e.StartedAt && e.DurationMs >= 0)).toBe(true);
    // Nothing that identifies the subscription, the token or the simulator's port.
    expect(text).not.toContain(SUBSCRIPTION);
    expect(text).not.toContain(new URL(sim!.url).host);
    expect(text.toLowerCase()).not.toContain('authorization');
    expect(statSync(join(directory, 'apply.ndjson')).mode & 0o077).toBe(0);
  });

  it('records a throttled attempt and the retry that follows, each as Azure answered it', async () => {
    const throttle = [{ kind: 'throttle' as const, method: 'GET', path: '/resourceGroups/rg-rec$', times: 1, retryAfterSeconds: 0 }];
    const { entries } = await recordedSession({ faults: throttle }, async (azure) => {
      await (await azure.resources()).resourceGroups.createOrUpdate('rg-rec', { location: 'westeurope' });
      await (await azure.resources()).resourceGroups.get('rg-rec');
    });
    const reads = entries.filter((e) => e.RequestMethod === 'GET');
    expect(reads.map((e) => e.StatusCode)).toEqual([429, 200]);
    expect(reads[0]!.ResponseHeaders['retry-after']).toBe('0');
    expect((reads[0]!.ResponseBody as { error: { code: string } }).error.code).toBe('SubscriptionRequestsThrottled');
  });

  it('is on only with QLIK_AZURE_RECORD_DIR: a recorder in every client of services.ts then', () => {
    const connection = { subscriptionId: SUBSCRIPTION, credential: fakeCredential, endpoint: 'https://127.0.0.1:1', pollIntervalMs: 5, userAgent: 'test' };
    const policies = () => clientOptions(connection).additionalPolicies.map((p) => p.policy.name);
    expect(policies()).not.toContain('qlikAzureRecorder');
    process.env[RECORD_DIR_ENV] = join(mkdtempSync(join(tmpdir(), 'qlaz-rec-')), 'recording');
    expect(policies()).toContain('qlikAzureRecorder');
  });
});
