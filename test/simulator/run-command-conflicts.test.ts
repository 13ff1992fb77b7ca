// One extension operation at a time per VM: a managed Run Command PUT or DELETE while another run command of
// the same VM is being provisioned or deleted gets 409 Conflict; a transient InternalExecutionError fails the
// PUT's operation while the script goes on running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, startSimulatedAzure, type SimulatedAzure, createRunningVm } from '../support/simulator.js';

let azure: SimulatedAzure;
const rg = 'rg-rc-conflict';
const loc = 'westeurope';
const body = (script: string) => ({ location: loc, source: { script }, asyncExecution: true, timeoutInSeconds: 600 });

beforeAll(async () => {
  azure = await startSimulatedAzure();
  await createRunningVm(azure, rg, loc);
});
afterAll(() => azure.close());

describe('managed Run Command conflicts', () => {
  it('refuses a second run command while the first is still being provisioned, with the error Azure sends', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Without asyncExecution the PUT's operation lasts as long as the script: the extension stays busy.
    azure.sim.setRunCommandExecutor(async () => {
      await held;
      return { exitCode: 0, output: 'done', error: '' };
    });
    const first = await azure.compute.virtualMachineRunCommands.beginCreateOrUpdate(rg, 'vm', 'accounts', { ...body('Write-Output accounts'), asyncExecution: false }, FAST_POLL);
    const refused = await azure.compute.virtualMachineRunCommands
      .beginCreateOrUpdate(rg, 'vm', 'firewall', body('Write-Output firewall'), FAST_POLL)
      .then(() => undefined, (error: unknown) => error as { statusCode?: number; code?: string; message: string });
    expect(refused?.statusCode).toBe(409);
    expect(refused?.code).toBe('Conflict');
    expect(refused?.message).toContain('Run command extension execution is in progress');
    const deleteRefused = await azure.compute.virtualMachineRunCommands.beginDelete(rg, 'vm', 'accounts', FAST_POLL).then(() => undefined, (error: unknown) => error as { statusCode?: number });
    expect(deleteRefused?.statusCode).toBe(409);
    release();
    await first.pollUntilDone();
    // Once the first is provisioned, the next one is accepted (its script may run beside others).
    const second = await azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', 'firewall', body('Write-Output firewall'), FAST_POLL);
    expect(second.provisioningState).toBe('Succeeded');
  });

  it('refuses a PUT while another run command of the VM is being deleted', async () => {
    azure.sim.setRunCommandExecutor(async () => ({ exitCode: 0, output: 'ok', error: '' }));
    await azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', 'old', body('Write-Output old'), FAST_POLL);
    // At real-world latency a delete takes seconds; the world moves to such a simulator to see it in flight.
    const slow = await startSimulatedAzure({ latencyScale: 1, restore: azure.sim.snapshot() });
    try {
      await slow.compute.virtualMachineRunCommands.beginDelete(rg, 'vm', 'old', FAST_POLL);
      const refused = await slow.compute.virtualMachineRunCommands
        .beginCreateOrUpdate(rg, 'vm', 'new', body('Write-Output new'), FAST_POLL)
        .then(() => undefined, (error: unknown) => error as { statusCode?: number });
      expect(refused?.statusCode).toBe(409);
    } finally {
      await slow.close();
    }
  });

  it('an injected InternalExecutionError fails the PUT while the script goes on running', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    azure.sim.setRunCommandExecutor(async () => {
      await held;
      return { exitCode: 0, output: 'finished', error: '' };
    });
    azure.sim.injectFault({ kind: 'internalExecutionError', method: 'PUT', path: '/runCommands/flaky$' });
    const failed = await azure.compute.virtualMachineRunCommands
      .createOrUpdate(rg, 'vm', 'flaky', body('Write-Output flaky'), FAST_POLL)
      .then(() => undefined, (error: unknown) => error as Error);
    expect(failed?.message).toContain('InternalExecutionError');
    const running = await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'flaky', { expand: 'instanceView' });
    expect(running.provisioningState).toBe('Failed');
    expect(running.instanceView?.executionState).toBe('Running');
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ended = await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'flaky', { expand: 'instanceView' });
    expect(ended.instanceView).toMatchObject({ executionState: 'Succeeded', output: 'finished' });
  });
});
