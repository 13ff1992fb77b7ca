/**
 * The plan in this process (engine/planner.ts): the real Azure steps read the simulator over HTTPS and say
 * create, unchanged or "cannot tell", and the summary counts what `plan --detailed-exitcode` decides on.
 * (test/core/cli.test.ts checks the printed plan through the built CLI.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeError } from '../../src/azure/errors.js';
import { CATALOGUE } from '../../src/engine/catalogue.js';
import { buildPlan, summarisePlan, type PlanLine } from '../../src/engine/planner.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { StepRegistry } from '../../src/engine/step.js';
import { fakeContext } from '../support/fake-steps.js';
import { AZURE_ENTRIES, AZURE_REGISTRY, inProcess, simulatorServices } from './support.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const line = (lines: readonly PlanLine[], number: number) => lines.find((l) => l.number === number)!;

describe('plan', () => {
  it('offline: every selected action is a create, every check a check, the rest says why it is left out', async () => {
    const selected = AZURE_ENTRIES.filter((entry) => entry.number !== 13);
    const lines = await buildPlan({ selected, adopted: new Set([16]) });
    expect(lines.map((l) => l.number)).toEqual(CATALOGUE.map((entry) => entry.number));
    expect(line(lines, 1)).toEqual({ number: 1, title: 'Resource group', symbol: '+', change: 'create', summary: expect.stringContaining('Creates the resource group') });
    expect(line(lines, 12)).toMatchObject({ symbol: '·', change: 'check' });
    expect(line(lines, 2)).toMatchObject({ symbol: '·', change: 'folded', summary: 'folded into step 1' });
    expect(line(lines, 13)).toMatchObject({ symbol: '·', change: 'not-selected', summary: 'not in this run' });
    expect(line(lines, 16)).toMatchObject({ symbol: '·', change: 'not-selected', summary: 'adopted with --existing-vm: left as recorded' });
    const infoEntry = CATALOGUE.find((entry) => entry.kind === 'info')!;
    expect(line(lines, infoEntry.number)).toMatchObject({ symbol: '·', change: 'info', summary: infoEntry.tool });
    expect(line(lines, 40)).toMatchObject({ change: 'not-selected' });
    const summary = summarisePlan(lines);
    expect(summary.other).toBe(lines.filter((l) => ['folded', 'info', 'not-selected'].includes(l.change)).length);
    expect(summary.other).toBe(CATALOGUE.length - summary.create - summary.checks);
  });

  it('against Azure: all new before an apply, all unchanged after it, so --detailed-exitcode sees no change', async () => {
    sim = await startSimulator();
    const world = inProcess(sim);
    const plan = () => buildPlan({ selected: AZURE_ENTRIES, registry: AZURE_REGISTRY, contextFor: (entry) => world.context(entry.number), describeError: (error) => describeError(error).message });

    const before = await plan();
    expect(line(before, 1)).toMatchObject({ symbol: '+', change: 'create' });
    const first = summarisePlan(before);
    expect(first.hasChanges).toBe(true);
    expect(first.create).toBe(before.filter((l) => l.symbol === '+').length);
    expect(first.create).toBeGreaterThan(5);

    expect((await world.run()).failed).toEqual([]);
    const after = await plan();
    const actions = AZURE_ENTRIES.filter((entry) => entry.kind === 'action').map((entry) => line(after, entry.number));
    expect(actions.filter((l) => l.change !== 'unchanged')).toEqual([]);
    expect(actions.every((l) => l.symbol === '=')).toBe(true);
    const second = summarisePlan(after);
    expect(second).toMatchObject({ create: 0, update: 0, unknown: 0, hasChanges: false });
    expect(second.unchanged).toBe(actions.length);
    expect(second.checks).toBe(after.filter((l) => l.change === 'check').length);
    expect(second.checks).toBeGreaterThan(0);
    expect(second.other).toBe(CATALOGUE.length - second.unchanged - second.checks);
  });

  it("says 'cannot tell' with Azure's reason when a step cannot read, and counts it as a change", async () => {
    sim = await startSimulator();
    const world = inProcess(sim);
    sim.injectFault({ kind: 'serverError', status: 500, method: 'GET', path: '/resourceGroups/rg-qlik-sim$', times: 1000, code: 'InternalServerError', message: 'the disk is on fire' });
    const lines = await buildPlan({ selected: AZURE_ENTRIES.filter((e) => e.number === 1), registry: AZURE_REGISTRY, contextFor: (entry) => world.context(entry.number), describeError: (error) => `described: ${describeError(error).message}` });
    expect(line(lines, 1)).toMatchObject({ symbol: '!', change: 'unknown', summary: expect.stringMatching(/^cannot tell: described: .*the disk is on fire/) });
    const summary = summarisePlan(lines);
    expect(summary).toMatchObject({ create: 0, update: 0, unknown: 1, hasChanges: true });
  });

  it("shows an update with what differs when someone changed the group's tags, and says 'cannot tell' without a describer", async () => {
    sim = await startSimulator();
    const world = inProcess(sim);
    expect((await world.run(AZURE_ENTRIES.filter((e) => e.number === 1 || e.number === 23))).failed).toEqual([]);
    const groups = (await simulatorServices(sim).resources()).resourceGroups;
    const group = await groups.get('rg-qlik-sim');
    await groups.createOrUpdate('rg-qlik-sim', { location: group.location, tags: { ...group.tags, owner: 'someone-else' } });
    const selected = AZURE_ENTRIES.filter((e) => e.number === 1);
    const [updated] = (await buildPlan({ selected, registry: AZURE_REGISTRY, contextFor: (entry) => world.context(entry.number) })).filter((l) => l.number === 1);
    expect(updated).toMatchObject({ symbol: '~', change: 'update', differences: ['tag owner: "someone-else" → "bi-team"'] });
    expect(summarisePlan([updated!])).toMatchObject({ update: 1, hasChanges: true });

    sim.injectFault({ kind: 'serverError', status: 500, method: 'GET', path: '/resourceGroups/rg-qlik-sim$', times: 1000, message: 'the disk is on fire' });
    const [unknown] = (await buildPlan({ selected, registry: AZURE_REGISTRY, contextFor: (entry) => world.context(entry.number) })).filter((l) => l.number === 1);
    expect(unknown).toMatchObject({ symbol: '!', change: 'unknown', summary: expect.stringMatching(/^cannot tell: .*the disk is on fire/) });
  });

  it("shows the step's own summary of its plan, or the catalogue's line when it has none", async () => {
    const registry: StepRegistry = new Map([
      [1, { plan: async () => ({ change: 'create' as const, summary: 'resource group rg-x in westeurope' }), apply: async () => ({ change: 'create' as const, outputs: {} }) }],
      [23, { plan: async () => ({ change: 'check' as const }), apply: async () => ({ change: 'check' as const, outputs: {} }) }],
    ]);
    const lines = await buildPlan({ selected: AZURE_ENTRIES.filter((e) => e.number === 1 || e.number === 23), registry, contextFor: fakeContext });
    expect(line(lines, 1).summary).toBe('resource group rg-x in westeurope');
    expect(line(lines, 23).summary).toBe(CATALOGUE[22]!.tool);
  });

  it('counts an update as a change', () => {
    const summary = summarisePlan([{ number: 5, title: 'NSG', symbol: '~', change: 'update' }, { number: 2, title: 'x', symbol: '·', change: 'skip' }]);
    expect(summary).toEqual({ create: 0, update: 1, unchanged: 0, checks: 0, unknown: 0, other: 1, hasChanges: true });
  });
});
