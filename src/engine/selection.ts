/**
 * Which runnable steps a command runs: everything (apply), what is unfinished (resume), or from a guide
 * step onward (--from-step), cut at --to-step. Folded and informational numbers resolve to their host.
 * Adopted steps (--existing-vm) are never selected: their resources carry names of their own, and running
 * those steps would create the config's resources beside them; later steps read the recorded ids instead.
 */
import { hostStep, RUNNABLE_STEPS, type RunnableEntry, type StepNumber } from './catalogue.js';
import { isAdopted, isDone, type Journal } from './journal.js';

export type Selection =
  | { readonly kind: 'all' }
  | { readonly kind: 'unfinished' }
  | { readonly kind: 'from'; readonly step: StepNumber };

export interface SelectionBounds {
  readonly toStep?: StepNumber | undefined;
}

export class SelectionError extends Error {}

/** The runnable step a user's --from-step / --to-step number stands for. */
export function resolveStepNumber(number: StepNumber, flag: string): RunnableEntry {
  if (!Number.isInteger(number) || number < 1 || number > 48) {
    throw new SelectionError(`${flag} ${number}: the guide's steps are numbered 1-48. Fix: pick one from 'qlik-azure steps'`);
  }
  const host = hostStep(number);
  if (host) return host;
  // Informational steps run nothing; start at the next runnable step.
  // Stryker disable next-line EqualityOperator: `number` is informational here, so no runnable step has it and >= finds the same one
  const next = RUNNABLE_STEPS.find((entry) => entry.number > number);
  // Stryker disable next-line StringLiteral: unreachable while step 48 is runnable; kept for a catalogue that ends on an informational step
  if (!next) throw new SelectionError(`${flag} ${number}: nothing runs from there`);
  return next;
}

export function selectSteps(selection: Selection, journal: Pick<Journal, 'entry'>, bounds: SelectionBounds = {}): RunnableEntry[] {
  // "Stop after guide step N": a number folded into a later step needs that step to have happened.
  const toStep = bounds.toStep === undefined ? 48 : Math.max(bounds.toStep, resolveStepNumber(bounds.toStep, '--to-step').number);
  const within = (entry: RunnableEntry) => entry.number <= toStep;
  const start = selection.kind === 'from' ? resolveStepNumber(selection.step, '--from-step').number : 1;
  const chosen = new Set(RUNNABLE_STEPS
    .filter((entry) => within(entry) && entry.number >= start && !isAdopted(journal, entry.number) && (selection.kind !== 'unfinished' || !isDone(journal, entry.number)))
    .map((entry) => entry.number));
  // Prerequisites that never finished run too, or the chosen steps would lack their inputs.
  for (const number of unfinishedPrerequisites([...chosen], journal)) chosen.add(number);
  return RUNNABLE_STEPS.filter((entry) => chosen.has(entry.number));
}

/** The steps recorded from an existing VM, for the plan to name. */
export function adoptedSteps(journal: Pick<Journal, 'entry'>): Set<StepNumber> {
  return new Set(RUNNABLE_STEPS.filter((entry) => isAdopted(journal, entry.number)).map((entry) => entry.number));
}

function unfinishedPrerequisites(steps: StepNumber[], journal: Pick<Journal, 'entry'>): StepNumber[] {
  const byNumber = new Map(RUNNABLE_STEPS.map((entry) => [entry.number, entry]));
  const found: StepNumber[] = [];
  const queue = [...steps];
  const seen = new Set(steps);
  while (queue.length > 0) {
    const entry = byNumber.get(queue.pop()!);
    for (const dependency of entry?.dependsOn ?? []) {
      if (seen.has(dependency) || isDone(journal, dependency)) continue;
      // Stryker disable next-line CallExpression: without it a shared prerequisite is queued twice; the Set of chosen steps is the same
      seen.add(dependency);
      found.push(dependency);
      queue.push(dependency);
    }
  }
  return found;
}
