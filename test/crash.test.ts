/**
 * Crash consistency of steps 1-33: the real CLI is SIGKILLed at 24 points of a simulated apply (after the
 * Nth ARM request the simulator has seen, and at increasing delays). The simulator lives in this process,
 * so Azure's side carries on as it would. After every kill the state file parses, and `resume` ends with
 * exactly the resources of a clean run: same names, same properties, nothing twice.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../src/simulator/index.js';
import { assertBuilt, CLI } from './support/cli.js';
import { connectionFlags, createWorkspace, type Workspace } from './steps/support.js';

/** VM create ≈ 2 s, VNet ≈ 0.4 s: a run of a few seconds with some hundred requests to land between. */
const LATENCY_SCALE = 0.02;
const POLL_INTERVAL_MS = '40';
const BY_REQUEST_COUNT = 16;
const BY_DELAY = 8;
/**
 * Kill points stay inside the first part of a clean run: under load the CLI polls less often, so a run can
 * make fewer requests (and take a different time) than the reference did.
 */
const SPAN = { request: 0.75, delay: 0.85 };

/** Properties that differ between any two runs (random ids, times, the simulator's port). */
const VOLATILE = new Set(['etag', 'resourceGuid', 'vmId', 'timeCreated', 'creationTime', 'keyCreationTime', 'macAddress']);

function stable(value: unknown, simUrl: string): unknown {
  if (Array.isArray(value)) return value.map((item) => stable(item, simUrl));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => !VOLATILE.has(key)).map(([key, item]) => [key, stable(item, simUrl)]));
  }
  return typeof value === 'string' ? value.replace(simUrl, '<simulator>') : value;
}

/** Every resource of the simulator, sorted, without what legitimately differs between runs. */
function snapshot(sim: Simulator): unknown[] {
  return sim.resources().map((r) => ({ id: r.id, body: stable(r.body, sim.url) })).sort((a, b) => a.id.localeCompare(b.id));
}

interface KillResult {
  readonly killed: boolean;
  readonly requestsSeen: number;
}

/**
 * Requests whose number does not depend on timing: status polls and VM agent checks repeat as often as
 * the clock allows, so counting them would let a busy machine finish a run before its kill point.
 */
function countedRequests(sim: Workspace['sim']): number {
  return sim.requestLog().filter((entry) => !/\/(operations|asyncoperations|operationresults)\/|instanceview/i.test(entry.path)).length;
}

/** Runs `apply` and SIGKILLs it once `due` says so (polled every millisecond), or lets it finish. */
function applyAndKill(ws: Workspace, due: (requests: number, elapsedMs: number) => boolean): Promise<KillResult> {
  const child = spawn(process.execPath, [CLI, 'apply', '--to-step', '33', '--yes', ...connectionFlags(ws)], {
    cwd: ws.dir,
    env: { ...process.env, ...ws.env, NO_COLOR: '1', QLIK_AZURE_POLL_INTERVAL_MS: POLL_INTERVAL_MS },
    stdio: 'ignore',
  });
  const started = Date.now();
  let killed = false;
  const watch = setInterval(() => {
    if (killed) return;
    const requests = countedRequests(ws.sim);
    if (due(requests, Date.now() - started)) {
      killed = child.kill('SIGKILL');
    }
  }, 1);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => {
      clearInterval(watch);
      resolve({ killed, requestsSeen: countedRequests(ws.sim) });
    });
  });
}

/** The state file parses whole; a kill before the first write may leave none, but after a resume there must be one. */
async function stateParses(ws: Workspace, { mayBeMissing }: { mayBeMissing: boolean }): Promise<void> {
  const file = join(ws.stateDir, 'qlik-sim', 'state.json');
  if (mayBeMissing && !existsSync(file)) return;
  const state = JSON.parse(await readFile(file, 'utf8')) as { journal: Record<string, { status: string }> };
  expect(state.journal).toBeTypeOf('object');
  // After a resume, all ten steps of 1-33 are done.
  if (!mayBeMissing) expect(Object.values(state.journal).map((entry) => entry.status)).toEqual(Array(10).fill('done'));
}

describe('SIGKILL at any point of apply, then resume', () => {
  let reference: unknown[] = [];
  let totalRequests = 0;
  let durationMs = 0;

  beforeAll(async () => {
    assertBuilt();
    const ws = await createWorkspace({ latencyScale: LATENCY_SCALE });
    try {
      const started = Date.now();
      const run = await applyAndKill(ws, () => false);
      durationMs = Date.now() - started;
      expect(run.killed).toBe(false);
      reference = snapshot(ws.sim);
      totalRequests = countedRequests(ws.sim);
      expect(reference).toHaveLength(8); // 7 written, and the OS disk Azure makes with the VM
    } finally {
      await ws.close();
    }
  }, 60_000);

  const points = [
    ...Array.from({ length: BY_REQUEST_COUNT }, (_, i) => ({ kind: 'request' as const, fraction: Number(((SPAN.request * (i + 0.5)) / BY_REQUEST_COUNT).toFixed(3)) })),
    ...Array.from({ length: BY_DELAY }, (_, i) => ({ kind: 'delay' as const, fraction: Number(((SPAN.delay * (i + 0.5)) / BY_DELAY).toFixed(3)) })),
  ];

  it.concurrent.each(points.map((point, index) => ({ ...point, index })))('kill #$index ($kind, at $fraction of a clean run)', async ({ kind, fraction }) => {
    const ws = await createWorkspace({ latencyScale: LATENCY_SCALE });
    try {
      const target = kind === 'request' ? Math.max(1, Math.round(fraction * totalRequests)) : Math.round(fraction * durationMs);
      const run = await applyAndKill(ws, (requests, elapsed) => (kind === 'request' ? requests >= target : elapsed >= target));
      expect(run.killed, `the run finished before its kill point (${kind} ${target})`).toBe(true);
      await stateParses(ws, { mayBeMissing: true });

      const resumed = await ws.apply('resume');
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      await stateParses(ws, { mayBeMissing: false });
      expect(snapshot(ws.sim)).toEqual(reference);
    } finally {
      await ws.close();
    }
  }, 120_000);
});
