/**
 * The one shape every Azure resource step has: read what exists, compare it with the config, then create,
 * update in place, or leave it alone. A difference that would need the resource replaced is refused, never
 * acted on: the user's data may live in it. After a write, the resource is read back and compared again
 * (verify), so a write Azure accepted but did not carry out fails the step instead of a later one.
 * Steps describe their resource; this module does the walking.
 */
import { pause, readConfirmingAbsence, withAzureNotices } from '../../azure/arm-helpers.js';
import { StepError, type PlannedChange, type StepContext, type StepImplementation, type StepOutputs, type StepResult } from '../../engine/step.js';

export interface Comparison {
  /** What an in-place write changes, one line each ("tag owner: "a" → "b""). */
  readonly differences: readonly string[];
  /** Differences only a replacement could make; each says what exists and what the config asks. */
  readonly refusals: readonly string[];
}

export const NO_DIFFERENCE: Comparison = { differences: [], refusals: [] };

export interface ManagedResource<Live> {
  /** "virtual network qlik-demo-vnet" */
  label(ctx: StepContext): string;
  /** One line for the plan. */
  summary(ctx: StepContext): string;
  /** GET; undefined when the resource (or its group) does not exist. */
  read(ctx: StepContext): Promise<Live | undefined>;
  /** ARM's provisioningState; most resources carry it at the top level of the SDK model. */
  provisioningState?(live: Live): string | undefined;
  compare(ctx: StepContext, live: Live): Comparison | Promise<Comparison>;
  /** Checks before a create only, e.g. global name availability (skipped when the resource exists). */
  beforeCreate?(ctx: StepContext): Promise<void>;
  /**
   * Creates (`live` undefined, absence confirmed by re-reads) or updates `live`, read just before, to the
   * config; returns the resource as Azure now has it. Collections (rules, subnets, tags) are written as
   * `live` has them plus the config's, never from memory.
   */
  write(ctx: StepContext, live: Live | undefined): Promise<Live>;
  /** After every apply: waits for what the resource must reach (a VM agent that reports Ready), or tells the user what to know. */
  settle?(ctx: StepContext, live: Live): Promise<Live>;
  outputs(ctx: StepContext, live: Live): StepOutputs;
}

/** Azure's SDK calls inside a step report their retries to that step's notes. */
export function azureStep(step: StepImplementation): StepImplementation {
  const { verify } = step;
  return {
    plan: (ctx) => withAzureNotices(ctx.note, () => step.plan(ctx)),
    apply: (ctx) => withAzureNotices(ctx.note, () => step.apply(ctx)),
    ...(verify ? { verify: (ctx: StepContext, result: StepResult) => withAzureNotices(ctx.note, () => verify(ctx, result)) } : {}),
  };
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

function stateOf<Live>(resource: ManagedResource<Live>, live: Live): string | undefined {
  return resource.provisioningState ? resource.provisioningState(live) : (live as { provisioningState?: string }).provisioningState;
}

/** A failed earlier write leaves the resource in Failed; writing it again is how ARM retries. */
async function compareWithState<Live>(ctx: StepContext, resource: ManagedResource<Live>, live: Live): Promise<Comparison> {
  const comparison = await resource.compare(ctx, live);
  const state = stateOf(resource, live);
  if (!state || state.toLowerCase() === 'succeeded') return comparison;
  const note = TERMINAL.has(state.toLowerCase()) ? `provisioning state ${state}: written again` : `provisioning state ${state}: apply waits for it`;
  return { ...comparison, differences: [...comparison.differences, note] };
}

/**
 * Reads the resource, waiting while an operation is in flight (a run stopped mid-create, or someone else's
 * change), so what is compared is what Azure settled on.
 */
async function readSettled<Live>(ctx: StepContext, resource: ManagedResource<Live>): Promise<Live | undefined> {
  for (;;) {
    const live = await resource.read(ctx);
    const state = live === undefined ? undefined : stateOf(resource, live);
    if (live === undefined || state === undefined || TERMINAL.has(state.toLowerCase())) return live;
    ctx.progress(`${resource.label(ctx)} is ${state}; waiting for it to settle`);
    await pause(ctx);
  }
}

function refuse(label: string, refusals: readonly string[]): never {
  throw new StepError(`${label} exists and differs in a way qlik-azure will not change in place: ${refusals.join('; ')}`, {
    code: 'ReplacementRefused',
    advice: `qlik-azure adopts existing resources but never replaces one, since that would destroy what is on it. Fix: change the config to match what exists, or delete ${label} yourself, then run \`qlik-azure resume\``,
  });
}

/** A GET right after a create can miss the resource (ARM's eventual consistency): a few polls before giving up. */
const READ_BACK_ATTEMPTS = 5;

async function readBack<Live>(ctx: StepContext, resource: ManagedResource<Live>): Promise<Live | undefined> {
  for (let attempt = 1; ; attempt++) {
    const live = await resource.read(ctx);
    if (live !== undefined || attempt === READ_BACK_ATTEMPTS) return live;
    await pause(ctx);
  }
}

/**
 * Reads back what apply wrote and compares it with the config as plan does. Provisioning state is left
 * out: apply already waited for it, and a VM Azure marked OSProvisioningTimedOut is used once its agent is Ready.
 * A step that changed nothing compared the live resource moments ago, so it is not read again.
 */
async function verifyWritten<Live>(ctx: StepContext, resource: ManagedResource<Live>, result: StepResult): Promise<void> {
  if (result.change === 'unchanged') return;
  const label = resource.label(ctx);
  const advice = `Azure accepted the write but reads back otherwise; another change may have raced it. Fix: run \`qlik-azure resume\`, and if it repeats, look at ${label} in the Azure portal (Activity log)`;
  const live = await readBack(ctx, resource);
  if (live === undefined) throw new StepError(`${label} does not exist after it was written`, { code: 'VerifyFailed', advice });
  const { differences, refusals } = await resource.compare(ctx, live);
  const mismatches = [...differences, ...refusals];
  if (mismatches.length > 0) throw new StepError(`${label} differs from the config after it was written: ${mismatches.join('; ')}`, { code: 'VerifyFailed', advice });
}

export function managedResourceStep<Live>(resource: ManagedResource<Live>): StepImplementation {
  return azureStep({
    async plan(ctx): Promise<PlannedChange> {
      const summary = resource.summary(ctx);
      const live = await resource.read(ctx);
      if (live === undefined) return { change: 'create', summary };
      const { differences, refusals } = await compareWithState(ctx, resource, live);
      if (differences.length === 0 && refusals.length === 0) return { change: 'unchanged', summary };
      return { change: 'update', summary, differences: [...differences, ...refusals.map((refusal) => `${refusal} (refused: needs a replacement)`)] };
    },

    async apply(ctx): Promise<StepResult> {
      // A create is a PUT that would replace whatever a false 404 hid, so absence is confirmed first; not in
      // a group this run created, which holds nothing older than the run (every step's resource is in it).
      const newGroup = ctx.azure.createdGroups.has(ctx.config.names.resourceGroup.toLowerCase());
      let live = newGroup ? await readSettled(ctx, resource) : await readConfirmingAbsence(ctx, () => readSettled(ctx, resource));
      let change: StepResult['change'];
      if (live === undefined) {
        await resource.beforeCreate?.(ctx);
        live = await resource.write(ctx, undefined);
        change = 'create';
      } else {
        const { differences, refusals } = await compareWithState(ctx, resource, live);
        if (refusals.length > 0) refuse(resource.label(ctx), refusals);
        if (differences.length > 0) {
          ctx.progress(`updating ${resource.label(ctx)}: ${differences.join('; ')}`);
          live = await resource.write(ctx, live);
          change = 'update';
        } else {
          change = 'unchanged';
        }
      }
      if (resource.settle) live = await resource.settle(ctx, live);
      return { change, outputs: resource.outputs(ctx, live) };
    },

    verify: (ctx, result) => verifyWritten(ctx, resource, result),
  });
}
