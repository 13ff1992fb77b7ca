/**
 * The engine's walk (engine/runner.ts) with scripted steps on a real state store: what a stopped run reports,
 * how long each step says it took, a step missing from the build, and a journal that cannot be written.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNNABLE_STEPS } from '../../src/engine/catalogue.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { Journal } from '../../src/engine/journal.js';
import { JournalWriteFailure, runSteps } from '../../src/engine/runner.js';
import type { StepRegistry } from '../../src/engine/step.js';
import { StateStore } from '../../src/state/store.js';
import { fakeContext, fakeRegistry } from '../support/fake-steps.js';

const openStore = async () => StateStore.open({ stateDir: await mkdtemp(join(tmpdir(), 'qa-runner-')), deployment: 'test', command: 'test', toolVersion: '0.0.0' });
const only = (...numbers: number[]) => RUNNABLE_STEPS.filter((entry) => numbers.includes(entry.number));

function walk(journal: Journal, registry: StepRegistry, steps = only(1, 23), stop = new AbortController()) {
  const events: EngineEvent[] = [];
  const outcome = runSteps({
    steps, registry, journal, contextFor: fakeContext, concurrency: 4, stopScheduling: stop.signal,
    describeError: (error) => ({ message: (error as Error).message }), events: (event) => events.push(event),
  });
  return { outcome, events };
}

describe('engine walk', () => {
  it('a stop after the last step started is not an interruption: nothing was left out', async () => {
    const store = await openStore();
    const stop = new AbortController();
    const { registry } = fakeRegistry();
    const last = registry.get(1)!;
    const stopping: StepRegistry = new Map([...registry, [1, { ...last, apply: async (ctx) => { stop.abort(); return last.apply(ctx); } }]]);
    const { outcome } = walk(store, stopping, only(1, 23), stop);
    expect(await outcome).toEqual({ finished: [23, 1], failed: [], blocked: [], notStarted: [], interrupted: false });
  });

  it('a run nobody stopped is not interrupted', async () => {
    const { registry } = fakeRegistry();
    expect((await walk(await openStore(), registry).outcome).interrupted).toBe(false);
  });

  it('reports each step’s duration within the time the run took', async () => {
    const { registry } = fakeRegistry({ 23: { failTimes: 1 } });
    const started = Date.now();
    const { outcome, events } = walk(await openStore(), registry, only(23, 26));
    await outcome;
    const wall = Date.now() - started;
    const timed = events.filter((e): e is Extract<EngineEvent, { durationMs: number }> => 'durationMs' in e);
    expect(timed.map((e) => e.type).sort()).toEqual(['step-failed', 'step-finished']);
    for (const event of timed) {
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      expect(event.durationMs).toBeLessThanOrEqual(wall);
    }
  });

  it('fails a step this build has no implementation for, by name, and blocks what needs it', async () => {
    const { registry } = fakeRegistry();
    const partial: StepRegistry = new Map([...registry].filter(([step]) => step !== 23));
    const store = await openStore();
    const outcome = await walk(store, partial).outcome;
    expect(outcome.failed).toEqual([{ step: 23, error: { message: 'step 23 (VM size available) has no implementation in this build' } }]);
    expect(outcome.blocked).toEqual([1]);
    expect(store.entry(23)).toMatchObject({ status: 'failed' });
  });

  it('raises a journal write failure with the cause and how far the run got', async () => {
    const { registry } = fakeRegistry();
    const store = await openStore();
    const full = new Error('ENOSPC: the disk is full');
    const journal: Journal = {
      entry: (step) => store.entry(step),
      markPending: (steps) => store.markPending(steps),
      markRunning: (step) => store.markRunning(step),
      markDone: async (step, result) => (step === 1 ? Promise.reject(full) : store.markDone(step, result)),
      markFailed: (step, error) => store.markFailed(step, error),
    };
    const failure = await walk(journal, registry).outcome.then(() => undefined, (e: unknown) => e as JournalWriteFailure);
    expect(failure).toBeInstanceOf(JournalWriteFailure);
    expect(failure!.name).toBe('JournalWriteFailure');
    expect(failure!.message).toBe('ENOSPC: the disk is full');
    expect(failure!.cause).toBe(full);
    expect(failure!.outcome.finished).toEqual([23]);
  });
});
