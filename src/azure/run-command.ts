/**
 * Runs a template on the VM through Azure managed Run Command (PUT virtualMachines/{vm}/runCommands/{name}).
 *
 * - What Azure runs is the template inside an envelope (script-envelope.ts, templates/lib/envelope.ps1) with
 *   two parameters: QlikInputs and QlikProtectedInputs, each base64url of the UTF-8 JSON of its inputs, so
 *   that Windows' unquoted, cmd.exe-parsed `-Name value` command line cannot split or eat any value.
 * - Secrets travel only inside QlikProtectedInputs, a protected parameter, which Azure never returns; which
 *   inputs are secret is decided by name (…Password, …Key, …Url: a link may carry a SAS), the contract
 *   the templates mask by. QlikInputs is readable by anyone who may read the VM.
 * - Every script runs as LocalSystem: no runAsUser, whose output has been reported empty
 *   (azure-powershell#22255, azure-docs#108621). A template that must run as the Qlik service account
 *   gets there through the envelope's one-shot scheduled task, with the account's name and password as
 *   inputs (the password protected).
 * - The script runs asynchronously (asyncExecution) and is followed through its instance view, so a fresh
 *   run and a run found still going after a crash are followed by the same loop, with progress from the
 *   latest `##qlik-azure[phase]` line. treatFailureAsDeploymentFailure is off: the exit code and the error
 *   stream say more than a failed deployment.
 * - The name is deterministic per step. A run command that exists when a step starts was left by a run that
 *   stopped before reading its result, or by a failure (consumed ones are deleted): it is waited for while
 *   running, and its result adopted when it succeeded with the same script, parameters and identity;
 *   otherwise it is deleted and the script runs afresh.
 * - cmd.exe takes at most 8191 characters. Protected inputs that would not fit (a PFX, a LEF) go to a private
 *   blob of the deployment's storage account; the protected input then holds only a short read-only SAS
 *   link to it, which the envelope downloads. The blob is deleted once the script has ended.
 * - Azure keeps only 4 KB of output; when the deployment has a storage account, the full streams go to
 *   append blobs there.
 */
import type { ComputeManagementClient, VirtualMachineRunCommand, VirtualMachineRunCommandInstanceView } from '@azure/arm-compute';
import { secretValues, type Secret, type Secrets } from '../config/secrets.js';
import { StepError, type StepContext } from '../engine/step.js';
import { loadTemplate, templateParameters } from '../qlik/templates.js';
import { readOptional } from './arm-helpers.js';
import { openStagingStorage } from './installer-staging.js';
import { randomUUID } from 'node:crypto';
import { putRunCommand, retryWhileBusy } from './run-command-retry.js';
import { decodeInputs, encodeInputs, envelopeScript, PLAIN_INPUTS, PROTECTED_INPUTS, RUN_AS_ACCOUNT, RUN_AS_PASSWORD, RUN_AS_TIMEOUT, STAGED_INPUTS } from './script-envelope.js';

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
  /** Who the template runs as; see RunIdentity. */
  readonly runsAs: RunIdentity;
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

/**
 * LocalSystem: Run Command's own identity. A service account: the envelope, still started as LocalSystem,
 * runs the template as that local account through a one-shot scheduled task (QRS accepts only Qlik's
 * client certificate, which lives in the service account's personal store).
 */
export type RunIdentity = 'LocalSystem' | { readonly serviceAccount: string; readonly password: Secret };

/** Parameters the templates treat as secret, and that must therefore travel protected. */
export const isSecretParameterName = (name: string): boolean => /(Password|Key|Url)$/.test(name);

const PHASE = '##qlik-azure[phase] ';
const RESULT = '##qlik-azure[result] ';
const TERMINAL_STATES = new Set(['Succeeded', 'Failed', 'TimedOut', 'Canceled']);
const LOG_CONTAINER = 'qlik-azure-run-command-logs';
const INPUTS_CONTAINER = 'qlik-azure-run-command-inputs';
/** Room the SAS link of staged inputs takes in the protected input. */
const STAGED_LINK_CHARS = 600;
/** Client-side patience beyond the script's own timeout (Azure reports TimedOut itself). */
const WAIT_GRACE_SECONDS = 600;
/** Instance-view polls are spaced a few LRO poll intervals apart: scripts take minutes. */
const POLL_FACTOR = 2;
/** How much of a failed script's streams goes into the error. */
const FAILURE_LINES = 6;
/**
 * cmd.exe refuses a command line over 8191 characters; Run Command's own part of it (powershell.exe, its
 * switches and the script's path under C:\Packages\Plugins\…) takes a few hundred.
 */
export const INPUTS_BUDGET_CHARS = 7500;
/** The scheduled task's run as the service account must end before Run Command's timeout kills the envelope. */
const RUN_AS_MARGIN_SECONDS = 60;
/** The envelope's own exit codes (templates/lib/envelope.ps1), when the step has no advice of its own. */
const ENVELOPE_EXIT_ADVICE: Readonly<Record<number, string>> = {
  5: 'The VM could not download its staged inputs from the storage account. Fix: check that the VM reaches the storage account over HTTPS, then run qlik-azure resume',
  3: 'Windows would not run the script as the Qlik service account. Fix: check that step 38 created it and that serviceAccountPassword in the secrets file is its password, then run qlik-azure resume',
  4: 'The script did not finish in time as the Qlik service account and was stopped. Fix: check the Qlik Sense services on the VM, then run qlik-azure resume',
};

export async function runScript(ctx: RunCommandContext, run: ScriptRun): Promise<ScriptOutcome> {
  const template = await loadTemplate(run.template);
  checkParameters(run, templateParameters(template));
  const script = await envelopeScript(template, run.template);
  const inputs = envelopeInputs(run);
  checkPlainInputs(run, inputs);
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
    if (view?.executionState === 'Succeeded' && view.exitCode === 0 && sameInvocation(left, script, inputs.plain)) {
      ctx.note(`adopted the result of run command ${name}, which an interrupted run had started`);
      return { result: await consume(ctx, compute, run, view, logLocation(left)), adopted: true };
    }
    // A PUT that repeats a run command's properties need not run its script again: start from nothing.
    await removeRunCommand(ctx, compute, run);
  }

  const sent = await fitCommandLine(ctx, run, inputs);
  let view: VirtualMachineRunCommandInstanceView | undefined;
  let body: VirtualMachineRunCommand;
  try {
    body = await runCommandBody(ctx, script, run, sent.inputs);
    try {
      await putRunCommand(ctx, `run command ${name}`, vm, () => compute.virtualMachineRunCommands.createOrUpdate(vm.resourceGroup, vm.name, name, body, { updateIntervalInMs: ctx.azure.connection.pollIntervalMs, abortSignal: ctx.signal }), {
        executionState: async () => (await findRunCommand(compute, run))?.instanceView?.executionState,
        remove: () => removeRunCommand(ctx, compute, run),
      });
    } catch (error) {
      throw ctx.signal.aborted ? stoppedWaiting(run) : error;
    }
    view = await followExecution(ctx, compute, run, pollMs);
  } finally {
    // A script still running (the user stopped waiting) may not have read them yet: they expire with their SAS.
    if (!ctx.signal.aborted) await sent.removeStaged();
  }
  return { result: await consume(ctx, compute, run, view, logLocation(body)), adopted: false };
}

function checkParameters(run: ScriptRun, declared: readonly string[]): void {
  const problems: string[] = [];
  for (const name of [...Object.keys(run.parameters), ...Object.keys(run.secretParameters)]) {
    if (!declared.includes(name)) problems.push(`-${name} is not a parameter of ${run.template}`);
  }
  for (const name of declared.filter((n) => ENVELOPE_NAMES.includes(n))) problems.push(`${run.template} declares -${name}, a name the envelope keeps for itself`);
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
  const { runsAs } = run;
  if (runsAs !== 'LocalSystem' && secrets.some((secret) => runsAs.serviceAccount.includes(secret))) problems.push('the service account name carries a secret value');
  // A programming error, not a user's: it must never reach Azure.
  if (problems.length > 0) throw new Error(`refusing to run ${run.template}: ${problems.join('; ')}`);
}

/** Values to look for and mask; as in config/secrets.ts, ones too short to tell from ordinary text are left out. */
function secretValuesOf(run: ScriptRun): string[] {
  return secretValues({ ...run.secretParameters, ...(run.runsAs !== 'LocalSystem' ? { runAs: run.runsAs.password } : {}) } as Secrets);
}

const ENVELOPE_NAMES: readonly string[] = [PLAIN_INPUTS, PROTECTED_INPUTS, RUN_AS_ACCOUNT, RUN_AS_PASSWORD, RUN_AS_TIMEOUT, STAGED_INPUTS];

export interface EnvelopeInputs {
  readonly plain: Readonly<Record<string, string>>;
  readonly protected: Readonly<Record<string, string>>;
}

/** What the envelope is sent: the template's inputs, and how to reach the service account when it runs as that. */
export function envelopeInputs(run: Pick<ScriptRun, 'parameters' | 'secretParameters' | 'runsAs' | 'timeoutSeconds'>): EnvelopeInputs {
  const secrets = Object.fromEntries(Object.entries(run.secretParameters).map(([name, secret]) => [name, secret.reveal()]));
  if (run.runsAs === 'LocalSystem') return { plain: run.parameters, protected: secrets };
  const waitSeconds = Math.max(RUN_AS_MARGIN_SECONDS, run.timeoutSeconds - RUN_AS_MARGIN_SECONDS);
  return {
    plain: { ...run.parameters, [RUN_AS_ACCOUNT]: run.runsAs.serviceAccount, [RUN_AS_TIMEOUT]: String(waitSeconds) },
    protected: { ...secrets, [RUN_AS_PASSWORD]: run.runsAs.password.reveal() },
  };
}

const encodedLength = (inputs: EnvelopeInputs) => encodeInputs(inputs.plain).length + encodeInputs(inputs.protected).length;

/** A command line cmd.exe would refuse never leaves; the message names the largest input, never its value. */
function tooLarge(run: ScriptRun, values: Readonly<Record<string, string>>, length: number, why: string): StepError {
  const [largest, size] = Object.entries(values)
    .map(([name, value]) => [name, Buffer.byteLength(value, 'utf8')] as const)
    .reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0] as const);
  return new StepError(`the inputs of ${run.template} take ${length} characters once encoded, more than the ${INPUTS_BUDGET_CHARS} a Windows command line leaves them (the largest is -${largest}, ${size} bytes)${why}`, {
    code: 'RunCommandInputsTooLarge',
    advice: `Make -${largest} smaller (e.g. a PFX without the extra chain certificates), then run qlik-azure resume`,
  });
}

/** Plain inputs are never staged (they are small by nature): too many is refused before Azure is called. */
function checkPlainInputs(run: ScriptRun, inputs: EnvelopeInputs): void {
  const length = encodedLength({ plain: inputs.plain, protected: { [STAGED_INPUTS]: 'x'.repeat(STAGED_LINK_CHARS) } });
  if (length > INPUTS_BUDGET_CHARS) throw tooLarge(run, inputs.plain, length, '');
}

interface SentInputs {
  readonly inputs: EnvelopeInputs;
  /** Deletes the blob of staged inputs, if any. */
  removeStaged(): Promise<void>;
}

/** The inputs as sent: as they are when they fit the command line, else the protected ones staged as a blob. */
async function fitCommandLine(ctx: RunCommandContext, run: ScriptRun, inputs: EnvelopeInputs): Promise<SentInputs> {
  const length = encodedLength(inputs);
  if (length <= INPUTS_BUDGET_CHARS) return { inputs, removeStaged: async () => undefined };
  const storage = await openStagingStorage(ctx);
  if (!storage) throw tooLarge(run, inputs.protected, length, ', and the deployment has no storage account to stage them in');
  const container = await storage.container(INPUTS_CONTAINER);
  const blob = container.getBlockBlobClient(`${run.vm.name}/${run.name}/${randomUUID()}.json`);
  const content = Buffer.from(JSON.stringify(inputs.protected), 'utf8');
  await blob.upload(content, content.length);
  ctx.note(`the protected inputs of ${run.template} (${content.length} bytes) are too long for a Windows command line: staged at ${storage.plainUrl(INPUTS_CONTAINER, blob.name)} for the VM to download, deleted after the run`);
  return {
    inputs: { plain: inputs.plain, protected: { [STAGED_INPUTS]: storage.sasUrl(INPUTS_CONTAINER, blob.name, 'read', run.timeoutSeconds + WAIT_GRACE_SECONDS) } },
    async removeStaged() {
      try {
        await blob.deleteIfExists();
      } catch (error) {
        ctx.note(`the staged inputs at ${storage.plainUrl(INPUTS_CONTAINER, blob.name)} could not be deleted (${(error as Error).message.split('\n')[0]}); their SAS expires on its own`);
      }
    },
  };
}

function findRunCommand(compute: ComputeManagementClient, run: ScriptRun): Promise<VirtualMachineRunCommand | undefined> {
  return readOptional(() => compute.virtualMachineRunCommands.getByVirtualMachine(run.vm.resourceGroup, run.vm.name, run.name, { expand: 'instanceView' }));
}

/**
 * Secrets are write-only in Azure, so "the same run" is judged on everything else: the script (template
 * and envelope), and the decoded plain inputs, which include the service account a run went through. A URL
 * is compared without its query, because a SAS is new on every attempt while the blob it names is not.
 */
function sameInvocation(found: VirtualMachineRunCommand, script: string, plain: Readonly<Record<string, string>>): boolean {
  const withoutQuery = (value: string) => (/^https?:\/\//i.test(value) ? value.split('?')[0]! : value);
  const comparable = (values: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(values).map(([name, value]) => [name, withoutQuery(value)]).sort());
  const sent = found.parameters ?? [];
  const foundPlain = sent.length === 1 && sent[0]!.name === PLAIN_INPUTS ? decodeInputs(sent[0]!.value ?? '') : undefined;
  return found.source?.script === script && !found.runAsUser && foundPlain !== undefined && comparable(foundPlain) === comparable(plain);
}

async function runCommandBody(ctx: RunCommandContext, script: string, run: ScriptRun, inputs: EnvelopeInputs): Promise<VirtualMachineRunCommand> {
  return {
    location: run.vm.location,
    source: { script },
    parameters: [{ name: PLAIN_INPUTS, value: encodeInputs(inputs.plain) }],
    protectedParameters: [{ name: PROTECTED_INPUTS, value: encodeInputs(inputs.protected) }],
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
      advice: (exitCode !== undefined ? (run.exitAdvice?.[exitCode] ?? ENVELOPE_EXIT_ADVICE[exitCode]) : undefined) ?? inspectAdvice(run),
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
