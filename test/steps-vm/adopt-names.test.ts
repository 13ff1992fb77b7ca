/**
 * An adopted VM whose resources carry names other than the config's stays authoritative: a later apply
 * (or apply --from-step 1) writes nothing to Azure for steps 1-33, creates no second VM, and runs the VM
 * steps on the adopted one. Through the built CLI.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedQlikVm } from '../../src/simulator/qlik-vm.js';
import { assertBuilt } from '../support/cli.js';
import { connectionFlags, createWorkspace, writes, type Workspace } from '../steps/support.js';
import type { DeploymentConfigInput } from '../../src/config/schema.js';
import { COMPUTER_NAME, VM_CONFIG, type StateFile } from './support.js';

/** The same deployment with every Azure name its own: what someone made without qlik-azure. */
const THEIR_NAMES: DeploymentConfigInput = {
  ...VM_CONFIG,
  vm: { ...(VM_CONFIG.vm as object), name: 'their-vm' },
  network: { ...(VM_CONFIG.network as object), vnetName: 'their-vnet', nsgName: 'their-nsg', publicIpName: 'their-ip', dnsLabel: 'their-qlik' },
} as DeploymentConfigInput;

describe('a later apply after --existing-vm with names of its own', () => {
  const vm = createSimulatedQlikVm({ computerName: () => COMPUTER_NAME });
  let ws: Workspace;
  let state: StateFile;
  let adoptedVmId = '';

  const azureWritesDuring = async (args: readonly string[]) => {
    const before = ws.sim.requestLog().length;
    const result = await ws.cli([...args, '--yes', ...connectionFlags(ws)]);
    const log = ws.sim.requestLog().slice(before);
    const armWrites = writes(log).filter((r) => r.path.startsWith('/subscriptions/') && !r.path.includes('/runCommands/')).map((r) => `${r.method} ${r.path}`);
    const runCommandVms = [...new Set(log.filter((r) => r.method === 'PUT' && r.path.includes('/runCommands/')).map((r) => /\/virtualMachines\/([^/]+)\//.exec(r.path)?.[1]))];
    return { result, armWrites, runCommandVms };
  };

  beforeAll(async () => {
    assertBuilt();
    ws = await createWorkspace({ runCommandExecutor: vm.executor }, THEIR_NAMES);
    expect((await ws.apply()).code).toBe(0);
    await rm(ws.stateDir, { recursive: true, force: true });
    await ws.writeConfig(VM_CONFIG);
    // Through step 45 only: the later apply has step 46 to do, so it runs (with nothing to do it would stop at "No changes.").
    const adoption = await ws.cli(['apply', '--existing-vm', 'their-vm', '--to-step', '45', '--yes', ...connectionFlags(ws)]);
    expect(adoption.code, adoption.stdout + adoption.stderr).toBe(0);
    state = JSON.parse(await ws.stateJson()) as StateFile;
    adoptedVmId = String(state.journal['29']!.outputs!.vmId);
  }, 120_000);
  afterAll(() => ws?.close());

  it('apply writes nothing to the Azure resources of steps 1-33 and runs steps 34+ on the adopted VM', async () => {
    expect(adoptedVmId).toMatch(/\/virtualMachines\/their-vm$/);
    const { result, armWrites, runCommandVms } = await azureWritesDuring(['apply', '--to-step', '46']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(armWrites).toEqual([]);
    expect(runCommandVms).toEqual(['their-vm']);
    const after = JSON.parse(await ws.stateJson()) as StateFile;
    expect(after.journal['29']!.outputs).toMatchObject({ vmId: adoptedVmId, adopted: true });
    expect(ws.sim.resources().filter((r) => /\/virtualMachines\//i.test(r.id)).map((r) => r.id.split('/').pop())).toEqual(['their-vm']);
  });

  it('plan names the adopted steps as such, and plans nothing for them', async () => {
    const result = await ws.cli(['plan', '--all', '--to-step', '33', ...connectionFlags(ws)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/29 .*adopted with --existing-vm: left as recorded/);
    expect(result.stdout).not.toMatch(/^\s*\+/m);
  });

  it('apply --from-step 1 leaves the adopted steps as recorded too', async () => {
    const { result, armWrites } = await azureWritesDuring(['apply', '--from-step', '1', '--to-step', '33']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('Nothing to do');
    expect(armWrites).toEqual([]);
    expect((JSON.parse(await ws.stateJson()) as StateFile).journal['29']!.outputs).toMatchObject({ vmId: adoptedVmId });
  });
});
