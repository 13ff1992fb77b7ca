/** Prints a plan the way Terraform users read one: a symbol per step, then a summary line. */
import type { PlanLine, PlanSummary } from '../engine/planner.js';
import type { Output } from './output.js';

export function printPlan(output: Output, lines: readonly PlanLine[], summary: PlanSummary, heading: string): void {
  const { style } = output;
  const paint: Record<string, (text: string) => string> = { '+': style.green, '~': style.yellow, '=': style.dim, '·': style.dim, '!': style.red };
  output.line(style.bold(heading));
  output.line();
  for (const line of lines) {
    const colour = paint[line.symbol] ?? ((text: string) => text);
    const title = line.change === 'folded' || line.change === 'info' || line.change === 'not-selected' ? style.dim(line.title) : line.title;
    output.line(`  ${colour(line.symbol)} ${String(line.number).padStart(2)} ${title}${line.summary ? style.dim(`  ${line.summary}`) : ''}`);
    for (const difference of line.differences ?? []) output.line(`         ${style.yellow('~')} ${difference}`);
  }
  output.line();
  output.line(summaryLine(summary));
}

export function summaryLine(summary: PlanSummary): string {
  return `Plan: ${summary.create} to create, ${summary.update} to update, ${summary.unchanged} unchanged, ${summary.checks} checks; ${summary.other} folded, informational or not in this run.`;
}

export function planJson(lines: readonly PlanLine[], summary: PlanSummary, extra: Record<string, unknown>): unknown {
  return { version: 1, ...extra, steps: lines, summary };
}
