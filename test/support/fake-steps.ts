/** Scripted steps for engine tests: each records when it ran and can be told to wait or fail. */
import { RUNNABLE_STEPS, type RunnableEntry } from '../../src/engine/catalogue.js';
import type { StepContext, StepImplementation, StepRegistry } from '../../src/engine/step.js';

export interface Script {
  delayMs?: number;
  /** Fail this many times, then succeed. */
  failTimes?: number;
}

export interface Recording {
  readonly intervals: Map<number, { start: number; end: number }>;
  readonly order: number[];
  maxConcurrent: number;
}

export function fakeRegistry(scripts: Record<number, Script> = {}, defaultDelayMs = 5): { registry: StepRegistry; recording: Recording } {
  const recording: Recording = { intervals: new Map(), order: [], maxConcurrent: 0 };
  const failures = new Map<number, number>();
  let concurrent = 0;
  const registry = new Map<number, StepImplementation>(RUNNABLE_STEPS.map((entry) => [entry.number, {
    plan: async () => ({ change: 'create' as const }),
    apply: async (ctx: StepContext) => {
      const script = scripts[entry.number] ?? {};
      const start = performance.now();
      concurrent++;
      recording.maxConcurrent = Math.max(recording.maxConcurrent, concurrent);
      recording.order.push(entry.number);
      try {
        await new Promise((resolve) => setTimeout(resolve, script.delayMs ?? defaultDelayMs));
        const failed = failures.get(entry.number) ?? 0;
        if (failed < (script.failTimes ?? 0)) {
          failures.set(entry.number, failed + 1);
          throw new Error(`scripted failure of step ${entry.number}`);
        }
        ctx.progress('working');
        return { change: 'create' as const, outputs: { id: `/fake/${entry.number}` } };
      } finally {
        concurrent--;
        recording.intervals.set(entry.number, { start, end: performance.now() });
      }
    },
  }]));
  return { registry, recording };
}

export function fakeContext(entry: RunnableEntry): StepContext {
  return {
    step: entry.number,
    config: undefined as never,
    secrets: {},
    azure: undefined as never,
    outputsOf: () => ({}),
    artifacts: { write: async (name) => name },
    signal: new AbortController().signal,
    progress: () => undefined,
    note: () => undefined,
  };
}
