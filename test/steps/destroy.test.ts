/**
 * `qlik-azure destroy` through the CLI: it needs the deployment name typed out, refuses a group qlik-azure
 * did not make unless forced, deletes the group with everything in it, and clears the step journal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectionFlags, createWorkspace, simulatorServices, type Workspace } from './support.js';

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

const destroy = (w: Workspace, ...extra: string[]) => w.cli(['destroy', ...connectionFlags(w), ...extra]);

async function journalSteps(w: Workspace): Promise<string[]> {
  return Object.keys(JSON.parse(await w.stateJson()).journal);
}

describe('destroy', () => {
  it('needs --confirm with the deployment name, then deletes the group and clears the journal', async () => {
    const w = (ws = await createWorkspace());
    expect((await w.apply()).code).toBe(0);
    expect(await journalSteps(w)).toHaveLength(10);

    const unconfirmed = await destroy(w, '--yes');
    expect(unconfirmed.code).toBe(3);
    expect(unconfirmed.stdout + unconfirmed.stderr).toContain('--confirm qlik-sim');
    const misspelt = await destroy(w, '--yes', '--confirm', 'qlik-si');
    expect(misspelt.code).toBe(3);
    expect(w.sim.requestLog().filter((r) => r.method === 'DELETE')).toEqual([]);

    const confirmed = await destroy(w, '--yes', '--confirm', 'qlik-sim');
    expect(confirmed.code, confirmed.stdout + confirmed.stderr).toBe(0);
    expect(w.sim.resources()).toEqual([]);
    expect(await journalSteps(w)).toEqual([]);
    // One status line per change of the deletion's state, not one per poll.
    const lines = confirmed.stdout.split('\n').filter((line) => line.includes('deleting resource group rg-qlik-sim'));
    expect(new Set(lines).size).toBe(lines.length);

    // Everything is created again by the next apply.
    expect((await w.apply()).code).toBe(0);
    // The VM's managed OS disk is a resource of its own, as Azure lists it.
    expect(w.sim.resources()).toHaveLength(8);
  });

  it('refuses a group qlik-azure did not create, unless --force-foreign-group', async () => {
    const w = (ws = await createWorkspace());
    await (await simulatorServices(w.sim).resources()).resourceGroups.createOrUpdate('rg-qlik-sim', { location: 'westeurope', tags: { team: 'platform' } });
    const refused = await destroy(w, '--yes', '--confirm', 'qlik-sim');
    expect(refused.code).toBe(3);
    expect(refused.stdout + refused.stderr).toMatch(/was not created by qlik-azure.*--force-foreign-group/s);
    expect(w.sim.resources()).toHaveLength(1);

    const forced = await destroy(w, '--yes', '--confirm', 'qlik-sim', '--force-foreign-group');
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(w.sim.resources()).toEqual([]);
  });

  it("refuses a group tagged with another deployment's name", async () => {
    const w = (ws = await createWorkspace());
    const groups = (await simulatorServices(w.sim).resources()).resourceGroups;
    await groups.createOrUpdate('rg-qlik-sim', { location: 'westeurope', tags: { 'qlik-azure:deployment': 'qlik-other' } });
    const refused = await destroy(w, '--yes', '--confirm', 'qlik-sim');
    expect(refused.code).toBe(3);
    expect(refused.stdout + refused.stderr).toMatch(/was not created by qlik-azure for 'qlik-sim' \(its tag qlik-azure:deployment is qlik-other\)/);
    expect(w.sim.requestLog().filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(w.sim.resources()).toHaveLength(1);
  });

  it('has nothing to do when the group does not exist', async () => {
    const w = (ws = await createWorkspace());
    const result = await destroy(w, '--yes', '--confirm', 'qlik-sim');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('does not exist; nothing to delete');
  });
});
