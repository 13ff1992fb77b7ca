/**
 * The fault stream of a --simulate run: its seed can be set (QLIK_AZURE_SIM_SEED), and it is saved with the
 * world, so the process that resumes meets the faults that come next instead of the same ones again.
 */
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { simulationSettings } from '../../src/cli/simulated-azure.js';
import { startSimulator, type FaultRule, type SimulatorSnapshot } from '../../src/simulator/index.js';

const FLAKY: FaultRule[] = [{ kind: 'serverError', status: 500, probability: 0.5 }];

function status(url: string, agent: https.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(`${url}/subscriptions?api-version=2022-12-01`, { agent, headers: { authorization: 'Bearer fake' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** `count` statuses from a simulator started with `seed` (and a restored world); returns them and its snapshot. */
async function statuses(seed: number, count: number, restore?: SimulatorSnapshot): Promise<{ seen: number[]; snapshot: SimulatorSnapshot }> {
  const sim = await startSimulator({ seed, faults: FLAKY, ...(restore ? { restore: JSON.parse(JSON.stringify(restore)) as SimulatorSnapshot } : {}) });
  const agent = sim.httpsAgent();
  const seen: number[] = [];
  for (let i = 0; i < count; i += 1) seen.push(await status(sim.url, agent));
  const snapshot = sim.snapshot();
  await sim.close();
  return { seen, snapshot };
}

describe('the fault seed of a simulated world', () => {
  it('a restored simulator continues the fault sequence instead of replaying it', async () => {
    const whole = await statuses(7, 24);
    const firstHalf = await statuses(7, 12);
    const secondHalf = await statuses(7, 12, firstHalf.snapshot);
    expect([...firstHalf.seen, ...secondHalf.seen]).toEqual(whole.seen);
    expect(secondHalf.seen).not.toEqual(firstHalf.seen);
  });

  it('another seed on resume starts that seed\'s sequence', async () => {
    const first = await statuses(7, 12);
    const other = await statuses(8, 12);
    expect((await statuses(8, 12, first.snapshot)).seen).toEqual(other.seen);
  });

  it('QLIK_AZURE_SIM_SEED sets the seed; unset it is 1', () => {
    expect(simulationSettings({ QLIK_AZURE_SIM_SEED: '42' }).seed).toBe(42);
    expect(simulationSettings({}).seed).toBe(1);
    expect(simulationSettings({ QLIK_AZURE_SIM_FAULTS: '[{"kind":"notFound","method":"GET","times":2}]' }).faults).toEqual([{ kind: 'notFound', method: 'GET', times: 2 }]);
  });
});
