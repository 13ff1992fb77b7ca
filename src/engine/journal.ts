/** What the engine needs from the state: a journal of step records (Pulumi-style pending operations). */
import type { StepNumber } from './catalogue.js';
import type { StepErrorInfo, StepOutputs, StepResult } from './step.js';

export type JournalEntry =
  | { readonly status: 'pending'; readonly plannedAt: string; readonly attemptsSoFar: number }
  | { readonly status: 'running'; readonly startedAt: string; readonly attempt: number }
  | { readonly status: 'done'; readonly startedAt: string; readonly finishedAt: string; readonly attempt: number; readonly change: StepResult['change']; readonly outputs: StepOutputs }
  | { readonly status: 'failed'; readonly startedAt: string; readonly finishedAt: string; readonly attempt: number; readonly error: StepErrorInfo };

export type JournalStatus = JournalEntry['status'];

export interface Journal {
  entry(step: StepNumber): JournalEntry | undefined;
  markPending(steps: readonly StepNumber[]): Promise<void>;
  markRunning(step: StepNumber): Promise<void>;
  markDone(step: StepNumber, result: StepResult): Promise<void>;
  markFailed(step: StepNumber, error: StepErrorInfo): Promise<void>;
}

export function isDone(journal: Pick<Journal, 'entry'>, step: StepNumber): boolean {
  return journal.entry(step)?.status === 'done';
}

/** The output flag of a step recorded from a resource made some other way (--existing-vm). */
export const ADOPTED_OUTPUT = 'adopted';

/** Whether the step was recorded from what exists rather than run: its resources are someone else's, addressed by their recorded ids. */
export function isAdopted(journal: Pick<Journal, 'entry'>, step: StepNumber): boolean {
  const entry = journal.entry(step);
  return entry?.status === 'done' && entry.outputs[ADOPTED_OUTPUT] === true;
}
