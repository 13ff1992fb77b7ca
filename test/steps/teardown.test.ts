/**
 * Teardown in this process (the CLI's `destroy` uses these two functions; test/steps/destroy.test.ts drives
 * the built CLI): which resource groups count as this deployment's, and how deleting one reports its
 * progress and its failure. Real SDK clients over HTTPS against the simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { DEPLOYMENT_TAG, deleteResourceGroup, inspectResourceGroup } from '../../src/steps/teardown.js';
import { StepError } from '../../src/engine/step.js';
import { simulatorServices } from './support.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function withGroup(tags?: Record<string, string>) {
  sim = await startSimulator();
  const azure = simulatorServices(sim);
  if (tags) await (await azure.resources()).resourceGroups.createOrUpdate('rg-qlik-sim', { location: 'westeurope', tags });
  return azure;
}

const GROUP_ID = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-qlik-sim';

describe('teardown: whose group is it', () => {
  it("counts a group as ours only when its deployment tag names this deployment", async () => {
    const azure = await withGroup({ [DEPLOYMENT_TAG]: 'qlik-sim', team: 'bi' });
    const target = await inspectResourceGroup(azure, 'rg-qlik-sim', 'qlik-sim');
    expect(target.kind).toBe('ours');
    expect(target).toMatchObject({ id: expect.stringMatching(/\/resourceGroups\/rg-qlik-sim$/i) });
  });

  it("treats a group tagged with another deployment's name as foreign, with its tags for the message", async () => {
    const azure = await withGroup({ [DEPLOYMENT_TAG]: 'qlik-other' });
    const target = await inspectResourceGroup(azure, 'rg-qlik-sim', 'qlik-sim');
    expect(target).toEqual({ kind: 'foreign', id: expect.stringMatching(/\/resourceGroups\/rg-qlik-sim$/i), tags: { [DEPLOYMENT_TAG]: 'qlik-other' } });
  });

  it('treats a group with no tags, or an empty tag set, as foreign', async () => {
    sim = await startSimulator();
    const azure = simulatorServices(sim);
    await (await azure.resources()).resourceGroups.createOrUpdate('rg-qlik-sim', { location: 'westeurope' });
    expect(await inspectResourceGroup(azure, 'rg-qlik-sim', 'qlik-sim')).toMatchObject({ kind: 'foreign', tags: {} });
    await (await azure.resources()).resourceGroups.createOrUpdate('rg-qlik-empty', { location: 'westeurope', tags: {} });
    expect(await inspectResourceGroup(azure, 'rg-qlik-empty', 'qlik-sim')).toMatchObject({ kind: 'foreign', tags: {} });
  });

  it('reports a group that does not exist as absent, and deletes nothing', async () => {
    const azure = await withGroup();
    expect(await inspectResourceGroup(azure, 'rg-qlik-sim', 'qlik-sim')).toEqual({ kind: 'absent' });
    expect(sim!.requestLog().filter((r) => r.method === 'DELETE')).toEqual([]);
  });
});

describe('teardown: deleting the group', () => {
  it('deletes the group and everything in it, one progress line per change of state', async () => {
    const azure = await withGroup({ [DEPLOYMENT_TAG]: 'qlik-sim' });
    await (await azure.resources()).providers.register('Microsoft.Network');
    const network = await azure.network();
    await network.networkSecurityGroups.beginCreateOrUpdateAndWait('rg-qlik-sim', 'nsg-a', { location: 'westeurope' });
    const progress: string[] = [];
    await deleteResourceGroup(azure, 'rg-qlik-sim', (message) => progress.push(message));
    expect(sim!.resources()).toEqual([]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((line) => line.includes('deleting resource group rg-qlik-sim'))).toBe(true);
    expect(new Set(progress).size).toBe(progress.length);
    expect(await inspectResourceGroup(azure, 'rg-qlik-sim', 'qlik-sim')).toEqual({ kind: 'absent' });
  });

  it('names the group, the reason and the fix when Azure fails the deletion', async () => {
    const azure = await withGroup({ [DEPLOYMENT_TAG]: 'qlik-sim' });
    sim!.injectFault({ kind: 'failLro', method: 'DELETE', path: '/resourceGroups/rg-qlik-sim$', code: 'ResourceGroupDeletionBlocked', message: 'a lock blocks it' });
    const failure = await deleteResourceGroup(azure, 'rg-qlik-sim', () => undefined).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(StepError);
    const error = failure as StepError;
    expect(error.message).toMatch(/^deleting resource group rg-qlik-sim failed: .*a lock blocks it/);
    expect(error.code).toBe('ResourceGroupDeletionBlocked');
    expect(error.advice).toBe('Run qlik-azure destroy again; Azure resumes a deletion that stopped half-way');
  });
});
