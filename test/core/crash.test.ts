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

function runChild(stateDir: string, mode: 'apply' | 'resume', killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, stateDir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout }));
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
}

describe('crash safety (the process really killed with SIGKILL)', () => {
  it('leaves a state file that always parses, and a resume that finishes, at 24 different kill points', async () => {
    assertBuilt();
    const killed: number[] = [];
    for (let point = 0; point < 24; point++) {
      const stateDir = await mkdtemp(join(tmpdir(), 'qa-crash-'));
      const killAt = 40 + point * 12; // node start-up is ~40-60 ms; the run itself lasts ~150-250 ms
      const first = await runChild(stateDir, 'apply', killAt);
      const statePath = join(stateDir, 'crash', 'state.json');
      // Only a kill after the first write can catch a write half done; count those.
      if (first.signal === 'SIGKILL' && existsSync(statePath)) killed.push(killAt);
      if (existsSync(statePath)) {
        const state = parseState(await readFile(statePath, 'utf8'), statePath); // throws if half-written
        expect(state.deployment).toBe('crash');
      }
      const resumed = await runChild(stateDir, 'resume');
      expect(resumed.code, `resume after a kill at ${killAt} ms`).toBe(0);
      const state = parseState(await readFile(statePath, 'utf8'), statePath);
      for (const entry of RUNNABLE_STEPS) expect(state.journal[String(entry.number)]?.status, `step ${entry.number}`).toBe('done');
      expect(existsSync(join(stateDir, 'crash', 'state.lock'))).toBe(false);
    }
    // Most kill points must have interrupted a run that was writing its state, or the test proves nothing.
    expect(killed.length).toBeGreaterThanOrEqual(12);
  }, 120_000);
});
