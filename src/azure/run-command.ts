/**
 * Runs a template on the VM through Azure managed Run Command (PUT virtualMachines/{vm}/runCommands/{name}).
 *
 * - Secrets travel only as protectedParameters (and runAsPassword), which Azure never returns; which
 *   parameters are secret is decided by name (…Password, …Key, …Url: a link may carry a SAS), the contract
 *   the templates mask by. Plain parameters are readable by anyone who may read the VM.
 * - The script runs asynchronously (asyncExecution) and is followed through its instance view, so a fresh
 *   run and a run found still going after a crash are followed by the same loop, with progress from the
 *   latest `##qlik-azure[phase]` line. treatFailureAsDeploymentFailure is off: the exit code and the error
 *   stream say more than a failed deployment.
 * - The name is deterministic per step. A run command that exists when a step starts was left by a run that
 *   stopped before reading its result, or by a failure (consumed ones are deleted): it is waited for while
 *   running, and its result adopted when it succeeded with the same script, parameters and identity;
 *   otherwise it is deleted and the script runs afresh.
 * - Azure keeps only 4 KB of output; when the deployment has a storage account, the full streams go to
 *   append blobs there.
 */
import type { ComputeManagementClient, VirtualMachineRunCommand, VirtualMachineRunCommandInstanceView } from '@azure/arm-compute';
import { secretValues, type Secret, type Secrets } from '../config/secrets.js';
import { StepError, type StepContext } from '../engine/step.js';
import { loadTemplate, templateParameters } from '../qlik/templates.js';
import { readOptional } from './arm-helpers.js';
import { openStagingStorage } from './installer-staging.js';
import { putRunCommand, retryWhileBusy } from './run-command-retry.js';

export type RunCommandContext = Pick<StepContext, 'azure' | 'config' | 'outputsOf' | 'progress' | 'note' | 'signal'>;

export interface VmTarget {
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
}

export interface ScriptRun {
  readonly vm: VmTarget;
  /** The run command's name; the same for every attempt of a step, so a resume finds it. */
  readonly name: string;
  /** Path under templates/, e.g. 'vm/accounts.ps1'. */
  readonly template: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly secretParameters: Readonly<Record<string, Secret>>;
  /** A local account to run as instead of LocalSystem (the Qlik installer refuses LocalSystem). */
  readonly runAs?: { readonly user: string; readonly password: Secret };
  readonly timeoutSeconds: number;
  /** Advice for the script's documented exit codes. */
  readonly exitAdvice?: Readonly<Record<number, string>>;
}

export interface ScriptOutcome {
  /** The script's `##qlik-azure[result]` JSON. */
  readonly result: Record<string, unknown>;
  /** True when the result came from a run an interrupted invocation had started. */
  readonly adopted: boolean;
}

/** Parameters the templates treat as secret, and that must therefore travel protected. */
export const isSecretParameterName = (name: string): boolean => /(Password|Key|Url)$/.test(name);

const PHASE = '##qlik-azure[phase] ';
const RESULT = '##qlik-azure[result] ';
const TERMINAL_STATES = new Set(['Succeeded', 'Failed', 'TimedOut', 'Canceled']);
const LOG_CONTAINER = 'qlik-azure-run-command-logs';
/** Client-side patience beyond the script's own timeout (Azure reports TimedOut itself). */
const WAIT_GRACE_SECONDS = 600;
/** Instance-view polls are spaced a few LRO poll intervals apart: scripts take minutes. */
const POLL_FACTOR = 2;
/** How much of a failed script's streams goes into the error. */
const FAILURE_LINES = 6;

export async function runScript(ctx: RunCommandContext, run: ScriptRun): Promise<ScriptOutcome> {
  const script = await loadTemplate(run.template);
  checkParameters(run, templateParameters(script));
  const compute = await ctx.azure.compute();
  const pollMs = ctx.azure.connection.pollIntervalMs * POLL_FACTOR;
  const { vm, name } = run;

  const left = await findRunCommand(compute, run);
  if (left) {
    let view = left.instanceView;
    if (!TERMINAL_STATES.has(view?.executionState ?? 'Unknown')) {
      ctx.note(`run command ${name} from an interrupted run is still ${view?.executionState ?? 'starting'} on ${vm.name}; waiting for it instead of starting the script again`);
      view = await followExecution(ctx, compute, run, pollMs);
    }
    if (view?.executionState === 'Succeeded' && view.exitCode === 0 && sameInvocation(left, script, run)) {
      ctx.note(`adopted the result of run command ${name}, which an interrupted run had started`);
      return { result: await consume(ctx, compute, run, view, logLocation(left)), adopted: true };
    }
    // A PUT that repeats a run command's properties need not run its script again: start from nothing.
    await removeRunCommand(ctx, compute, run);
  }

  const body = await runCommandBody(ctx, script, run);
  try {
    await putRunCommand(ctx, `run command ${name}`, vm, () => compute.virtualMachineRunCommands.createOrUpdate(vm.resourceGroup, vm.name, name, body, { updateIntervalInMs: ctx.azure.connection.pollIntervalMs, abortSignal: ctx.signal }), {
      executionState: async () => (await findRunCommand(compute, run))?.instanceView?.executionState,
      remove: () => removeRunCommand(ctx, compute, run),
    });
  } catch (error) {
    throw ctx.signal.aborted ? stoppedWaiting(run) : error;
  }
  const view = await followExecution(ctx, compute, run, pollMs);
  return { result: await consume(ctx, compute, run, view, logLocation(body)), adopted: false };
}

function checkParameters(run: ScriptRun, declared: readonly string[]): void {
  const problems: string[] = [];
  for (const name of [...Object.keys(run.parameters), ...Object.keys(run.secretParameters)]) {
    if (!declared.includes(name)) problems.push(`-${name} is not a parameter of ${run.template}`);
  }
  for (const name of Object.keys(run.parameters)) {
    if (isSecretParameterName(name)) problems.push(`-${name} is a secret and must be sent as a protected parameter`);
  }
  for (const name of Object.keys(run.secretParameters)) {
    if (!isSecretParameterName(name)) problems.push(`-${name} is sent protected but the template does not treat it as secret (names end in Password, Key or Url)`);
  }
  const secrets = secretValuesOf(run);
  for (const [name, value] of Object.entries(run.parameters)) {
    if (secrets.some((secret) => value.includes(secret))) problems.push(`-${name} carries a secret value in a plain parameter`);
  }
  if (run.runAs && secrets.some((secret) => run.runAs!.user.includes(secret))) problems.push('runAsUser carries a secret value');
  // A programming error, not a user's: it must never reach Azure.
  if (problems.length > 0) throw new Error(`refusing to run ${run.template}: ${problems.join('; ')}`);
}

/** Values to look for and mask; as in config/secrets.ts, ones too short to tell from ordinary text are left out. */
function secretValuesOf(run: ScriptRun): string[] {
  return secretValues({ ...run.secretParameters, ...(run.runAs ? { runAs: run.runAs.password } : {}) } as Secrets);
}

function findRunCommand(compute: ComputeManagementClient, run: ScriptRun): Promise<VirtualMachineRunCommand | undefined> {
  return readOptional(() => compute.virtualMachineRunCommands.getByVirtualMachine(run.vm.resourceGroup, run.vm.name, run.name, { expand: 'instanceView' }));
}

/**
 * Secrets are write-only in Azure, so "the same run" is judged on everything else; a URL is compared
 * without its query, because a SAS is new on every attempt while the blob it names is not.
 */
function sameInvocation(found: VirtualMachineRunCommand, script: string, run: ScriptRun): boolean {
  const withoutQuery = (value: string) => (/^https?:\/\//i.test(value) ? value.split('?')[0]! : value);
  const parameters = (list: readonly { name: string; value: string }[] | undefined) =>
    JSON.stringify([...(list ?? [])].map((p) => [p.name, withoutQuery(p.value)]).sort());
  return found.source?.script === script
    && parameters(found.parameters) === parameters(toList(run.parameters))
    && (found.runAsUser ?? '') === (run.runAs?.user ?? '');
}

const toList = (values: Readonly<Record<string, string>>) => Object.entries(values).map(([name, value]) => ({ name, value }));

async function runCommandBody(ctx: RunCommandContext, script: string, run: ScriptRun): Promise<VirtualMachineRunCommand> {
  return {
    location: run.vm.location,
    source: { script },
    parameters: toList(run.parameters),
    protectedParameters: Object.entries(run.secretParameters).map(([name, secret]) => ({ name, value: secret.reveal() })),
    ...(run.runAs ? { runAsUser: run.runAs.user, runAsPassword: run.runAs.password.reveal() } : {}),
    asyncExecution: true,
    treatFailureAsDeploymentFailure: false,
    timeoutInSeconds: run.timeoutSeconds,
    ...(await logBlobs(ctx, run)),
  };
}

/** Append blobs for the full output and error streams, when the deployment has a storage account. */
async function logBlobs(ctx: RunCommandContext, run: ScriptRun): Promise<Pick<VirtualMachineRunCommand, 'outputBlobUri' | 'errorBlobUri'>> {
  try {
    const storage = await openStagingStorage(ctx);
    if (!storage) return {};
    await storage.container(LOG_CONTAINER);
    const stem = `${run.vm.name}/${run.name}/${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const ttl = run.timeoutSeconds + WAIT_GRACE_SECONDS;
    ctx.note(`full output of ${run.template} goes to ${storage.plainUrl(LOG_CONTAINER, `${stem}.output.log`)} (and .error.log)`);
    return {
      outputBlobUri: storage.sasUrl(LOG_CONTAINER, `${stem}.output.log`, 'append', ttl),
      errorBlobUri: storage.sasUrl(LOG_CONTAINER, `${stem}.error.log`, 'append', ttl),
    };
  } catch (error) {
    // Logs beyond 4 KB are a convenience; the script itself must still run.
    ctx.note(`full output of ${run.template} is not kept: the storage account could not be prepared (${(error as Error).message.split('\n')[0]})`);
    return {};
  }
}

/** Polls the instance view until the script ends, reporting its latest phase line. */
async function followExecution(ctx: RunCommandContext, compute: ComputeManagementClient, run: ScriptRun, pollMs: number): Promise<VirtualMachineRunCommandInstanceView | undefined> {
  const deadline = Date.now() + (run.timeoutSeconds + WAIT_GRACE_SECONDS) * 1000;
  let reported = '';
  for (;;) {
    const view = (await findRunCommand(compute, run))?.instanceView;
    const state = view?.executionState ?? 'Unknown';
    if (TERMINAL_STATES.has(state)) return view;
    const status = lastLine(view?.output, PHASE) ?? `${run.template}: ${state.toLowerCase()}`;
    if (status !== reported) ctx.progress((reported = status));
    if (Date.now() > deadline) {
      throw new StepError(`${run.template} on ${run.vm.name} is still ${state} after ${run.timeoutSeconds + WAIT_GRACE_SECONDS} s`, { code: 'RunCommandStuck', advice: inspectAdvice(run) });
    }
    await delay(pollMs, ctx.signal, run);
  }
}

/** The user left while the script runs on: it cannot be cancelled, and the next run picks it up. */
function stoppedWaiting(run: ScriptRun): StepError {
  return new StepError(`stopped waiting for ${run.template}; it keeps running on ${run.vm.name}`, { code: 'Interrupted', advice: 'Run qlik-azure resume: it waits for this run command and adopts its result' });
}

function delay(ms: number, signal: AbortSignal, run: ScriptRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const stopped = () => {
      clearTimeout(timer);
      reject(stoppedWaiting(run));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stopped);
      resolve();
    }, ms);
    if (signal.aborted) stopped();
    else signal.addEventListener('abort', stopped, { once: true });
  });
}

/** Where the full output went, without the SAS. */
const logLocation = (runCommand: VirtualMachineRunCommand): string | undefined => runCommand.outputBlobUri?.split('?')[0];

/** Turns a finished execution into its result, or a StepError; a consumed run command is deleted. */
async function consume(ctx: RunCommandContext, compute: ComputeManagementClient, run: ScriptRun, view: VirtualMachineRunCommandInstanceView | undefined, fullOutput: string | undefined): Promise<Record<string, unknown>> {
  const redact = redactor(run);
  const state = view?.executionState ?? 'Unknown';
  if (state !== 'Succeeded' || view?.exitCode !== 0) {
    const exitCode = view?.exitCode;
    const lines = [...meaningfulLines(view, FAILURE_LINES).map(redact), ...(fullOutput ? [`full output: ${fullOutput}`] : [])];
    const how = state === 'TimedOut' ? `timed out after ${run.timeoutSeconds} s` : `failed${exitCode !== undefined ? ` with exit code ${exitCode}` : ''}`;
    throw new StepError(`${run.template} ${how} on VM ${run.vm.name}${lines.length > 0 ? `:\n  ${lines.join('\n  ')}` : ''}`, {
      code: state === 'TimedOut' ? 'ScriptTimedOut' : 'ScriptFailed',
      advice: (exitCode !== undefined ? run.exitAdvice?.[exitCode] : undefined) ?? inspectAdvice(run),
    });
  }
  const line = lastLine(view.output, RESULT);
  let result: unknown;
  try {
    result = line === undefined ? undefined : JSON.parse(line);
  } catch {
    result = undefined;
  }
  if (!result || typeof result !== 'object' || Array.isArray(result)) {
    throw new StepError(`${run.template} ended without a readable ##qlik-azure[result] line`, { code: 'ScriptResultMissing', advice: inspectAdvice(run) });
  }
  await deleteConsumed(ctx, compute, run);
  return result as Record<string, unknown>;
}

function removeRunCommand(ctx: RunCommandContext, compute: ComputeManagementClient, run: ScriptRun): Promise<void> {
  return retryWhileBusy(ctx, `run command ${run.name}`, run.vm, () => compute.virtualMachineRunCommands.delete(run.vm.resourceGroup, run.vm.name, run.name, { updateIntervalInMs: ctx.azure.connection.pollIntervalMs }));
}

/**
 * Deleting also removes the protected parameters from the VM's extension settings. A run command left in
 * place would be adopted by the next run as a fresh result, so the step is not recorded: resume adopts the
 * result once, as the step's own, and removes the run command then.
 */
async function deleteConsumed(ctx: RunCommandContext, compute: ComputeManagementClient, run: ScriptRun): Promise<void> {
  try {
    await removeRunCommand(ctx, compute, run);
  } catch (error) {
    throw new StepError(`${run.template} succeeded on ${run.vm.name}, but its run command ${run.name} could not be removed (${(error as Error).message.split('\n')[0]}); it still holds the script's protected parameters`, {
      code: 'RunCommandNotRemoved',
      cause: error,
      advice: `Run qlik-azure resume: it adopts the script's result and removes the run command (or remove it yourself: az vm run-command delete -g ${run.vm.resourceGroup} --vm-name ${run.vm.name} --name ${run.name})`,
    });
  }
}

function lastLine(text: string | undefined, prefix: string): string | undefined {
  const lines = (text ?? '').split(/\r?\n/).filter((line) => line.startsWith(prefix));
  return lines.at(-1)?.slice(prefix.length).trim();
}

/** The error stream's own lines first, then the last phases reached. */
function meaningfulLines(view: VirtualMachineRunCommandInstanceView | undefined, count: number): string[] {
  const nonEmpty = (text: string | undefined) => (text ?? '').split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim().length > 0);
  const errors = nonEmpty(view?.error).slice(-count);
  const phases = nonEmpty(view?.output).filter((l) => !l.startsWith(RESULT)).map((l) => l.replace(PHASE, 'phase: ')).slice(-Math.max(2, count - errors.length));
  const message = view?.executionMessage && errors.length === 0 ? [view.executionMessage] : [];
  return [...phases, ...message, ...errors];
}

function redactor(run: ScriptRun): (text: string) => string {
  const secrets = secretValuesOf(run);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

function inspectAdvice(run: ScriptRun): string {
  return `Inspect it with: az vm run-command show -g ${run.vm.resourceGroup} --vm-name ${run.vm.name} --name ${run.name} --instance-view; then run qlik-azure resume`;
}
