/**
 * The plan: one line per guide step with Terraform's symbols. Offline, every action is a create; against
 * Azure, each selected step's own plan() reads what exists and says create, update or unchanged.
 */
import { CATALOGUE, type CatalogueEntry, type RunnableEntry } from './catalogue.js';
import type { Change, PlannedChange, StepContext, StepRegistry } from './step.js';

export type PlanSymbol = '+' | '~' | '=' | '·' | '!';

export interface PlanLine {
  readonly number: number;
  readonly title: string;
  readonly symbol: PlanSymbol;
  readonly change: Change | 'folded' | 'info' | 'not-selected' | 'unknown';
  readonly summary?: string;
  readonly differences?: readonly string[];
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly unchanged: number;
  readonly checks: number;
  /** Steps whose plan could not read Azure ('cannot tell'). */
  readonly unknown: number;
  readonly other: number;
  readonly hasChanges: boolean;
}

const SYMBOLS: Record<Change, PlanSymbol> = { create: '+', update: '~', unchanged: '=', skip: '·', check: '·' };

function staticLine(entry: CatalogueEntry, selected: ReadonlySet<number>, adopted: ReadonlySet<number>): PlanLine | undefined {
  if (entry.kind === 'folded') return { number: entry.number, title: entry.title, symbol: '·', change: 'folded', summary: `folded into step ${entry.into}` };
  if (entry.kind === 'info') return { number: entry.number, title: entry.title, symbol: '·', change: 'info', summary: entry.tool };
  if (adopted.has(entry.number)) return { number: entry.number, title: entry.title, symbol: '·', change: 'not-selected', summary: 'adopted with --existing-vm: left as recorded' };
  if (!selected.has(entry.number)) return { number: entry.number, title: entry.title, symbol: '·', change: 'not-selected', summary: 'not in this run' };
  return undefined;
}

export interface PlanOptions {
  readonly selected: readonly RunnableEntry[];
  readonly registry?: StepRegistry;
  /** Absent for an offline plan. */
  readonly contextFor?: (entry: RunnableEntry) => StepContext;
  readonly describeError?: (error: unknown) => string;
  /** Steps recorded from an existing VM, which no run touches (engine/selection.ts). */
  readonly adopted?: ReadonlySet<number>;
}

export async function buildPlan(options: PlanOptions): Promise<PlanLine[]> {
  const selected = new Set(options.selected.map((entry) => entry.number));
  return Promise.all(CATALOGUE.map(async (entry): Promise<PlanLine> => {
    const fixed = staticLine(entry, selected, options.adopted ?? new Set());
    if (fixed) return fixed;
    const runnable = entry as RunnableEntry;
    const implementation = options.registry?.get(runnable.number);
    if (!options.contextFor || !implementation) {
      const change: Change = runnable.kind === 'verify' ? 'check' : 'create';
      return { number: runnable.number, title: runnable.title, symbol: SYMBOLS[change], change, summary: runnable.tool };
    }
    try {
      const planned: PlannedChange = await implementation.plan(options.contextFor(runnable));
      return {
        number: runnable.number,
        title: runnable.title,
        symbol: SYMBOLS[planned.change],
        change: planned.change,
        summary: planned.summary ?? runnable.tool,
        ...(planned.differences ? { differences: planned.differences } : {}),
      };
    } catch (error) {
      const message = options.describeError?.(error) ?? (error instanceof Error ? error.message : String(error));
      return { number: runnable.number, title: runnable.title, symbol: '!', change: 'unknown', summary: `cannot tell: ${message}` };
    }
  }));
}

export function summarisePlan(lines: readonly PlanLine[]): PlanSummary {
  const count = (predicate: (line: PlanLine) => boolean) => lines.filter(predicate).length;
  const create = count((l) => l.change === 'create');
  const update = count((l) => l.change === 'update');
  const unknown = count((l) => l.change === 'unknown');
  return {
    create,
    update,
    unchanged: count((l) => l.change === 'unchanged'),
    checks: count((l) => l.change === 'check'),
    unknown,
    other: count((l) => ['folded', 'info', 'not-selected', 'skip', 'unknown'].includes(l.change)),
    hasChanges: create + update + unknown > 0,
  };
}
