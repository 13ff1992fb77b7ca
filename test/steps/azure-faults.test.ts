/**
 * Injected faults, through the real CLI: throttling, 5xx and reset connections that the SDK retries (and
 * the user sees retried), and faults that outlast the retries or fail an operation, which stop the run
 * with a clear, resumable error; `resume` finishes once the fault is gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/simulator/index.js';
import { createWorkspace, EXPECTED_RESOURCES, resourceSummary, type Workspace } from './support.js';

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

async function workspaceWith(faults: FaultRule[]): Promise<Workspace> {
  ws = await createWorkspace({ faults });
  return ws;
}

async function journal(w: Workspace): Promise<Record<string, { status: string; error?: { code?: string; message: string; advice?: string } }>> {
  return JSON.parse(await w.stateJson()).journal;
}

function expectCompleteDeployment(w: Workspace): void {
  expect(resourceSummary(w.sim).sort()).toEqual([...EXPECTED_RESOURCES].sort());
}

describe('faults the SDK retries', () => {
  it('converges through 429s, 5xx and reset connections, and says it is retrying', async () => {
    const w = await workspaceWith([
      { kind: 'throttle', method: 'PUT', path: '/virtualNetworks/[^/]+$', times: 2 },
      { kind: 'serverError', status: 500, method: 'PUT', path: '/networkSecurityGroups/[^/]+$' },
      { kind: 'serverError', status: 503, method: 'GET', path: '/operations/', nth: 2 },
      { kind: 'connectionReset', method: 'PUT', path: '/publicIPAddresses/[^/]+$' },
      { kind: 'connectionReset', method: 'GET', path: '/virtualMachines/[^/]+/instanceView$' },
    ]);
    const result = await w.apply();
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);
    expectCompleteDeployment(w);
    expect(output).toContain('Azure throttled (429); retrying after 0s');
    expect(output).toContain('Azure answered 500; retrying');
    expect(output).toContain('Azure answered 503; retrying');
    expect(output).toMatch(/connection to Azure failed \(ECONNRESET\); retrying/);
  });

  it('carries on when Azure reports OSProvisioningTimedOut for a VM that comes up', async () => {
    const w = await workspaceWith([{ kind: 'osProvisioningTimeout', method: 'PUT', path: '/virtualMachines/[^/]+$' }]);
    const result = await w.apply();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain('Azure reported OSProvisioningTimedOut for qlik-sim-vm');
    expect((await journal(w))['29']?.status).toBe('done');
  });
});

describe('faults that stop the run', () => {
  it('a failed VM operation stops at step 29 with its code; resume writes the VM again and finishes', async () => {
    const w = await workspaceWith([{ kind: 'failLro', method: 'PUT', path: '/virtualMachines/[^/]+$' }]);
    const first = await w.apply();
    expect(first.code).toBe(1);
    expect(first.stdout + first.stderr).toMatch(/step 29 .*failed.*AllocationFailed/);
    const failed = await journal(w);
    expect(failed['29']).toMatchObject({ status: 'failed', error: { code: 'AllocationFailed' } });
    expect(failed['26']?.status).toBe('done');

    const resumed = await w.apply('resume');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expectCompleteDeployment(w);
    expect(Object.entries(await journal(w)).filter(([step]) => Number(step) <= 33).every(([, entry]) => entry.status === 'done')).toBe(true);
    const vmPuts = w.sim.requestLog().filter((r) => r.method === 'PUT' && r.path.endsWith('/virtualMachines/qlik-sim-vm'));
    expect(vmPuts).toHaveLength(2);
  });

  it('5xx that outlast the retries fail the step, block its dependents, and resume finishes after the fault clears', async () => {
    const w = await workspaceWith([{ kind: 'serverError', status: 500, method: 'PUT', path: '/networkSecurityGroups/[^/]+$', times: 100 }]);
    const first = await w.apply();
    expect(first.code).toBe(1);
    const failed = await journal(w);
    expect(failed['5']).toMatchObject({ status: 'failed', error: { code: 'InternalServerError', advice: expect.stringContaining('qlik-azure resume') } });
    expect(failed['13']?.status).toBe('done');
    expect(first.stdout + first.stderr).toMatch(/Not run because an earlier step failed: .*12/);

    w.sim.clearFaults();
    const resumed = await w.apply('resume');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expectCompleteDeployment(w);
  });

  it('throttling that outlasts the retries stops with advice to wait and resume', async () => {
    const w = await workspaceWith([{ kind: 'throttle', method: 'PUT', path: '/storageAccounts/[^/]+$', times: 100 }]);
    const first = await w.apply();
    expect(first.code).toBe(1);
    expect((await journal(w))['13']).toMatchObject({ status: 'failed', error: { code: 'SubscriptionRequestsThrottled', advice: expect.stringContaining('wait a minute') } });
    w.sim.clearFaults();
    expect((await w.apply('resume')).code).toBe(0);
    expectCompleteDeployment(w);
  });
});
