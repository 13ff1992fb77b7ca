import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNNABLE_STEPS, type RunnableEntry } from '../../src/engine/catalogue.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { Journal } from '../../src/engine/journal.js';
import { runSteps } from '../../src/engine/runner.js';
import { selectSteps, SelectionError } from '../../src/engine/selection.js';
import type { StepRegistry } from '../../src/engine/step.js';
import { StateStore } from '../../src/state/store.js';
import { fakeContext, fakeRegistry } from '../support/fake-steps.js';

async function openStore() {
  const stateDir = await mkdtemp(join(tmpdir(), 'qa-engine-'));
  return StateStore.open({ stateDir, deployment: 'test', command: 'test', toolVersion: '0.0.0' });
}

async function run(store: StateStore, steps: readonly RunnableEntry[], registry: StepRegistry, options: { concurrency?: number; stop?: AbortController; onEvent?: (event: EngineEvent) => void } = {}) {
  const events: EngineEvent[] = [];
  const outcome = await runSteps({
    steps, registry, journal: store, contextFor: fakeContext, concurrency: options.concurrency ?? 6,
    stopScheduling: (options.stop ?? new AbortController()).signal,
    describeError: (error) => ({ message: (error as Error).message }),
    events: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  return { outcome, events };
}

/** Steps that need only the resource group: NSG, storage, VNet, public IP. */
const INDEPENDENT = [5, 13, 16, 26];

/**
 * The given steps wait in apply until `count` of them have started: an engine that runs fewer at once never
 * finishes. (Waiting for time instead fails whenever a loaded machine delays a start by more than the wait.)
 */
function meetAt(scripted: StepRegistry, steps: readonly number[], count: number) {
  const started = new Set<number>();
  let release!: () => void;
  const met = new Promise<void>((resolve) => (release = resolve));
  const registry: StepRegistry = new Map([...scripted].map(([step, implementation]) => [step, !steps.includes(step) ? implementation : {
    ...implementation,
    apply: async (ctx) => {
      started.add(step);
      if (started.size === count) release();
      await met;
      return implementation.apply(ctx);
    },
  }]));
  return { registry, started };
}

describe('engine', () => {
  it('runs every step after all of its dependencies have finished', async () => {
    const store = await openStore();
    const { registry, recording } = fakeRegistry();
    const { outcome } = await run(store, RUNNABLE_STEPS, registry);
    expect(outcome.failed).toEqual([]);
    expect(outcome.finished).toHaveLength(RUNNABLE_STEPS.length);
    for (const entry of RUNNABLE_STEPS) {
      const own = recording.intervals.get(entry.number)!;
      for (const dependency of entry.dependsOn) {
        expect(recording.intervals.get(dependency)!.end, `${dependency} before ${entry.number}`).toBeLessThanOrEqual(own.start);
      }
    }
    expect(RUNNABLE_STEPS.every((e) => store.entry(e.number)?.status === 'done')).toBe(true);
  });

  it('runs independent steps in parallel: NSG, storage, VNet and public IP overlap after the resource group', async () => {
    const store = await openStore();
    const { registry, recording } = fakeRegistry();
    const meeting = meetAt(registry, INDEPENDENT, INDEPENDENT.length);
    const { outcome } = await run(store, RUNNABLE_STEPS, meeting.registry);
    expect(outcome.failed).toEqual([]);
    expect([...meeting.started].sort((a, b) => a - b)).toEqual(INDEPENDENT);
    expect(recording.maxConcurrent).toBeGreaterThanOrEqual(4);
  });

  it('never runs more steps at once than the concurrency bound', async () => {
    const store = await openStore();
    const { registry, recording } = fakeRegistry({}, 10);
    const { outcome } = await run(store, RUNNABLE_STEPS, meetAt(registry, INDEPENDENT, 2).registry, { concurrency: 2 });
    expect(outcome.failed).toEqual([]);
    expect(recording.maxConcurrent).toBe(2);
  });

  it('blocks the dependents of a failed step, finishes independent ones, and resume completes the rest', async () => {
    const store = await openStore();
    const { registry, recording } = fakeRegistry({ 13: { failTimes: 1 } });
    const first = await run(store, RUNNABLE_STEPS, registry);
    expect(first.outcome.failed.map((f) => f.step)).toEqual([13]);
    expect(first.outcome.blocked).toEqual(expect.arrayContaining([29, 40, 34, 47]));
    expect(first.outcome.finished).toEqual(expect.arrayContaining([1, 5, 12, 16, 26, 25]));
    expect(store.entry(13)).toMatchObject({ status: 'failed', error: { message: 'scripted failure of step 13' } });
    expect(store.entry(29)?.status).toBe('pending');

    recording.order.length = 0;
    const unfinished = selectSteps({ kind: 'unfinished' }, store);
    expect(unfinished.map((e) => e.number)).not.toContain(1);
    const second = await run(store, unfinished, registry);
    expect(second.outcome.failed).toEqual([]);
    expect(recording.order).not.toContain(1);
    expect(recording.order[0]).toBe(13);
    expect(store.entry(13)).toMatchObject({ status: 'done', attempt: 2 });
    expect(RUNNABLE_STEPS.every((e) => store.entry(e.number)?.status === 'done')).toBe(true);
  });

  it('stops scheduling on the first interrupt, records what was in flight, and says what never started', async () => {
    const store = await openStore();
    const { registry } = fakeRegistry({ 23: { delayMs: 50 } });
    const stop = new AbortController();
    // Step 23 is the only step without dependencies: interrupted while it runs, nothing else has started.
    const { outcome } = await run(store, RUNNABLE_STEPS, registry, { stop, onEvent: (event) => event.type === 'step-started' && event.step === 23 && stop.abort() });
    expect(outcome.interrupted).toBe(true);
    expect(outcome.finished).toEqual([23]);
    expect(outcome.notStarted).toContain(1);
    expect(store.entry(23)?.status).toBe('done');
    expect(store.entry(1)?.status).toBe('pending');
  });

  it('emits started before finished for every step, with the progress it reports in between', async () => {
    const store = await openStore();
    const { registry } = fakeRegistry();
    const events: EngineEvent[] = [];
    // Progress goes straight from the step's context to the reporter, as `apply` wires it.
    const contextFor = (entry: RunnableEntry) => ({ ...fakeContext(entry), progress: (message: string) => events.push({ type: 'step-progress', step: entry.number, message }) });
    await runSteps({
      steps: RUNNABLE_STEPS, registry, journal: store, contextFor, concurrency: 6,
      stopScheduling: new AbortController().signal, describeError: (error) => ({ message: (error as Error).message }), events: (event) => events.push(event),
    });
    for (const entry of RUNNABLE_STEPS) {
      const types = events.filter((e) => 'step' in e && e.step === entry.number).map((e) => e.type);
      expect(types, `step ${entry.number}`).toEqual(['step-started', 'step-progress', 'step-finished']);
    }
  });

  it('journals a step running while it runs and done only once it succeeded: a failing step is never done, on disk, at any point', async () => {
    const store = await openStore();
    const { registry: scripted } = fakeRegistry({ 13: { failTimes: 1 } });
    const onDisk = (step: number): string | undefined => JSON.parse(readFileSync(store.paths.state, 'utf8')).journal[step]?.status;
    const seen: string[] = [];
    // Each step reads the state file as it starts its work; each event reads it as the engine reports.
    const registry: StepRegistry = new Map([...scripted].map(([step, implementation]) => [step, {
      ...implementation,
      apply: (ctx) => {
        seen.push(`applying ${step}: ${onDisk(step)}`);
        return implementation.apply(ctx);
      },
    }]));
    const steps = selectSteps({ kind: 'all' }, store, { toStep: 33 });
    const { outcome } = await run(store, steps, registry, { onEvent: (event) => 'step' in event && seen.push(`${event.type} ${event.step}: ${onDisk(event.step)}`) });
    expect(outcome.failed.map((f) => f.step)).toEqual([13]);
    expect(seen).toContain('step-failed 13: failed');
    for (const entry of steps) {
      const own = seen.filter((line) => line.split(':')[0]!.endsWith(` ${entry.number}`));
      const expected = entry.number === 13 ? ['applying 13: running', 'step-started 13: running', 'step-failed 13: failed']
        : outcome.finished.includes(entry.number) ? [`applying ${entry.number}: running`, `step-started ${entry.number}: running`, `step-finished ${entry.number}: done`]
          : [`step-blocked ${entry.number}: pending`];
      expect(new Set(own), `step ${entry.number}`).toEqual(new Set(expected));
    }
  });

  it('writes a journal that a human can read: pending, running, done with timestamps and outputs, whole at every step boundary', async () => {
    const store = await openStore();
    const { registry } = fakeRegistry();
    const serials: number[] = [];
    // Read at every event: each read must parse as a whole journal, and each write is a new serial.
    await run(store, selectSteps({ kind: 'all' }, store, { toStep: 1 }), registry, { onEvent: () => serials.push(JSON.parse(readFileSync(store.paths.state, 'utf8')).serial) });
    expect(serials.length).toBeGreaterThan(1);
    expect(serials).toEqual([...serials].sort((a, b) => a - b));
    const state = JSON.parse(await readFile(store.paths.state, 'utf8'));
    expect(state).toMatchObject({ schemaVersion: 1, deployment: 'test', journal: { 1: { status: 'done', outputs: { id: '/fake/1' } }, 23: { status: 'done' } } });
    for (const entry of Object.values(state.journal) as { startedAt: string; finishedAt: string }[]) {
      expect(Date.parse(entry.finishedAt)).toBeGreaterThanOrEqual(Date.parse(entry.startedAt));
    }
    expect(state.serial).toBeGreaterThan(3);
    expect((await readdir(dirname(store.paths.state))).filter((name) => name.includes('.tmp-'))).toEqual([]);
    await store.close();
  });
});

describe('a journal that cannot be written', () => {
  it('starts nothing new, lets the steps in flight finish, then raises the write error', async () => {
    const store = await openStore();
    const { registry, recording } = fakeRegistry({ 5: { delayMs: 5 }, 13: { delayMs: 80 } });
    const journal: Journal = {
      entry: (step) => store.entry(step),
      markPending: (steps) => store.markPending(steps),
      markRunning: (step) => store.markRunning(step),
      markFailed: (step, error) => store.markFailed(step, error),
      markDone: (step, result) => (step === 5 ? Promise.reject(new Error('disk full')) : store.markDone(step, result)),
    };
    await expect(runSteps({
      steps: RUNNABLE_STEPS, registry, journal, contextFor: fakeContext, concurrency: 6,
      stopScheduling: new AbortController().signal, describeError: (error) => ({ message: (error as Error).message }), events: () => undefined,
    })).rejects.toThrow('disk full');
    expect(recording.intervals.get(13)?.end).toBeDefined();
    expect(recording.order).not.toContain(25);
    expect(store.entry(5)?.status).toBe('running');
  });
});

describe('step selection', () => {
  const none = { entry: () => undefined };
  const allDone = { entry: () => ({ status: 'done' as const, startedAt: '', finishedAt: '', attempt: 1, change: 'create' as const, outputs: {} }) };

  it('--to-step 33 stops at the Azure half of the guide', () => {
    const numbers = selectSteps({ kind: 'all' }, none, { toStep: 33 }).map((e) => e.number);
    expect(Math.max(...numbers)).toBe(30);
    expect(numbers).toEqual([1, 5, 12, 13, 16, 23, 25, 26, 29, 30]);
  });

  it('--from-step 40 re-runs 40 onward when earlier steps are done', () => {
    expect(selectSteps({ kind: 'from', step: 40 }, allDone).map((e) => e.number)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48]);
  });

  it('--from-step 40 on a fresh deployment brings in the unfinished prerequisites', () => {
    const numbers = selectSteps({ kind: 'from', step: 40 }, none).map((e) => e.number);
    expect(numbers).toEqual(expect.arrayContaining([1, 13, 23, 29, 34, 38, 40]));
  });

  it('a folded step number resolves to the step that carries it out', () => {
    expect(selectSteps({ kind: 'from', step: 11 }, allDone)[0]!.number).toBe(5);
    expect(selectSteps({ kind: 'from', step: 32 }, allDone, { toStep: 33 }).map((e) => e.number)).toEqual([26, 29, 30]);
  });

  it('an informational step starts at the next runnable one', () => {
    expect(selectSteps({ kind: 'from', step: 36 }, allDone)[0]!.number).toBe(38);
  });

  it('refuses numbers outside the guide', () => {
    expect(() => selectSteps({ kind: 'from', step: 49 }, none)).toThrow(SelectionError);
    expect(() => selectSteps({ kind: 'from', step: 0 }, none)).toThrow(/1-48/);
  });
});
