/**
 * Read pacing through the product's own client factory against the simulator's per-VM read budgets, at a
 * compressed time scale (0.01: a real-world minute lasts 600 ms, and the client is told so).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureServices, type AzureServices } from '../src/azure/services.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { FAST_POLL, createNic, fakeCredential, startSimulatedAzure, windowsVmBody } from './support/simulator.js';

const SCALE = 0.01;
const RG = 'rg-pacing';

function pacedServices(sim: Simulator, subscriptionId: string): AzureServices {
  // A client polling every real-world second, as the benchmark's CLI does.
  return createAzureServices({ subscriptionId, credential: fakeCredential, endpoint: sim.url, agent: sim.httpsAgent(), pollIntervalMs: 1000 * SCALE, userAgent: 'pacing-test', timeScale: SCALE });
}

const throttled = (sim: Simulator) => sim.requestLog().filter((r) => r.status === 429);

describe('reads paced by the budgets Azure announces', () => {
  let sim: Simulator;
  let services: AzureServices;
  let nicId: string;

  beforeAll(async () => {
    // The network is built at scale 0, then the world moves to a simulator where buckets refill at 0.01.
    const fast = await startSimulatedAzure();
    await fast.resources.resourceGroups.createOrUpdate(RG, { location: 'westeurope' });
    nicId = await createNic(fast, RG, 'nic');
    await fast.compute.virtualMachines.createOrUpdate(RG, 'vm-ready', windowsVmBody(nicId) as never, FAST_POLL);
    const nic2 = await createNic(fast, RG, 'nic2');
    nicId = nic2;
    const snapshot = fast.sim.snapshot();
    await fast.close();
    sim = await startSimulator({ latencyScale: SCALE, restore: snapshot });
    services = pacedServices(sim, fast.subscriptionId);
  });
  afterAll(() => sim?.close());

  it('sixty instance-view reads in a row stay inside LowCostGet (36 held, 12 a minute back): no 429', async () => {
    const compute = await services.compute();
    for (let i = 0; i < 60; i++) {
      const view = await compute.virtualMachines.instanceView(RG, 'vm-ready');
      expect(view.vmAgent?.statuses?.[0]?.displayStatus).toBe('Ready');
    }
    const reads = sim.requestLog().filter((r) => r.method === 'GET' && r.path.endsWith('/vm-ready/instanceView'));
    expect(reads).toHaveLength(60);
    expect(throttled(sim)).toEqual([]);
  });

  it('a VM create is polled where it is likely to be done, inside GetOperation: no 429', async () => {
    const compute = await services.compute();
    const vm = await compute.virtualMachines.beginCreateOrUpdateAndWait(RG, 'vm-new', windowsVmBody(nicId) as never, { updateIntervalInMs: 1000 * SCALE });
    expect(vm.provisioningState).toBe('Succeeded');
    const polls = sim.requestLog().filter((r) => r.method === 'GET' && /\/Microsoft\.Compute\/locations\/[^/]+\/operations\//i.test(r.path));
    // Polling every second from the start would take ~96; the first poll waits for 80 % of the recorded 96 s.
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.length).toBeLessThan(40);
    expect(throttled(sim)).toEqual([]);
  });
});

describe('where the first status poll goes', () => {
  const base = 'https://arm.invalid/subscriptions/s';
  const vmUrl = `${base}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm?api-version=2024-07-01`;
  const pollUrl = (id: string) => `${base}/providers/Microsoft.Compute/locations/westeurope/operations/${id}?p=${id}&api-version=2024-07-01`;

  async function firstPoll(status: number, id: string): Promise<'sent' | 'held back'> {
    const { createHttpHeaders, createPipelineRequest } = await import('@azure/core-rest-pipeline');
    const { ReadPacer } = await import('../src/azure/pacing.js');
    const pacer = new ReadPacer(1);
    const put = createPipelineRequest({ url: vmUrl, method: 'PUT' });
    pacer.afterResponse(put, { request: put, status, headers: createHttpHeaders({ 'azure-asyncoperation': pollUrl(id) }) });
    // Stopped after a moment: a poll held back for most of a VM create (77 s) is still waiting then.
    const poll = createPipelineRequest({ url: pollUrl(id), method: 'GET', abortSignal: AbortSignal.timeout(100) });
    return pacer.beforeSend(poll).then(() => 'sent' as const, () => 'held back' as const);
  }

  it('waits for most of the recorded duration after a VM create (201)', async () => {
    expect(await firstPoll(201, 'create')).toBe('held back');
  });

  it('does not hold back the poll of a change to an existing VM (200)', async () => {
    expect(await firstPoll(200, 'update')).toBe('sent');
  });
});
