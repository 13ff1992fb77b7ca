import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunCommandInvocation } from '../../src/simulator/index.js';
import { FAST_POLL, startSimulatedAzure, type SimulatedAzure, createRunningVm } from '../support/simulator.js';

let azure: SimulatedAzure;
const rg = 'rg-rc';
const loc = 'westeurope';
const runs: RunCommandInvocation[] = [];

beforeAll(async () => {
  azure = await startSimulatedAzure();
  await createRunningVm(azure, rg, loc);
});
afterAll(() => azure.close());
beforeEach(() => {
  runs.length = 0;
  azure.sim.setRunCommandExecutor(async (run) => {
    runs.push(run);
    return { exitCode: 0, output: 'simulated', error: '' };
  });
});

const install = (overrides: Record<string, unknown> = {}) => ({
  location: loc,
  source: { script: 'param($ServiceAccount, $ServicePassword) Write-Output "installing"' },
  parameters: [{ name: 'ServiceAccount', value: 'qliksvc' }],
  protectedParameters: [{ name: 'ServicePassword', value: 'Sup3r-Secret-Value!' }],
  timeoutInSeconds: 3600,
  asyncExecution: false,
  treatFailureAsDeploymentFailure: true,
  ...overrides,
});

describe('managed Run Command', () => {
  it('runs the script through the executor with parameters and protected parameters, as an LRO', async () => {
    const result = await azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', 'install', install(), FAST_POLL);
    expect(result.provisioningState).toBe('Succeeded');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      vmName: 'vm',
      runCommandName: 'install',
      parameters: [{ name: 'ServiceAccount', value: 'qliksvc' }],
      protectedParameters: [{ name: 'ServicePassword', value: 'Sup3r-Secret-Value!' }],
      timeoutInSeconds: 3600,
    });
    const put = azure.sim.requestLog().find((r) => r.method === 'PUT' && r.path.endsWith('/runCommands/install'));
    expect(put?.status).toBe(201);
    expect(JSON.stringify(azure.sim.requestLog())).not.toContain('Sup3r-Secret-Value!');
    expect(JSON.stringify(azure.sim.resources())).not.toContain('Sup3r-Secret-Value!');
  });

  it('reports the instance view with exit code and output on $expand=instanceView', async () => {
    const plain = await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'install');
    expect(plain.instanceView).toBeUndefined();
    const expanded = await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'install', { expand: 'instanceView' });
    expect(expanded.instanceView).toMatchObject({ executionState: 'Succeeded', exitCode: 0, output: 'simulated' });
    expect(expanded.instanceView?.startTime).toBeInstanceOf(Date);
    expect(expanded.instanceView?.endTime).toBeInstanceOf(Date);
  });

  it('keeps only the last 4096 bytes of output', async () => {
    azure.sim.setRunCommandExecutor(async () => ({ exitCode: 0, output: `HEAD${'x'.repeat(5000)}TAIL`, error: '' }));
    await azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', 'long', install(), FAST_POLL);
    const view = (await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'long', { expand: 'instanceView' })).instanceView;
    expect(view?.output).toHaveLength(4096);
    expect(view?.output?.endsWith('TAIL')).toBe(true);
  });

  it('fails the LRO on a non-zero exit with treatFailureAsDeploymentFailure', async () => {
    azure.sim.setRunCommandExecutor(async () => ({ exitCode: 3, output: 'partial', error: 'setup failed' }));
    await expect(azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', 'failing', install(), FAST_POLL)).rejects.toThrow(
      /VMExtensionProvisioningError/,
    );
    const rc = await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'failing', { expand: 'instanceView' });
    expect(rc.provisioningState).toBe('Failed');
    expect(rc.instanceView).toMatchObject({ executionState: 'Failed', exitCode: 3, error: 'setup failed' });
  });

  it('succeeds the LRO on a non-zero exit without treatFailureAsDeploymentFailure', async () => {
    azure.sim.setRunCommandExecutor(async () => ({ exitCode: 1, output: '', error: 'boom' }));
    const rc = await azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', 'soft', install({ treatFailureAsDeploymentFailure: false }), FAST_POLL);
    expect(rc.provisioningState).toBe('Succeeded');
    const view = (await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'soft', { expand: 'instanceView' })).instanceView;
    expect(view).toMatchObject({ executionState: 'Failed', exitCode: 1 });
  });

  it('reports TimedOut when the script outlives timeoutInSeconds', async () => {
    azure.sim.setRunCommandExecutor(() => new Promise((resolve) => setTimeout(() => resolve({ exitCode: 0, output: '', error: '' }), 1500)));
    await expect(
      azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', 'slow', install({ timeoutInSeconds: 1 }), FAST_POLL),
    ).rejects.toThrow(/timed out/);
    const view = (await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'slow', { expand: 'instanceView' })).instanceView;
    expect(view?.executionState).toBe('TimedOut');
  });

  it('with asyncExecution the resource is Succeeded while the script still runs', async () => {
    let finish: () => void = () => undefined;
    azure.sim.setRunCommandExecutor(() => new Promise((resolve) => (finish = () => resolve({ exitCode: 0, output: 'done', error: '' }))));
    const rc = await azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', 'bg', install({ asyncExecution: true }), FAST_POLL);
    expect(rc.provisioningState).toBe('Succeeded');
    const running = await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'bg', { expand: 'instanceView' });
    expect(running.instanceView?.executionState).toBe('Running');
    finish();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const done = await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'bg', { expand: 'instanceView' });
    expect(done.instanceView).toMatchObject({ executionState: 'Succeeded', output: 'done' });
  });

  it('lists and deletes run commands; 404 on the parent VM when missing', async () => {
    const names: string[] = [];
    for await (const rc of azure.compute.virtualMachineRunCommands.listByVirtualMachine(rg, 'vm')) names.push(rc.name ?? '');
    expect(names).toEqual(expect.arrayContaining(['install', 'failing', 'bg']));
    await azure.compute.virtualMachineRunCommands.delete(rg, 'vm', 'install', FAST_POLL);
    await expect(azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', 'install')).rejects.toMatchObject({ statusCode: 404 });
    await expect(azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'nope', 'x', install(), FAST_POLL)).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe('action Run Command', () => {
  it('POST runCommand: 202 + Azure-AsyncOperation + Location, result from the Location', async () => {
    azure.sim.setRunCommandExecutor(async (run) => {
      runs.push(run);
      return { exitCode: 0, output: 'hostname: qlik-central', error: '' };
    });
    const result = await azure.compute.virtualMachines.runCommand(rg, 'vm', { commandId: 'RunPowerShellScript', script: ['hostname'] }, FAST_POLL);
    expect(result.value?.[0]).toMatchObject({ code: 'ComponentStatus/StdOut/succeeded', message: 'hostname: qlik-central' });
    expect(result.value?.[1]?.code).toBe('ComponentStatus/StdErr/succeeded');
    expect(runs[0]).toMatchObject({ runCommandName: 'RunPowerShellScript', script: 'hostname' });
    const post = azure.sim.requestLog().find((r) => r.method === 'POST' && r.path.endsWith('/runCommand'));
    expect(post?.status).toBe(202);
  });

  it('refuses an unknown command id', async () => {
    await expect(azure.compute.virtualMachines.runCommand(rg, 'vm', { commandId: 'Nope' }, FAST_POLL)).rejects.toMatchObject({ statusCode: 404 });
  });
});
