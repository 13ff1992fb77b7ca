/**
 * Walks the selected steps as a dependency graph with bounded concurrency. Every transition is written
 * to the journal before the engine moves on, so a crash at any point leaves a state that says what was
 * in flight; resume re-runs those steps, which adopt whatever Azure already finished.
 */
import type { RunnableEntry, StepNumber } from './catalogue.js';
import type { EventSink } from './events.js';
import type { Journal } from './journal.js';
import type { StepContext, StepErrorInfo, StepRegistry, StepResult } from './step.js';

export interface RunOptions {
  readonly steps: readonly RunnableEntry[];
  readonly registry: StepRegistry;
  readonly journal: Journal;
  readonly contextFor: (step: RunnableEntry) => StepContext;
  readonly events: EventSink;
  readonly concurrency: number;
  /** Aborted on the first Ctrl-C: no new step starts; steps in flight finish and are recorded. */
  readonly stopScheduling: AbortSignal;
  readonly describeError: (error: unknown) => StepErrorInfo;
}

export interface RunOutcome {
  readonly finished: readonly StepNumber[];
  readonly failed: readonly { readonly step: StepNumber; readonly error: StepErrorInfo }[];
  readonly blocked: readonly StepNumber[];
  /** Steps never started because the user stopped the run. */
  readonly notStarted: readonly StepNumber[];
  readonly interrupted: boolean;
}

export async function runSteps(options: RunOptions): Promise<RunOutcome> {
  const selected = new Map(options.steps.map((entry) => [entry.number, entry]));
  const waiting = new Set(selected.keys());
  const finished: StepNumber[] = [];
  const failed: { step: StepNumber; error: StepErrorInfo }[] = [];
  const blocked: StepNumber[] = [];
  const running = new Map<StepNumber, Promise<void>>();

  await options.journal.markPending([...waiting]);

  // Dependencies outside the selection were satisfied by an earlier run.
  const pendingDependencies = (entry: RunnableEntry) => entry.dependsOn.filter((d) => selected.has(d) && !finished.includes(d));

  const blockDependents = () => {
    let changed = true;
    while (changed) {
      changed = false;
      for (const number of waiting) {
        const entry = selected.get(number)!;
        const blocker = entry.dependsOn.find((d) => failed.some((f) => f.step === d) || blocked.includes(d));
        if (blocker !== undefined) {
          waiting.delete(number);
          blocked.push(number);
          options.events({ type: 'step-blocked', step: number, blockedBy: blocker });
          // Stryker disable next-line BooleanLiteral: one pass already blocks every dependent, since each step's dependencies have lower numbers except step 1's on step 23, which depends on nothing
          changed = true;
        }
      }
    }
  };

  // A journal that cannot be written is fatal: nothing new starts, what runs is drained, then it is raised.
  let journalFailure: { error: unknown } | undefined;
  const start = (entry: RunnableEntry) => {
    waiting.delete(entry.number);
    const task = runOne(entry, options)
      .then((result) => {
        if (result.ok) finished.push(entry.number);
        else failed.push({ step: entry.number, error: result.error });
      }, (error: unknown) => {
        journalFailure ??= { error };
      })
      .finally(() => running.delete(entry.number));
    running.set(entry.number, task);
  };

  for (;;) {
    blockDependents();
    if (!options.stopScheduling.aborted && !journalFailure) {
      const ready = [...waiting].map((n) => selected.get(n)!).filter((entry) => pendingDependencies(entry).length === 0);
      for (const entry of ready) {
        if (running.size >= options.concurrency) break;
        start(entry);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  const outcome: RunOutcome = {
    finished,
    failed,
    blocked,
    notStarted: [...waiting],
    interrupted: options.stopScheduling.aborted && waiting.size > 0,
  };
  if (journalFailure) throw new JournalWriteFailure(journalFailure.error, outcome);
  return outcome;
}

/** The journal could not be written (a full disk, a refused secret): the run stopped; `outcome` says how far it got. */
export class JournalWriteFailure extends Error {
  readonly outcome: RunOutcome;
  constructor(cause: unknown, outcome: RunOutcome) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'JournalWriteFailure';
    this.outcome = outcome;
  }
}

type StepRunResult = { ok: true } | { ok: false; error: StepErrorInfo };

/** Runs one step. Resolves with the step's outcome; rejects only when the journal cannot be written. */
async function runOne(entry: RunnableEntry, options: RunOptions): Promise<StepRunResult> {
  const started = Date.now();
  const implementation = options.registry.get(entry.number);
  await options.journal.markRunning(entry.number);
  options.events({ type: 'step-started', step: entry.number, title: entry.title });
  let result: StepResult;
  try {
    if (!implementation) throw new Error(`step ${entry.number} (${entry.title}) has no implementation in this build`);
    const context = options.contextFor(entry);
    result = await implementation.apply(context);
    if (implementation.verify) await implementation.verify(context, result);
  } catch (error) {
    const info = options.describeError(error);
    await options.journal.markFailed(entry.number, info);
    options.events({ type: 'step-failed', step: entry.number, error: info, durationMs: Date.now() - started });
    return { ok: false, error: info };
  }
  // Outside the try: a step that succeeded must not be recorded as failed because its record could not be written.
  await options.journal.markDone(entry.number, result);
  options.events({ type: 'step-finished', step: entry.number, change: result.change, outputs: result.outputs, durationMs: Date.now() - started });
  return { ok: true };
}
