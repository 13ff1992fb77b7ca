import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNNABLE_STEPS } from '../../src/engine/catalogue.js';
import { parseState } from '../../src/state/schema.js';
import { assertBuilt, ROOT } from '../support/cli.js';

const CHILD = join(ROOT, 'test/fixtures/engine-crash-child.mjs');

/** Runs the child; with `killAfterEvents`, SIGKILLs it as soon as it has reported that many engine events. */
function runChild(stateDir: string, mode: 'apply' | 'resume', killAfterEvents?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, stateDir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killAfterEvents !== undefined && stdout.split('\n').filter((line) => line.startsWith('step-')).length >= killAfterEvents) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout }));
  });
}

/** Two events per step (started, finished): kill points spread over the whole run, whatever the machine's load. */
const EVENTS_OF_A_RUN = RUNNABLE_STEPS.length * 2;
const KILL_POINTS = 24;

describe('crash safety (the process really killed with SIGKILL)', () => {
  it(`leaves a state file that always parses, and a resume that runs what was not done, at ${KILL_POINTS} different kill points`, async () => {
    assertBuilt();
    for (let point = 0; point < KILL_POINTS; point++) {
      const stateDir = await mkdtemp(join(tmpdir(), 'qa-crash-'));
      // An event is reported only after its journal write, so every kill lands after the first state write.
      const killAfter = 1 + Math.floor((point * (EVENTS_OF_A_RUN - 2)) / KILL_POINTS);
      const first = await runChild(stateDir, 'apply', killAfter);
      expect(first.signal, `the run finished before its kill point (event ${killAfter})`).toBe('SIGKILL');
      const statePath = join(stateDir, 'crash', 'state.json');
      const killedState = parseState(await readFile(statePath, 'utf8'), statePath); // throws if missing or half-written
      expect(killedState.deployment).toBe('crash');

      const resumed = await runChild(stateDir, 'resume');
      expect(resumed.code, `resume after a kill at event ${killAfter}`).toBe(0);
      const state = parseState(await readFile(statePath, 'utf8'), statePath);
      for (const entry of RUNNABLE_STEPS) {
        // The outputs prove the step really ran: a step journaled done before it ran would have none.
        expect(state.journal[String(entry.number)], `step ${entry.number}`).toMatchObject({ status: 'done', outputs: { id: `/fake/${entry.number}` } });
      }
      expect(existsSync(join(stateDir, 'crash', 'state.lock'))).toBe(false);
    }
  }, 120_000);
});
