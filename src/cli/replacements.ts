/**
 * How the CLI speaks of a config change that would replace what was built (engine/replacement.ts): plan
 * shows it, apply, resume and init refuse it before Azure is contacted. The deliberate ways on are the
 * ones that leave nothing behind unawares: put the old value back, destroy the deployment and apply
 * again, or make a second deployment under another name.
 */
import { ConfigError } from '../config/errors.js';
import type { ResolvedConfig } from '../config/derive.js';
import type { PlanLine } from '../engine/planner.js';
import { describeReplacement, type Replacement } from '../engine/replacement.js';
import { commandFor, type Output } from './output.js';
import { counted } from '../config/words.js';

function ways(output: Output, replacements: readonly Replacement[], config: ResolvedConfig): string {
  const restore = replacements.map((r) => `${r.setting}: ${r.from}`).join(', ');
  return `put back ${restore}; or run '${commandFor('destroy', output.invocation)}' first (it deletes what was built), then apply makes it anew under the new names; or keep this deployment and make a second one with --deployment ${config.deployment}-2`;
}

/** The plan's rows for steps whose built resources a change would replace say so, as Terraform's `-/+` rows do. */
export function markReplaced(lines: readonly PlanLine[], replacements: readonly Replacement[]): PlanLine[] {
  const replaced = new Set(replacements.flatMap((replacement) => replacement.steps));
  return lines.map((line) => (replaced.has(line.number) && line.change !== 'folded' ? { ...line, summary: `${line.summary ?? ''}; forces replacement of what step ${line.number} built (below)` } : line));
}

/** Printed below the plan's rows: Terraform's "forces replacement", and what apply will do about it. */
export function printReplacements(output: Output, replacements: readonly Replacement[], config: ResolvedConfig): void {
  if (replacements.length === 0) return;
  const { style } = output;
  output.line();
  output.line(style.red(`${replacements.length === 1 ? 'A change' : counted(replacements.length, 'change')} to the config would replace what '${config.deployment}' built:`));
  for (const replacement of replacements) output.line(`  ${style.red('-/+')} ${describeReplacement(replacement)}`);
  output.line(`apply refuses this. To go on: ${ways(output, replacements, config)}.`);
}

/** Thrown before Azure is contacted: exit 3, nothing read or written there. The last issue carries the one fix for all. */
export function replacementRefusal(output: Output, replacements: readonly Replacement[], config: ResolvedConfig): ConfigError {
  return new ConfigError(replacements.map((replacement, index) => {
    const fix = index === replacements.length - 1 ? ` Fix: ${ways(output, replacements, config)}` : '';
    return { field: replacement.setting, message: `${describeReplacement(replacement, { withSetting: false })}; nothing was changed.${fix}` };
  }));
}
