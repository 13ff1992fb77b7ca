/**
 * Which steps a command runs (engine/selection.ts) and what the journal says about a step
 * (engine/journal.ts): adopted steps are never run again, --to-step and --from-step name guide steps,
 * and a refused number says what to do. (test/core/engine.test.ts has the common cases.)
 */
import { describe, expect, it } from 'vitest';
import { ADOPTED_OUTPUT, isAdopted, isDone, type JournalEntry } from '../../src/engine/journal.js';
import { adoptedSteps, resolveStepNumber, selectSteps, SelectionError } from '../../src/engine/selection.js';

const done = (outputs: Record<string, string | boolean> = {}): JournalEntry =>
  ({ status: 'done', startedAt: '', finishedAt: '', attempt: 1, change: 'create', outputs });
const failed: JournalEntry = { status: 'failed', startedAt: '', finishedAt: '', attempt: 1, error: { message: 'no' } };
const journalOf = (entries: Record<number, JournalEntry>) => ({ entry: (step: number) => entries[step] });
const numbers = (entries: readonly { number: number }[]) => entries.map((e) => e.number);

describe('journal', () => {
  it('a step is done only when its record says done', () => {
    const journal = journalOf({ 1: done(), 5: failed, 13: { status: 'running', startedAt: '', attempt: 1 } });
    expect([1, 5, 13, 16].map((step) => isDone(journal, step))).toEqual([true, false, false, false]);
  });

  it('a step is adopted only when it is done with the adopted flag set to true', () => {
    const journal = journalOf({ 25: done({ [ADOPTED_OUTPUT]: true }), 26: done({ [ADOPTED_OUTPUT]: 'true' }), 29: done(), 30: failed });
    expect(ADOPTED_OUTPUT).toBe('adopted');
    expect([25, 26, 29, 30, 1].map((step) => isAdopted(journal, step))).toEqual([true, false, false, false, false]);
  });
});

describe('step selection', () => {
  const adoptedVm = journalOf({ 1: done(), 5: done(), 25: done({ adopted: true }), 26: done({ adopted: true }), 29: done({ adopted: true }) });

  it('never selects an adopted step, not even for a full apply or as a prerequisite', () => {
    expect(numbers(selectSteps({ kind: 'all' }, adoptedVm, { toStep: 33 }))).toEqual([1, 5, 12, 13, 16, 23, 30]);
    expect(numbers(selectSteps({ kind: 'from', step: 34 }, adoptedVm))).not.toEqual(expect.arrayContaining([25]));
    expect([...adoptedSteps(adoptedVm)]).toEqual([25, 26, 29]);
  });

  it('resume selects what is not done, failed steps included, and the prerequisites they lack', () => {
    const journal = journalOf({ 1: done(), 5: failed, 13: done(), 16: done(), 23: done(), 26: done() });
    expect(numbers(selectSteps({ kind: 'unfinished' }, journal, { toStep: 33 }))).toEqual([5, 12, 25, 29, 30]);
    // 12 needs 5, which never finished: it comes along although only 12 onward was asked for.
    expect(numbers(selectSteps({ kind: 'from', step: 12 }, journal, { toStep: 12 }))).toEqual([5, 12]);
  });

  it('--to-step on a folded or informational number runs through the step that carries it out', () => {
    expect(Math.max(...numbers(selectSteps({ kind: 'all' }, journalOf({}), { toStep: 19 })))).toBe(29);
    expect(Math.max(...numbers(selectSteps({ kind: 'all' }, journalOf({}), { toStep: 28 })))).toBe(29);
    // Step 1 needs step 23's check that the VM size is offered, a later number.
    expect(numbers(selectSteps({ kind: 'all' }, journalOf({}), { toStep: 1 }))).toEqual([1, 23]);
  });

  it('resolves a guide number to the runnable step, and refuses one outside 1-48 naming the flag and the fix', () => {
    expect(resolveStepNumber(1, '--from-step').number).toBe(1);
    expect(resolveStepNumber(48, '--from-step').number).toBe(48);
    expect(resolveStepNumber(7, '--from-step').number).toBe(5);
    expect(resolveStepNumber(37, '--from-step').number).toBe(38);
    for (const bad of [0, 49, 2.5, -1]) {
      const error = (() => { try { resolveStepNumber(bad, '--to-step'); } catch (e) { return e; } })();
      expect(error).toBeInstanceOf(SelectionError);
      expect((error as Error).message).toBe(`--to-step ${bad}: the guide's steps are numbered 1-48. Fix: pick one from 'qlik-azure steps'`);
    }
  });

  it('names the flag the refused number came from', () => {
    const none = journalOf({});
    expect(() => selectSteps({ kind: 'all' }, none, { toStep: 49 })).toThrow(/^--to-step 49: /);
    expect(() => selectSteps({ kind: 'from', step: 0 }, none)).toThrow(/^--from-step 0: /);
  });
});
