/**
 * The monthly cost beside the sizing advice: the whole deployment as answered so far, priced; a change of
 * size (or of licence) shows what it adds or saves. Without prices the wizard says so once and goes on.
 */
import type { CostOutcome } from '../../cost/index.js';
import { money, printCostEstimate, totalText } from '../../cost/render.js';
import { VM_SIZES } from '../../qlik/sizing.js';
import { estimateCost } from '../cost.js';
import { lookingUp, type WizardContext } from './context.js';
import { draftConfig, setIn, type Draft } from './draft.js';

async function priced(context: WizardContext, draft: Draft): Promise<CostOutcome> {
  const config = draftConfig(draft);
  if (!config) return { kind: 'omitted', reason: 'the answers so far do not make a config yet' };
  return lookingUp(context.output, 'Looking up Azure retail prices', estimateCost(context.cost, config));
}

/** "+USD 58.40 a month (about USD 386.13 a month in all)", or why there is no figure. */
function difference(before: CostOutcome, after: CostOutcome): string {
  if (before.kind === 'omitted' || after.kind === 'omitted') return `no difference to show (${after.kind === 'omitted' ? after.reason : 'no earlier price'})`;
  if (before.estimate.partial || after.estimate.partial) return `no exact difference: a price is unknown (now ${totalText(after.estimate)})`;
  const change = Math.round((after.estimate.total - before.estimate.total) * 100) / 100;
  return `${change >= 0 ? '+' : '-'}${money(after.estimate.currency, Math.abs(change))} a month (${totalText(after.estimate)} in all)`;
}

/** Is `size` offered in the chosen region? Unknown (the lookup failed) counts as yes: step 23 checks it before anything is created. */
async function offeredHere(context: WizardContext, draft: Draft, size: string): Promise<boolean> {
  try {
    const regions = await lookingUp(context.output, `Checking that ${size} is offered in ${String(draft.location)}`, context.catalog.regionsOffering(String(draft.subscriptionId), size));
    return regions.some((region) => region.name === draft.location && !region.restriction);
  } catch {
    return true;
  }
}

/** Shows the estimate, then lets the user try other sizes, each with the difference, until they keep one. */
export async function reviewCost(context: WizardContext, start: Draft): Promise<Draft> {
  const { ask, output } = context;
  let draft = start;
  let current = await priced(context, draft);
  output.line();
  printCostEstimate(output, current);
  if (current.kind === 'omitted') return draft;
  for (;;) {
    const size = String((draft.vm as Draft).size);
    if (!await ask.yesNo({ message: `Try another VM size to compare its cost (now ${size}, ${totalText(current.estimate)})?`, default: false })) return draft;
    const other = await ask.choose({
      message: 'VM size',
      choices: VM_SIZES.map((choice) => ({ value: choice.name, name: `${choice.name.padEnd(18)} ${String(choice.vcpus).padStart(2)} vCPUs ${String(choice.memoryGb).padStart(4)} GB` })),
      default: size,
    });
    if (other === size) continue;
    if (!await offeredHere(context, draft, other)) {
      output.line(output.style.yellow(`  ${other} is not offered in ${String(draft.location)} to this subscription; keeping ${size}.`));
      continue;
    }
    const next = await priced(context, setIn(draft, ['vm', 'size'], other));
    output.line(`  ${other} instead of ${size}: ${difference(current, next)}`);
    draft = setIn(draft, ['vm', 'size'], other);
    if (next.kind === 'omitted') return draft;
    current = next;
  }
}

/** The cost of a changed answer, in one line: what Azure Hybrid Benefit saves, say. */
export async function showDifference(context: WizardContext, before: Draft, after: Draft, what: string): Promise<void> {
  const [was, now] = [await priced(context, before), await priced(context, after)];
  if (was.kind === 'omitted' && now.kind === 'omitted') return;
  context.output.line(`  ${what}: ${difference(was, now)}`);
}
