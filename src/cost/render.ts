/** The estimate as people read it (a table with each line's assumptions) and as machines do (JSON). */
import { HOURS_PER_MONTH, OS_DISK_GB, STORAGE_GB_ASSUMED, type CostEstimate, type CostLine } from './estimate.js';
import type { CostOutcome } from './index.js';

export interface CostPrinter {
  line(text?: string): void;
  readonly style: { bold(text: string): string; dim(text: string): string; yellow(text: string): string };
}

export const money = (currency: string, amount: number) => `${currency} ${amount.toFixed(2)}`;

const UNKNOWN = 'price unknown';
const day = (iso: string) => iso.slice(0, 10);

/** "about USD 342.10 a month", "at least USD 20.55 a month" when a price is unknown. */
export function totalText(estimate: CostEstimate): string {
  return `${estimate.partial ? 'at least' : 'about'} ${money(estimate.currency, estimate.total)} a month`;
}

/** Where the prices come from and of when: "Azure retail prices of 2026-12-02, cached". */
export function pricesText(outcome: Extract<CostOutcome, { kind: 'estimate' }>): string {
  return `${outcome.prices} of ${day(outcome.pricesAt)}${outcome.cached ? ', cached' : ''}`;
}

export function printCostEstimate(printer: CostPrinter, outcome: CostOutcome, heading = 'Monthly cost estimate'): void {
  const { style } = printer;
  if (outcome.kind === 'omitted') {
    printer.line(style.dim(`${heading}: omitted, ${outcome.reason}.`));
    return;
  }
  const { estimate } = outcome;
  const width = Math.max(...estimate.lines.map((line) => line.resource.length));
  const amountWidth = Math.max(...estimate.lines.map((line) => money(estimate.currency, line.monthly ?? 0).length), money(estimate.currency, estimate.total).length, estimate.partial ? UNKNOWN.length : 0);
  printer.line(style.bold(`${heading} (${estimate.currency}, ${estimate.region}; ${pricesText(outcome)}, pay as you go):`));
  for (const line of estimate.lines) {
    const amount = line.monthly === undefined ? style.yellow(UNKNOWN.padStart(amountWidth)) : money(estimate.currency, line.monthly).padStart(amountWidth);
    printer.line(`  ${line.resource.padEnd(width)}  ${amount}  ${line.item}`);
    printer.line(style.dim(`  ${''.padEnd(width)}  ${''.padEnd(amountWidth)}  ${line.assumes}`));
  }
  const unknown = estimate.lines.filter((line) => line.monthly === undefined).length;
  const label = estimate.partial ? `Total, partial (${unknown} ${unknown === 1 ? 'price' : 'prices'} unknown)` : 'Total';
  printer.line(style.bold(`  ${label.padEnd(width)}  ${money(estimate.currency, estimate.total).padStart(amountWidth)}  a month${estimate.partial ? ' at least' : ''}`));
  printer.line(style.dim('  Not counted: outbound data transfer and transactions. The virtual network, network security group and network interface cost nothing.'));
}

/** The estimate in `plan`, `status` and `destroy --json` (cli/machine-output.ts holds its schema). */
export type CostJson =
  | { readonly omitted: true; readonly reason: string }
  | {
    readonly currency: string; readonly prices: string; readonly region: string; readonly pricesAt: string; readonly cached: boolean;
    readonly assumptions: { readonly hoursPerMonth: number; readonly osDiskGb: number; readonly storageGb: number; readonly pricing: 'pay as you go' };
    readonly lines: readonly CostLine[]; readonly monthlyTotal: number; readonly partial: boolean;
  };

export function costJson(outcome: CostOutcome): CostJson {
  if (outcome.kind === 'omitted') return { omitted: true, reason: outcome.reason };
  const { estimate } = outcome;
  return {
    currency: estimate.currency,
    prices: outcome.prices,
    region: estimate.region,
    pricesAt: outcome.pricesAt,
    cached: outcome.cached,
    assumptions: { hoursPerMonth: HOURS_PER_MONTH, osDiskGb: OS_DISK_GB, storageGb: STORAGE_GB_ASSUMED, pricing: 'pay as you go' as const },
    lines: estimate.lines,
    monthlyTotal: estimate.total,
    partial: estimate.partial,
  };
}
