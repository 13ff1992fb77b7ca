/**
 * A Run Command whose script succeeded but whose DELETE keeps failing still holds the protected parameters
 * on the VM, and its result would be adopted by the next run as if new. The step says so and stops; resume
 * adopts the result once (the step was not recorded, so its plan says create) and removes the run command;
 * the apply after that reports what the script really did this time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueEntry, type RunnableEntry } from '../../src/engine/catalogue.js';
import { loadStepRegistry } from '../../src/steps/index.js';
import { startVmWorld, stepsUpTo, type VmWorld } from './support.js';

const ACCOUNTS_STEP = [catalogueEntry(38) as RunnableEntry];
const RUN_COMMAND = '/runCommands/qlik-azure-step-38$';

describe('a Run Command that cannot be removed', () => {
  let world: VmWorld;
  const plan = async () => (await loadStepRegistry()).get(38)!.plan(world.context(38));
  beforeAll(async () => {
    world = await startVmWorld();
    expect((await world.run(stepsUpTo(35))).failed).toEqual([]);
  });
  afterAll(() => world?.close());

  it('stops the step, and the next runs report honestly', async () => {
    // Four 429s outlast the SDK's three retries of the DELETE.
    world.sim.injectFault({ kind: 'throttle', method: 'DELETE', path: RUN_COMMAND, times: 4 });
    const first = await world.run(ACCOUNTS_STEP);
    expect(first.failed).toEqual([{ step: 38, error: expect.objectContaining({ code: 'RunCommandNotRemoved', advice: expect.stringContaining('qlik-azure resume') }) }]);
    expect(world.entry(38)?.status).toBe('failed');
    expect(world.sim.resources().some((r) => r.name === 'qlik-azure-step-38')).toBe(true);

    expect((await plan()).change).toBe('create');
    const resumed = await world.run(ACCOUNTS_STEP);
    expect(resumed.failed).toEqual([]);
    expect(world.entry(38)).toMatchObject({ status: 'done', change: 'create' });
    expect(world.sim.resources().some((r) => r.name === 'qlik-azure-step-38')).toBe(false);

    expect((await plan()).change).toBe('unchanged');
    await world.run(ACCOUNTS_STEP);
    expect(world.entry(38)).toMatchObject({ status: 'done', change: 'unchanged' });
  });
});
