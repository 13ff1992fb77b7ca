// Replays the live test's recordings (test/recordings/<date>-<region>/, contributed from real subscriptions,
// and test/fixtures/live-recordings/, made by the runner against the simulator, one with the `flaky` fault
// profile) against a fresh simulator: same status codes, LRO headers, error codes, product-read fields and
// LRO outcomes, with the recorded faults injected at the same requests. A difference is a simulator bug.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { survivingSecrets } from '../../src/azure/sanitise.js';
import { readLiveRecording, replayOnNewSimulator, type RecordedEntry } from '../support/replay.js';
// @ts-expect-error: plain ES module of scripts/, without types
import { readSecretValues } from '../../scripts/live/recording-check.mjs';
// @ts-expect-error: plain ES module of scripts/, without types
import { operationTimings } from '../../scripts/live/timings.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONTRIBUTED = join(ROOT, 'test/recordings');
const SIMULATED = join(ROOT, 'test/fixtures/live-recordings');
const recordingsIn = (folder: string) => (existsSync(folder) ? readdirSync(folder).filter((name) => existsSync(join(folder, name, 'manifest.json'))).map((name) => join(folder, name)) : []);
const RECORDINGS = [...recordingsIn(CONTRIBUTED), ...recordingsIn(SIMULATED)];

describe('replaying the live test recordings against the simulator', () => {
  it.each(RECORDINGS.map((dir) => [dir.slice(ROOT.length), dir]))('%s: no difference', async (_, dir) => {
    const { entries, manifest } = readLiveRecording(dir);
    expect(entries.length).toBeGreaterThan(100);
    expect(await replayOnNewSimulator(`${manifest.source}:${manifest.region}`, entries, { productReads: true })).toEqual([]);
  });

  it.each(RECORDINGS.map((dir) => [dir.slice(ROOT.length), dir]))('%s holds no value of the example secrets file', (_, dir) => {
    const secrets = readSecretValues(join(ROOT, 'examples/secrets.example.yaml'));
    for (const file of readdirSync(dir)) expect({ file, leaks: survivingSecrets(readFileSync(join(dir, file), 'utf8'), secrets) }).toEqual({ file, leaks: [] });
  });

  it('the flaky recording really holds faults of every transport kind, which the replay injects again', () => {
    const { entries } = readLiveRecording(join(SIMULATED, 'simulator-westeurope-flaky'));
    expect(new Set(entries.map((e) => e.StatusCode))).toEqual(new Set([0, 200, 201, 202, 404, 429, 500, 503]));
  });
});

describe('the replay harness finds a simulator that answers otherwise than the recording', () => {
  const clean = () => readLiveRecording(join(SIMULATED, 'simulator-westeurope')).entries;
  const find = (entries: RecordedEntry[], method: string, path: RegExp) => entries.find((e) => e.RequestMethod === method && path.test(new URL(e.RequestUri).pathname))!;
  const fields = async (entries: RecordedEntry[]) => (await replayOnNewSimulator('mutated', entries, { productReads: true })).map((d) => `${d.what.split(' ')[1]} ${new URL(`https://x${d.what.split(' ')[2]}`).pathname.split('/').at(-1)}: ${d.field}`);

  it('Azure sent no Azure-AsyncOperation on the NSG create: the simulator does, which is a difference', async () => {
    const entries = clean();
    const put = find(entries, 'PUT', /networkSecurityGroups\/[^/]+$/);
    delete put.ResponseHeaders['azure-asyncoperation'];
    expect(await fields(entries)).toContain(`PUT ${new URL(put.RequestUri).pathname.split('/').at(-1)}: LRO headers`);
  });

  it("Azure's throttling said TooManyRequests: the simulator's SubscriptionRequestsThrottled is a difference", async () => {
    const { entries } = readLiveRecording(join(SIMULATED, 'simulator-westeurope-flaky'));
    const throttled = entries.find((e) => e.StatusCode === 429)!;
    (throttled.ResponseBody as { error: { code: string } }).error.code = 'TooManyRequests';
    const differences = await replayOnNewSimulator('mutated', entries, { productReads: true });
    expect(differences.map((d) => [d.field, d.recorded, d.replayed])).toEqual([['error code', 'TooManyRequests', 'SubscriptionRequestsThrottled']]);
  });

  it('a state the product reads that the simulator never reaches is a difference', async () => {
    const entries = clean();
    const lastRead = entries.filter((e) => e.RequestMethod === 'GET' && e.StatusCode === 200 && /publicIPAddresses\/[^/]+$/.test(new URL(e.RequestUri).pathname)).at(-1)!;
    (lastRead.ResponseBody as { properties: { provisioningState: string } }).properties.provisioningState = 'Failed';
    expect(await fields(entries)).toEqual([`GET ${new URL(lastRead.RequestUri).pathname.split('/').at(-1)}: properties.provisioningState`]);
  });

  it('an LRO that Azure ended Failed replays as the same failure (OSProvisioningTimedOut, AllocationFailed), and another code as a difference', async () => {
    const entries = clean();
    const put = find(entries, 'PUT', /virtualMachines\/[^/]+$/);
    const upToVm = entries.slice(0, entries.indexOf(put) + 1);
    const poll = entries.slice(entries.indexOf(put) + 1).find((e) => e.RequestUri.split('?')[0] === put.ResponseHeaders['azure-asyncoperation']!.split('?')[0])!;
    const failed = (code: string) => [...upToVm, { ...poll, ResponseBody: { ...(poll.ResponseBody as object), status: 'Failed', error: { code, message: 'recorded' } } }];
    expect(await fields(failed('OSProvisioningTimedOut'))).toEqual([]);
    // A failed VM create says AllocationFailed in the simulator, as it often does on Azure.
    expect(await fields(failed('AllocationFailed'))).toEqual([]);
    expect(await fields(failed('OverconstrainedAllocationRequest'))).toEqual([`PUT ${new URL(put.RequestUri).pathname.split('/').at(-1)}: operation outcome`]);
  });
});

describe('timings for the latency model (scripts/live/timings.mjs)', () => {
  it('measures each operation from its first request to the end of the poll that first says it ended', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const op = 'https://management.azure.com/subscriptions/0/providers/Microsoft.Compute/locations/westeurope/operations/1?p=1';
    const vm = 'https://management.azure.com/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm';
    const entry = (uri: string, s: number, ms: number, status: number, body: unknown, headers: Record<string, string> = {}) => ({ RequestUri: uri, RequestMethod: uri === vm ? 'PUT' : 'GET', RequestBody: null, StatusCode: status, ResponseHeaders: headers, ResponseBody: body, StartedAt: at(s), DurationMs: ms });
    const samples = operationTimings([
      entry(vm, 0, 900, 201, { properties: { provisioningState: 'Creating' } }, { 'azure-asyncoperation': op }),
      entry(op, 10, 100, 200, { status: 'InProgress' }),
      entry(op, 40, 500, 200, { status: 'Succeeded' }),
      entry(op, 41, 100, 200, { status: 'Succeeded' }),
    ]);
    expect(samples).toEqual({ virtualMachineCreate: [40.5] });
  });

  it('finds every kind of operation the deployment makes in a runner-made recording', () => {
    const samples = operationTimings(readLiveRecording(join(SIMULATED, 'simulator-westeurope')).entries) as Record<string, number[]>;
    expect(Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, values.length]))).toEqual({
      providerRegistration: 3,
      resourceGroupCreate: 1,
      networkSecurityGroupCreate: 1,
      storageAccountCreate: 1,
      virtualNetworkCreate: 1,
      publicIpCreate: 1,
      networkInterfaceCreate: 1,
      virtualMachineCreate: 1,
      runCommand: 9,
      runCommandDelete: 9,
      resourceGroupDelete: 1,
    });
  });
});
