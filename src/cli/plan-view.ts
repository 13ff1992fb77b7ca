/** Prints a plan the way Terraform users read one: a symbol per step, then a summary line. */
import type { PlanLine, PlanSummary } from '../engine/planner.js';
import type { Replacement } from '../engine/replacement.js';
import type { CostJson } from '../cost/render.js';
import type { Output } from './output.js';
import { counted } from '../config/words.js';

/** Rows that change something, or that could not tell: the rest is what --all adds. */
const CHANGING: ReadonlySet<PlanLine['change']> = new Set(['create', 'update', 'unknown']);

/**
 * The rows that change something (every row with `all`), then the counts. With nothing to change it says
 * "No changes." instead of listing 48 rows that each say so.
 */
export function printPlan(output: Output, lines: readonly PlanLine[], summary: PlanSummary, heading: string, options: { all?: boolean } = {}): void {
  const { style } = output;
  const paint: Record<string, (text: string) => string> = { '+': style.green, '~': style.yellow, '=': style.dim, '·': style.dim, '!': style.red };
  output.line(style.bold(heading));
  output.line();
  const shown = options.all ? lines : lines.filter((line) => CHANGING.has(line.change));
  if (shown.length === 0) {
    const rechecks = summary.unchanged + summary.checks;
    output.line(`No changes. ${counted(rechecks, 'step')} would only re-check what exists (--all lists every step).`);
    return;
  }
  for (const line of shown) {
    const colour = paint[line.symbol] ?? ((text: string) => text);
    const title = line.change === 'folded' || line.change === 'info' || line.change === 'not-selected' ? style.dim(line.title) : line.title;
    output.line(`  ${colour(line.symbol)} ${String(line.number).padStart(2)} ${title}${line.summary ? style.dim(`  ${line.summary}`) : ''}`);
    for (const difference of line.differences ?? []) output.line(`         ${style.yellow('~')} ${difference}`);
  }
  output.line();
  const hidden = lines.length - shown.length;
  output.line(`${summaryLine(summary)}${hidden > 0 ? ` (${counted(hidden, 'row')} that change nothing ${hidden === 1 ? 'is' : 'are'} not listed; --all lists every step.)` : ''}`);
}

/** The counts of the steps that would run, in the same words the plan's summary uses. */
export function runCounts(summary: PlanSummary): string {
  return `${summary.create} to create, ${summary.update} to update, ${summary.unchanged} unchanged, ${counted(summary.checks, 'check')}${summary.unknown > 0 ? `, ${summary.unknown} unknown` : ''}`;
}

export function summaryLine(summary: PlanSummary): string {
  return `Plan: ${runCounts(summary)}; ${summary.other - summary.unknown} folded, informational or not in this run.`;
}

/** The document of `plan --json` (schemas/plan.schema.json). */
export function planJson(lines: readonly PlanLine[], summary: PlanSummary, about: { deployment: string; offline: boolean; replacements: readonly Replacement[]; cost: CostJson }) {
  return { version: 1 as const, ...about, steps: lines, summary };
}
