/**
 * --existing-vm: a VM made some other way (here: by an earlier apply whose state is gone) is adopted. The
 * Azure phase is recorded from what Azure reports and the run starts at step 34, through the built CLI.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNABLE_STEPS } from '../../src/engine/catalogue.js';
import { createSimulatedQlikVm } from '../../src/simulator/qlik-vm.js';
import { assertBuilt } from '../support/cli.js';
import { connectionFlags, createWorkspace, writes, type Workspace } from '../steps/support.js';
import { COMPUTER_NAME, leakedSecrets, VM_CONFIG, type StateFile } from './support.js';

describe('apply --existing-vm', () => {
  const vm = createSimulatedQlikVm({ computerName: () => COMPUTER_NAME });
  let ws: Workspace;
  let output = '';
  let code: number | null = null;
  let state: StateFile;
  let armWritesDuringAdoption: string[] = [];

  beforeAll(async () => {
    assertBuilt();
    ws = await createWorkspace({ runCommandExecutor: vm.executor }, VM_CONFIG);
    expect((await ws.apply()).code).toBe(0);
    await rm(ws.stateDir, { recursive: true, force: true });
    const before = ws.sim.requestLog().length;
    const result = await ws.cli(['apply', '--existing-vm', 'qlik-sim-vm', '--to-step', '46', '--yes', ...connectionFlags(ws)]);
    armWritesDuringAdoption = writes(ws.sim.requestLog().slice(before)).filter((r) => r.path.startsWith('/subscriptions/') && !r.path.includes('/runCommands/')).map((r) => `${r.method} ${r.path}`);
    output = result.stdout + result.stderr;
    code = result.code;
    state = JSON.parse(await ws.stateJson()) as StateFile;
  }, 120_000);
  afterAll(() => ws?.close());

  it('records steps 1-33 as adopted, with the outputs read from Azure, and changes nothing there', () => {
    expect(code, output).toBe(0);
    expect(output).toMatch(/Adopted VM \/subscriptions\/.+\/virtualMachines\/qlik-sim-vm \(qlik-sim\.westeurope\.cloudapp\.azure\.com\): steps 1, 5, 12, 13, 16, 23, 25, 26, 29, 30 recorded from Azure/);
    for (const entry of RUNNABLE_STEPS.filter((e) => e.number <= 33)) {
      expect(state.journal[entry.number], `step ${entry.number}`).toMatchObject({ status: 'done', change: 'unchanged', outputs: { adopted: true } });
    }
    expect(state.journal['29']!.outputs).toMatchObject({ vmId: expect.stringMatching(/\/virtualMachines\/qlik-sim-vm$/), computerName: COMPUTER_NAME, adminUsername: 'qlikadmin' });
    expect(state.journal['30']!.outputs).toMatchObject({ publicIpAddress: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/), fqdn: 'qlik-sim.westeurope.cloudapp.azure.com' });
    expect(state.journal['13']!.outputs).toMatchObject({ storageAccountName: expect.stringMatching(/^qa/), blobEndpoint: expect.stringContaining('https://127.0.0.1') });
    expect(armWritesDuringAdoption).toEqual([]);
  });

  it('starts at step 34 and runs the VM steps on the adopted VM', () => {
    for (const step of [34, 35, 38, 39, 40, 41, 42, 43, 44, 45, 46]) expect(state.journal[step]?.status, `step ${step}`).toBe('done');
    expect(vm.machine('qlik-sim-vm').release).toBe('Qlik Sense November 2025');
    expect(output).not.toMatch(/ 1 Resource group: started/);
    expect(leakedSecrets(output + JSON.stringify(state))).toEqual([]);
  });

  it('refuses a VM that does not exist, naming what to pass instead', async () => {
    const result = await ws.cli(['apply', '--existing-vm', 'no-such-vm', '--yes', ...connectionFlags(ws)]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("there is no VM 'no-such-vm' in resource group rg-qlik-sim");
  });
});
