/**
 * Run Command against a VM whose extension handler is busy (409 Conflict) or that loses a PUT to a transient
 * InternalExecutionError: retried with a visible note; a script Azure reports as still executing is followed,
 * not sent again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runScript, type ScriptRun } from '../src/azure/run-command.js';
import { vmTarget } from '../src/steps/vm/target.js';
import { startVmWorld, stepsUpTo, type VmWorld } from './steps-vm/support.js';

describe('runScript when Azure is busy or loses the PUT', () => {
  let world: VmWorld;
  const firewall = (name: string): ScriptRun => ({
    vm: vmTarget(world.context(46)),
    name,
    template: 'vm/firewall.ps1',
    parameters: { Ports: '443' },
    secretParameters: {},
    runsAs: 'LocalSystem',
    timeoutSeconds: 300,
  });
  const puts = (name: string) => world.sim.requestLog().filter((r) => r.method === 'PUT' && r.path.endsWith(`/runCommands/${name}`));
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  beforeAll(async () => {
    world = await startVmWorld();
    expect((await world.run(stepsUpTo(33))).failed).toEqual([]);
  });
  beforeEach(() => world.sim.setRunCommandExecutor((run) => world.vm.executor(run)));
  afterAll(() => world?.close());

  it('waits out a 409 Conflict while another run command is being provisioned, with a note', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    world.sim.setRunCommandExecutor(async (run) => {
      if (run.runCommandName !== 'someone-else') return world.vm.executor(run);
      await held;
      return { exitCode: 0, output: '', error: '' };
    });
    const { vm } = firewall('x');
    const compute = await world.services.compute();
    // Another client's run command, provisioned synchronously: the extension stays busy until its script ends.
    const other = await compute.virtualMachineRunCommands.beginCreateOrUpdate(vm.resourceGroup, vm.name, 'someone-else', { location: vm.location, source: { script: 'Start-Sleep 60' }, asyncExecution: false }, { updateIntervalInMs: 5 });
    const running = runScript(world.context(46), firewall('qlik-azure-test-busy'));
    await until(() => puts('qlik-azure-test-busy').some((r) => r.status === 409));
    release();
    await other.pollUntilDone();
    const { result } = await running;
    expect(result).toMatchObject({ ports: [443] });
    expect(puts('qlik-azure-test-busy').map((r) => r.status)).toContain(201);
    expect(world.notes.some((n) => /busy with another Run Command on .+ \(409 Conflict\); trying again in \d+ s/.test(n))).toBe(true);
  });

  it('follows a script that is still executing after its PUT ended in InternalExecutionError, without sending it again', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    world.sim.setRunCommandExecutor(async (run) => {
      await held;
      return world.vm.executor(run);
    });
    world.sim.injectFault({ kind: 'internalExecutionError', method: 'PUT', path: '/runCommands/qlik-azure-test-lost$' });
    const running = runScript(world.context(46), firewall('qlik-azure-test-lost'));
    await until(() => world.notes.some((n) => n.includes('InternalExecutionError')));
    release();
    const { result } = await running;
    expect(result).toMatchObject({ ports: [443] });
    expect(puts('qlik-azure-test-lost')).toHaveLength(1);
    expect(world.notes.some((n) => /InternalExecutionError, but the script is running on .+; following it rather than sending it again/.test(n))).toBe(true);
  });

  it('sends the script again when the InternalExecutionError left it not run', async () => {
    // The first attempt's script ends Failed at once; only the second one does the work.
    world.sim.setRunCommandExecutor(async (run) => (run.runCommandName === 'qlik-azure-test-retried' && puts('qlik-azure-test-retried').length === 1
      ? { exitCode: 1, output: '', error: 'never started' }
      : world.vm.executor(run)));
    world.sim.injectFault({ kind: 'internalExecutionError', method: 'PUT', path: '/runCommands/qlik-azure-test-retried$' });
    const { result } = await runScript(world.context(46), firewall('qlik-azure-test-retried'));
    expect(result).toMatchObject({ ports: [443] });
    expect(puts('qlik-azure-test-retried')).toHaveLength(2);
    expect(world.notes.some((n) => /InternalExecutionError and the script ended Failed on .+; sending it again in \d+ s/.test(n))).toBe(true);
  });
});
