/**
 * One way to make a guide step out of a PowerShell template: the step says what to send and how to read
 * the result; running it on the VM (Run Command, secrets, resume) is the wrapper's business. Plan stays
 * cheap: it asks the journal, never the VM.
 */
import { runScript, type VmTarget } from '../../azure/run-command.js';
import type { Secret } from '../../config/secrets.js';
import { catalogueEntry } from '../../engine/catalogue.js';
import type { PlannedChange, StepContext, StepImplementation, StepOutputs, StepResult } from '../../engine/step.js';
import { recorded, requireSecret, vmTarget } from './target.js';

export type ScriptResult = Readonly<Record<string, unknown>>;

export interface ScriptInputs {
  readonly parameters?: Readonly<Record<string, string>>;
  readonly secretParameters?: Readonly<Record<string, Secret>>;
}

/** A second script of the step, run after the first when it needs another identity (e.g. LocalSystem, then the service account). */
export interface FollowingScript {
  readonly template: string;
  readonly asServiceAccount?: boolean;
  /** What it is sent, given the first script's result. */
  inputs(ctx: StepContext, first: ScriptResult): ScriptInputs | Promise<ScriptInputs>;
}

export interface TemplateStepSpec {
  readonly template: string;
  readonly timeoutSeconds: number;
  /**
   * Run as the Qlik service account (through the envelope's one-shot scheduled task, never runAsUser):
   * QRS accepts only Qlik's client certificate, which lives in that account's personal store.
   */
  readonly asServiceAccount?: boolean;
  /** Runs after `template` succeeded; the step's result is both results merged (the second's fields win). */
  readonly then?: FollowingScript;
  readonly exitAdvice?: Readonly<Record<number, string>>;
  /** Why this deployment has nothing for the step to do, if so. */
  skipReason?(ctx: StepContext): string | undefined;
  /** Checks before the script runs (e.g. the VM agent), and what the script needs from them. */
  before?(ctx: StepContext, vm: VmTarget): Promise<void>;
  inputs(ctx: StepContext): ScriptInputs | Promise<ScriptInputs>;
  /** Throws a StepError when the result is not acceptable. */
  check?(result: ScriptResult): void;
  /** What the script did; verify steps always report 'checked'. */
  change?(result: ScriptResult): StepResult['change'];
  outputs(result: ScriptResult, ctx: StepContext): StepOutputs;
}

export function templateStep(spec: TemplateStepSpec): StepImplementation {
  const verifies = (ctx: StepContext) => catalogueEntry(ctx.step).kind === 'verify';
  return {
    async plan(ctx): Promise<PlannedChange> {
      const skip = spec.skipReason?.(ctx);
      if (skip) return { change: 'skip', summary: skip };
      if (verifies(ctx)) return { change: 'check' };
      return recorded(ctx) ? { change: 'unchanged', summary: `done before; ${spec.template} re-checks it on the VM` } : { change: 'create' };
    },
    async apply(ctx): Promise<StepResult> {
      const skip = spec.skipReason?.(ctx);
      if (skip) {
        ctx.note(skip);
        return { change: 'skip', outputs: {} };
      }
      const vm = vmTarget(ctx);
      await spec.before?.(ctx, vm);
      const first = await runTemplate(ctx, vm, spec, spec, await spec.inputs(ctx));
      const result = spec.then ? { ...first, ...(await runTemplate(ctx, vm, spec, spec.then, await spec.then.inputs(ctx, first))) } : first;
      spec.check?.(result);
      const change = verifies(ctx) ? 'checked' : (spec.change?.(result) ?? (result.changed === true ? 'update' : 'unchanged'));
      return { change, outputs: spec.outputs(result, ctx) };
    },
  };
}

/**
 * The run command's name is deterministic, so that a resume finds a run left behind; a step with two
 * scripts names each after its template, so that each is adopted on its own.
 */
function runCommandName(ctx: StepContext, spec: TemplateStepSpec, template: string): string {
  const name = `qlik-azure-step-${ctx.step}`;
  return spec.then ? `${name}-${template.replace(/^.*\//, '').replace(/\.ps1$/, '')}` : name;
}

async function runTemplate(ctx: StepContext, vm: VmTarget, spec: TemplateStepSpec, script: Pick<TemplateStepSpec, 'template' | 'asServiceAccount'>, inputs: ScriptInputs): Promise<ScriptResult> {
  const { result } = await runScript(ctx, {
    vm,
    name: runCommandName(ctx, spec, script.template),
    template: script.template,
    parameters: inputs.parameters ?? {},
    secretParameters: inputs.secretParameters ?? {},
    runsAs: script.asServiceAccount ? { serviceAccount: ctx.config.qlik.serviceAccount, password: requireSecret(ctx, 'serviceAccountPassword') } : 'LocalSystem',
    timeoutSeconds: spec.timeoutSeconds,
    ...(spec.exitAdvice ? { exitAdvice: spec.exitAdvice } : {}),
  });
  return result;
}

/** Result fields, typed as the templates document them. */
export const text = (result: ScriptResult, key: string): string => (typeof result[key] === 'string' ? (result[key] as string) : '');
export const flag = (result: ScriptResult, key: string): boolean => result[key] === true;
export const strings = (result: ScriptResult, key: string): string[] => (Array.isArray(result[key]) ? (result[key] as unknown[]).map(String) : []);

/** create when the script made something new, update when it changed something, unchanged otherwise. */
export function changeOf(created: boolean, changed: boolean): StepResult['change'] {
  if (created) return 'create';
  return changed ? 'update' : 'unchanged';
}
