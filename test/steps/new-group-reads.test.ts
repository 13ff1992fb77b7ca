/**
 * A resource inside a resource group this run created cannot predate the run: Azure answered 201 Created
 * for the group moments ago, so a 404 there is believed at once, without the two confirming re-reads (a
 * pause each) that a 404 gets elsewhere. Those pauses sat on the critical path of every create (steps 16,
 * 25, 29); a group that existed before keeps them (transient-not-found.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LoggedRequest, Simulator } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { inProcess, simulatorServices } from './support.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The GETs of one resource that came before its first PUT. */
function readsBeforeCreate(log: readonly LoggedRequest[], path: RegExp): number {
  const put = log.findIndex((r) => r.method === 'PUT' && path.test(r.path));
  expect(put, `a PUT of ${path}`).toBeGreaterThan(0);
  return log.slice(0, put).filter((r) => r.method === 'GET' && path.test(r.path)).length;
}

const CREATED_IN_GROUP = [/\/networkSecurityGroups\/qlik-sim-nsg$/, /\/virtualNetworks\/qlik-sim-vnet$/, /\/publicIPAddresses\/qlik-sim-ip$/, /\/networkInterfaces\/qlik-sim-nic$/, /\/virtualMachines\/qlik-sim-vm$/];
/** Step 23 reads the VM too (a VM that exists keeps its size), once, before step 29 creates it. */
const earlierReads = (path: RegExp) => (String(path).includes('virtualMachines') ? 1 : 0);

describe('reads before a create', () => {
  it('in a group this run created: one read of each resource, then its create', async () => {
    sim = await startSimulator({ registeredProviders: 'all' });
    const outcome = await inProcess(sim).run();
    expect(outcome.failed).toEqual([]);
    const log = sim.requestLog();
    // The group itself was not known to be new: its 404 is confirmed twice.
    expect(readsBeforeCreate(log, /\/resourcegroups\/rg-qlik-sim$/i)).toBe(3);
    for (const path of CREATED_IN_GROUP) expect(readsBeforeCreate(log, path), String(path)).toBe(earlierReads(path) + 1);
  });

  it('in a group that existed before the run: every 404 is confirmed by two re-reads', async () => {
    sim = await startSimulator({ registeredProviders: 'all' });
    await (await simulatorServices(sim).resources()).resourceGroups.createOrUpdate('rg-qlik-sim', { location: 'westeurope', tags: { team: 'platform' } });
    const outcome = await inProcess(sim).run();
    expect(outcome.failed).toEqual([]);
    for (const path of CREATED_IN_GROUP) expect(readsBeforeCreate(sim.requestLog(), path), String(path)).toBe(earlierReads(path) + 3);
  });
});
