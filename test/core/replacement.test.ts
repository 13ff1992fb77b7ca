/**
 * Issue 13 item 4: a name changed after a deployment (here the resource group) is not a second deployment
 * by accident. Through the built CLI against the simulator: plan says what the change forces replacement
 * of, apply and resume refuse it with exit 3 before sending Azure a single request, a change Azure makes
 * in place (the NSG's allowed sources) is still an update, and the way on that the refusal names
 * (destroy, then apply) deletes what was built and makes it anew under the new name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveNames } from '../../src/config/derive.js';
import { configSchema } from '../../src/config/schema.js';
import { findReplacements } from '../../src/engine/replacement.js';
import type { JournalEntry } from '../../src/engine/journal.js';
import { BASE_CONFIG, connectionFlags, createWorkspace, resourceSummary, writes, type Workspace } from '../steps/support.js';

const RENAMED = { ...BASE_CONFIG, resourceGroup: 'rg-qlik-moved' };

describe('a resource group renamed after the Azure phase', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
    const first = await ws.apply();
    expect(first.code, first.stdout + first.stderr).toBe(0);
  }, 120_000);
  afterAll(() => ws?.close());

  it('keeps a change Azure makes in place (the allowed sources) an update, not a replacement', async () => {
    await ws.writeConfig({ ...BASE_CONFIG, network: { allowedSourceCidrs: ['203.0.113.0/24', '198.51.100.0/24'] } });
    const before = writes(ws.sim.requestLog()).length;
    const result = await ws.apply();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).not.toContain('forces replacement');
    expect(result.stdout).toMatch(/~ +5 Network security group/);
    expect(writes(ws.sim.requestLog()).slice(before).map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`)).toContain('PUT networkSecurityGroups/qlik-sim-nsg');
    await ws.writeConfig(BASE_CONFIG);
    expect((await ws.apply()).code).toBe(0);
  }, 120_000);

  it('plan names the setting, the old and new value, and the resources and steps it would replace', async () => {
    await ws.writeConfig(RENAMED);
    const result = await ws.cli(['plan', ...connectionFlags(ws)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('resourceGroup: rg-qlik-sim → rg-qlik-moved forces replacement of resource group rg-qlik-sim, network security group qlik-sim-nsg, storage account qa');
    expect(result.stdout).toContain('VM qlik-sim-vm with its disks');
    expect(result.stdout).toMatch(/\(done steps 1, 5, 12, 13, 16, 25, 26, 29, 30\)/);
    expect(result.stdout).toContain('apply refuses this');
    expect(result.stdout).toMatch(/\+ +1 Resource group +rg-qlik-moved in westeurope; forces replacement of what step 1 built/);
    const json = await ws.cli(['plan', '--json', ...connectionFlags(ws)]);
    const document = JSON.parse(json.stdout) as { replacements: { setting: string; from: string; to: string; steps: number[] }[] };
    expect(document.replacements.map(({ setting, from, to }) => ({ setting, from, to }))).toEqual([{ setting: 'resourceGroup', from: 'rg-qlik-sim', to: 'rg-qlik-moved' }]);
  }, 60_000);

  it('apply and resume refuse it with exit 3 before any request reaches Azure', async () => {
    await ws.writeConfig(RENAMED);
    const before = ws.sim.requestLog().length;
    for (const command of ['apply', 'resume'] as const) {
      const result = await ws.apply(command);
      expect(result.code, result.stdout + result.stderr).toBe(3);
      expect(result.stderr).toContain('resourceGroup: rg-qlik-sim → rg-qlik-moved forces replacement of resource group rg-qlik-sim');
      expect(result.stderr).toContain('nothing was changed. Fix: put back resourceGroup: rg-qlik-sim');
      expect(result.stderr).toContain(`'qlik-azure destroy`);
      expect(result.stderr).toContain('--deployment qlik-sim-2');
    }
    expect(ws.sim.requestLog().slice(before)).toEqual([]);
    expect(resourceSummary(ws.sim)).not.toContain('Microsoft.Resources/resourceGroups rg-qlik-moved');
  }, 60_000);

  it('the way on it names works: destroy deletes the group that was built, then apply makes the new one', async () => {
    await ws.writeConfig(RENAMED);
    const destroyed = await ws.cli(['destroy', '--yes', '--confirm', 'qlik-sim', ...connectionFlags(ws)]);
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    expect(destroyed.stdout).toContain('Deleted rg-qlik-sim.');
    const applied = await ws.apply();
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const groups = resourceSummary(ws.sim).filter((r) => r.startsWith('Microsoft.Resources/resourceGroups'));
    expect(groups).toEqual(['Microsoft.Resources/resourceGroups rg-qlik-moved']);
  }, 180_000);
});

describe('which changes force a replacement', () => {
  const resolve = (input: object) => resolveNames(configSchema.parse({ ...BASE_CONFIG, ...input }));
  const done = (steps: number[], outputs: Record<string, boolean> = {}) => ({
    entry: (step: number): JournalEntry | undefined => (steps.includes(step)
      ? { status: 'done', startedAt: '', finishedAt: '', attempt: 1, change: 'create', outputs }
      : undefined),
  });
  const built = resolve({});

  it('only what the journal says was built: a VM renamed before step 29 ran replaces nothing', () => {
    expect(findReplacements(built, resolve({ vm: { name: 'other-vm', dataDiskSizeGb: 64 } }), done([1, 5, 13]))).toEqual([]);
    expect(findReplacements(built, resolve({ vm: { name: 'other-vm', dataDiskSizeGb: 64 } }), done([1, 29, 40]))).toMatchObject([{ setting: 'vm.name', resources: [expect.stringContaining('VM qlik-sim-vm')], steps: [29, 40] }]);
  });

  it('a DNS label and the allowed sources change in place; a new region replaces everything built', () => {
    const changed = resolve({ network: { dnsLabel: 'other-label', allowedSourceCidrs: ['198.51.100.0/24'] } });
    expect(findReplacements(built, changed, done([1, 5, 26]))).toEqual([]);
    expect(findReplacements(built, resolve({ location: 'northeurope' }), done([1, 5]))).toMatchObject([{ setting: 'location', from: 'westeurope', to: 'northeurope', steps: [1, 5] }]);
  });

  it('steps adopted with --existing-vm keep their own names', () => {
    expect(findReplacements(built, resolve({ vm: { name: 'other-vm', dataDiskSizeGb: 64 } }), done([29], { adopted: true }))).toEqual([]);
  });
});
