/**
 * One transient 404 (ARM's eventual consistency: a read served by a replica that has not seen the
 * resource yet) must not make qlik-azure create over what exists. Both of issue 12's scenarios, through the
 * built CLI against the simulator with its `notFound` fault: another team's resource group keeps its tags
 * and its VNet and destroy still refuses it; an administrator's own NSG rule survives an apply.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { awaitOperation, lroOptions } from '../../src/azure/arm-helpers.js';
import { connectionFlags, createWorkspace, resourceBody, simulatorServices, type Workspace } from './support.js';

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

const wait = { azure: { connection: { pollIntervalMs: 5 } }, signal: new AbortController().signal, progress: () => undefined };
const OTHER_TEAM_TAGS = { team: 'platform', costCenter: '4711' };
/** A subscription another team already builds in has its resource providers registered. */
const ANOTHER_TEAMS_SUBSCRIPTION = { registeredProviders: 'all' } as const;

/** The group the config names, made by another team before qlik-azure runs, with a VNet of theirs in it. */
async function otherTeamsGroup(w: Workspace): Promise<void> {
  const services = simulatorServices(w.sim);
  await (await services.resources()).resourceGroups.createOrUpdate('rg-qlik-sim', { location: 'westeurope', tags: OTHER_TEAM_TAGS });
  const network = await services.network();
  await awaitOperation(wait, 'vnet', network.virtualNetworks.createOrUpdate('rg-qlik-sim', 'platform-vnet', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.50.0.0/16'] } }, lroOptions(wait)));
}

async function journal(w: Workspace): Promise<Record<string, { status: string; change?: string; outputs?: Record<string, unknown> }>> {
  return JSON.parse(await w.stateJson()).journal;
}

describe('a single 404 on a read is not taken as "does not exist"', () => {
  it("another team's resource group keeps its tags and VNet, and destroy still refuses it", async () => {
    const w = (ws = await createWorkspace(ANOTHER_TEAMS_SUBSCRIPTION));
    await otherTeamsGroup(w);
    // Every read of the group before step 1's apply (plan's) is answered; the next one gets the 404.
    const groupReads = w.sim.requestLog().filter((r) => r.method === 'GET' && /\/resourcegroups\/rg-qlik-sim$/i.test(r.path)).length;
    w.sim.injectFault({ kind: 'notFound', method: 'GET', path: '/resourcegroups/rg-qlik-sim$', nth: groupReads + 2 });

    const applied = await w.apply();
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(w.sim.requestLog().filter((r) => r.status === 404 && /\/resourcegroups\/rg-qlik-sim$/i.test(r.path))).toHaveLength(1);
    expect((await journal(w))['1']).toMatchObject({ change: 'unchanged', outputs: { createdByTool: false } });
    expect(resourceBody(w.sim, 'Microsoft.Resources/resourceGroups').tags).toEqual(OTHER_TEAM_TAGS);

    const destroyed = await w.cli(['destroy', ...connectionFlags(w), '--yes', '--confirm', 'qlik-sim']);
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(3);
    expect(w.sim.resources().some((r) => r.name === 'platform-vnet')).toBe(true);
  });

  it("an administrator's own NSG rule survives an apply whose NSG read got a 404", async () => {
    const w = (ws = await createWorkspace(ANOTHER_TEAMS_SUBSCRIPTION));
    expect((await w.apply()).code).toBe(0);
    const network = await simulatorServices(w.sim).network();
    const nsg = await network.networkSecurityGroups.get('rg-qlik-sim', 'qlik-sim-nsg');
    const adminRule = { name: 'admin-jit-ssh', protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '22', sourceAddressPrefix: '198.51.100.7', destinationAddressPrefix: '*', access: 'Allow', priority: 150, direction: 'Inbound' } as const;
    await awaitOperation(wait, 'nsg', network.networkSecurityGroups.createOrUpdate('rg-qlik-sim', 'qlik-sim-nsg', { ...nsg, securityRules: [...nsg.securityRules!, adminRule] }, lroOptions(wait)));
    // The plan's read of the NSG gets a 404, so the plan has something to do (with nothing to do, apply stops at
    // "No changes." and reads nothing more); step 5's own first read gets one too, and it must confirm before writing.
    w.sim.injectFault({ kind: 'notFound', method: 'GET', path: '/networkSecurityGroups/qlik-sim-nsg$', nth: 1, times: 2 });
    const before = w.sim.requestLog().length;

    const again = await w.apply();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(w.sim.requestLog().slice(before).filter((r) => r.status === 404 && /networkSecurityGroups\/qlik-sim-nsg$/.test(r.path))).toHaveLength(2);
    const rules = resourceBody(w.sim, 'Microsoft.Network/networkSecurityGroups').properties.securityRules as { name: string }[];
    expect(rules.map((r) => r.name)).toContain('admin-jit-ssh');
    expect((await journal(w))['5']).toMatchObject({ change: 'unchanged' });
  });
});

describe('ownership comes from what the create reports, not from a read', () => {
  it('a group every read missed but the create found (200 OK) loses the deployment tag, and destroy refuses it', async () => {
    const w = (ws = await createWorkspace(ANOTHER_TEAMS_SUBSCRIPTION));
    await otherTeamsGroup(w);
    w.sim.injectFault({ kind: 'notFound', method: 'GET', path: '/resourcegroups/rg-qlik-sim$', times: 10 });

    const stopped = await w.apply();
    expect(stopped.code).not.toBe(0);
    expect(stopped.stdout + stopped.stderr).toMatch(/rg-qlik-sim already existed.*qlik-azure resume/s);
    expect(resourceBody(w.sim, 'Microsoft.Resources/resourceGroups').tags?.['qlik-azure:deployment']).toBeUndefined();
    w.sim.clearFaults();

    const resumed = await w.apply('resume');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await journal(w))['1']).toMatchObject({ outputs: { createdByTool: false } });
    const destroyed = await w.cli(['destroy', ...connectionFlags(w), '--yes', '--confirm', 'qlik-sim']);
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(3);
    expect(w.sim.resources().some((r) => r.name === 'platform-vnet')).toBe(true);
  });

  it('a create whose first answer was lost is still ours: the retry\'s 200 OK answers our own first attempt', async () => {
    const w = (ws = await createWorkspace({ faults: [{ kind: 'responseLost', method: 'PUT', path: '/resourcegroups/rg-qlik-sim$' }] }));
    const applied = await w.apply();
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect((await journal(w))['1']).toMatchObject({ outputs: { createdByTool: true } });
    expect(w.sim.requestLog().filter((r) => r.method === 'PUT' && /\/resourcegroups\/rg-qlik-sim$/i.test(r.path))).toHaveLength(2);
  });
});
