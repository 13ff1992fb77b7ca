import https from 'node:https';
import { it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
it('debug', async () => {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const sim = await startSimulator({ seed: 7, faults: [{ kind: 'serverError', status: 500, probability: 0.5 }] });
    const agent = sim.httpsAgent();
    const seen: number[] = [];
    for (let i = 0; i < 24; i++) seen.push(await new Promise<number>((resolve, reject) => { https.get(`${sim.url}/subscriptions?api-version=2022-12-01`, { agent, headers: { authorization: 'Bearer fake' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject); }));
    out.push(`${seen.join(',')} log=${sim.requestLog().length}`);
    await sim.close();
  }
  throw new Error(out.join('\n'));
});
