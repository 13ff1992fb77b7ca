// Compute's per-VM read budgets in the simulator: the header on every metered answer, the 429 past the
// budget, the refill, and what one-second polling does to it. The clock is injected where time matters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationTracker } from '../../src/simulator/lro.js';
import { createRandom } from '../../src/simulator/random.js';
import { ReadBudgets } from '../../src/simulator/read-budgets.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { FAST_POLL, createNic, startSimulatedAzure } from '../support/simulator.js';
import { windowsVmBody } from '../support/simulator.js';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001';
const VM = `${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm`;

function budgetsAt(scale: number) {
  const clock = { now: 0 };
  const operations = new OperationTracker(createRandom(1));
  return { clock, operations, budgets: new ReadBudgets(scale, operations, () => clock.now) };
}

const remaining = (header: string | undefined, group: string) => Number(new RegExp(`Microsoft\\.Compute/${group};(\\d+)`).exec(header ?? '')?.[1]);

describe('per-VM read budgets (fake clock, real-world scale)', () => {
  it('spends LowCostGet on VM, instance view and run command reads, then refuses with 429 and Retry-After', () => {
    const { budgets } = budgetsAt(1);
    const paths = [VM, `${VM}/instanceView`, `${VM}/runCommands/install`];
    const seen: number[] = [];
    for (let i = 0; i < 36; i++) {
      const charge = budgets.charge('GET', paths[i % 3]!);
      expect(charge?.refusal).toBeUndefined();
      seen.push(remaining(charge?.headers['x-ms-ratelimit-remaining-resource'], 'LowCostGetResource'));
    }
    expect(seen.slice(0, 3)).toEqual([35, 34, 33]);
    expect(seen.at(-1)).toBe(0);
    const refused = budgets.charge('GET', `${VM}/instanceView`);
    expect(refused?.refusal?.status).toBe(429);
    expect(refused?.refusal?.headers?.['Retry-After']).toBe('5'); // 12 a minute: one every 5 s
    expect(refused?.refusal?.body).toMatchObject({ error: { code: 'OperationNotAllowed', details: [{ code: 'TooManyRequests', target: 'LowCostGetResource' }] } });
    // Writes and other VMs are not charged to this budget.
    expect(budgets.charge('PUT', VM)).toBeUndefined();
    expect(budgets.charge('GET', `${VM}2`)?.refusal).toBeUndefined();
  });

  it('refills 12 a minute, never beyond what the bucket holds', () => {
    const { clock, budgets } = budgetsAt(1);
    for (let i = 0; i < 36; i++) budgets.charge('GET', VM);
    expect(budgets.charge('GET', VM)?.refusal).toBeDefined();
    clock.now += 5_000;
    expect(budgets.charge('GET', VM)?.refusal).toBeUndefined();
    expect(budgets.charge('GET', VM)?.refusal).toBeDefined();
    clock.now += 3_600_000;
    const header = budgets.charge('GET', VM)?.headers['x-ms-ratelimit-remaining-resource'];
    expect(remaining(header, 'LowCostGetResource')).toBe(35);
  });

  it('meters status polls of a VM operation on GetOperation (45 held), in the recorded header format', () => {
    const { operations, budgets } = budgetsAt(1);
    const operation = operations.start({ family: 'compute', subscriptionId: 'sub', location: 'westeurope', durationMs: 96_000, resourceId: VM });
    const poll = `${SUB}/providers/Microsoft.Compute/locations/westeurope/operations/${operation.id}`;
    const first = budgets.charge('GET', poll)?.headers['x-ms-ratelimit-remaining-resource'];
    expect(first).toMatch(/^Microsoft\.Compute\/GetOperationResource;44,Microsoft\.Compute\/GetOperationSubscriptionMaximum;14999$/);
    for (let i = 0; i < 44; i++) expect(budgets.charge('GET', poll)?.refusal).toBeUndefined();
    const refused = budgets.charge('GET', poll)?.refusal;
    expect(refused?.status).toBe(429);
    expect(refused?.headers?.['Retry-After']).toBe('4'); // 15 a minute
  });

  it('a client polling a VM create every second runs out of GetOperation about a minute in', () => {
    const { clock, operations, budgets } = budgetsAt(1);
    const operation = operations.start({ family: 'compute', subscriptionId: 'sub', location: 'westeurope', durationMs: 96_000, resourceId: VM });
    const poll = `${SUB}/providers/Microsoft.Compute/locations/westeurope/operations/${operation.id}`;
    let firstRefusalAt: number | undefined;
    for (let second = 0; second < 96 && firstRefusalAt === undefined; second++) {
      clock.now = second * 1000;
      if (budgets.charge('GET', poll)?.refusal) firstRefusalAt = second;
    }
    // 45 held + 15/min back, one spent per second: dry after 45 / (1 - 0.25) = 60 s, well before the VM is done at 96 s.
    expect(firstRefusalAt).toBeGreaterThanOrEqual(55);
    expect(firstRefusalAt).toBeLessThanOrEqual(62);
  });

  it('refill time scales with latencyScale; at scale 0 the budget never runs dry', () => {
    const tenth = budgetsAt(0.1);
    for (let i = 0; i < 36; i++) tenth.budgets.charge('GET', VM);
    tenth.clock.now += 500; // 5 s of real-world time at scale 0.1
    expect(tenth.budgets.charge('GET', VM)?.refusal).toBeUndefined();
    const instant = budgetsAt(0);
    for (let i = 0; i < 500; i++) expect(instant.budgets.charge('GET', VM)?.refusal).toBeUndefined();
  });
});

describe('per-VM read budgets over HTTPS (real-world scale)', () => {
  let sim: Simulator;
  let pollPath: string;
  beforeAll(async () => {
    // The VM is made at scale 0, then the world moves to a simulator at scale 1 where buckets refill slowly.
    const fast = await startSimulatedAzure();
    await fast.resources.resourceGroups.createOrUpdate('rg', { location: 'westeurope' });
    const nicId = await createNic(fast, 'rg', 'nic');
    await fast.compute.virtualMachines.createOrUpdate('rg', 'vm', windowsVmBody(nicId) as never, FAST_POLL);
    pollPath = fast.sim.requestLog().find((r) => r.method === 'GET' && /\/Microsoft\.Compute\/locations\/[^/]+\/operations\//i.test(r.path))!.path;
    const snapshot = fast.sim.snapshot();
    await fast.close();
    sim = await startSimulator({ latencyScale: 1, restore: snapshot });
  });
  afterAll(() => sim.close());

  async function get(path: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    const { request } = await import('node:https');
    return new Promise((resolve, reject) => {
      const req = request(`${sim.url}${path}?api-version=2024-07-01`, { agent: sim.httpsAgent(), headers: { authorization: 'Bearer test' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0,
          headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
          body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>,
        }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('answers instance-view reads with the remaining budget, then 429 + Retry-After with the Compute error body', async () => {
    const vm = pollPath.replace(/\/providers\/Microsoft\.Compute\/locations\/.*$/i, '/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm');
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 37; i++) {
      last = await get(`${vm}/instanceView`);
      statuses.push(last.status);
      if (i === 0) expect(last.headers.get('x-ms-ratelimit-remaining-resource')).toMatch(/^Microsoft\.Compute\/LowCostGetSubscriptionMaximum;\d+,Microsoft\.Compute\/LowCostGetResource;35$/);
    }
    expect(statuses.slice(0, 36).every((s) => s === 200)).toBe(true);
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(last?.body).toMatchObject({ error: { code: 'OperationNotAllowed', details: [{ code: 'TooManyRequests' }] } });
    expect(sim.requestLog().at(-1)?.status).toBe(429);
  });

  it('meters the status polls of the VM create on its own GetOperation budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 46; i++) statuses.push((await get(pollPath)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(45);
    expect(statuses.at(-1)).toBe(429);
  });
});
