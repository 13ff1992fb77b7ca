// Run Command, both flavours:
// - managed (child resource virtualMachines/{vm}/runCommands/{name}): PUT is an LRO
//   (201 + Azure-AsyncOperation, compute style); the script runs through the pluggable
//   executor; the instance view reports execution state, exit code and the last 4 KB
//   of output/error, as Azure does.
// - action (POST virtualMachines/{vm}/runCommand): 202 + Azure-AsyncOperation +
//   Location, the final GET on Location returns { value: InstanceViewStatus[] }.
// Both deliver parameters as Windows does (windows/run-command-transport.ts): an unquoted
// `-Name value` line through cmd.exe and PowerShell's binding, so a value Azure would mangle
// reaches the executor mangled, and a line Windows refuses never reaches it.

import { ArmError, asArray, asObject, asString, invalidParameter, type ArmBody, type SimResponse } from '../arm.js';
import { takeFault, type RequestContext } from '../context.js';
import type { OperationOutcome } from '../lro.js';
import { route, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import type { RunCommandInvocation, RunCommandOutcome } from '../types.js';
import { windowsEnvironment } from '../windows/environment.js';
import { runThroughWindows, type ScriptDelivery } from '../windows/run-command-transport.js';
import { blobAddress } from '../blob-routes.js';
import { accepted, operationHeaders, startOperation } from './provisioning.js';
import { fullType, properties, requireResource, setProvisioningState, templates } from './tracked.js';
import { VM } from './virtual-machines.js';

const RUN_COMMANDS = `${templates(VM).item}/runCommands`;
const RUN_COMMAND_TYPE = `${fullType(VM)}/runCommands`;
/** Azure keeps only the tail of stdout/stderr in the instance view. */
const OUTPUT_LIMIT_BYTES = 4096;

/** Default executor: the script is not run; it "succeeds" with a recognisable output. */
export async function simulatedExecution(): Promise<RunCommandOutcome> {
  return { exitCode: 0, output: 'simulated', error: '' };
}

function lastBytes(text: string, limit = OUTPUT_LIMIT_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= limit ? text : bytes.subarray(bytes.length - limit).toString('utf8');
}

/**
 * Full stdout/stderr go to outputBlobUri/errorBlobUri (append blobs) when they point
 * at this simulator's blob endpoint; the instance view keeps only the tail.
 */
function copyToBlob(ctx: RequestContext, uri: string | undefined, text: string): void {
  if (!uri) return;
  const url = new URL(uri);
  if (url.origin !== ctx.sim.baseUrl) return;
  const at = blobAddress(url.pathname);
  ctx.sim.blobs.replaceAppendBlob(at.account, at.container, at.blob, text);
}

/**
 * A download by the script on the VM: a blob of this simulator, through a SAS that grants read (sp has r)
 * and has not expired; anything else fails as the request would.
 */
function downloadFromBlob(ctx: RequestContext, uri: string): Buffer | undefined {
  const url = new URL(uri);
  if (url.origin !== ctx.sim.baseUrl || !url.searchParams.get('sig') || !(url.searchParams.get('sp') ?? '').includes('r')) return undefined;
  const expiry = Date.parse(url.searchParams.get('se') ?? '');
  if (!Number.isNaN(expiry) && expiry < Date.now()) return undefined;
  const at = blobAddress(url.pathname);
  return ctx.sim.blobs.container(at.account, at.container)?.blobs.get(at.blob)?.content;
}

function nameValues(list: unknown): { name: string; value: string }[] {
  return asArray(list).map((p) => ({ name: String(p.name ?? ''), value: String(p.value ?? '') }));
}

/** The parent VM; Run Command needs it to exist and be provisioned. */
function requireRunnableVm(ctx: RequestContext): StoredResource {
  const vm = requireResource(ctx, VM, ctx.params.name);
  const state = properties(vm.body).provisioningState;
  if (state !== 'Succeeded' || vm.internal?.powerState !== 'running') {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation 'runCommand' is not allowed on VM '${vm.name}' since the VM is not running (provisioningState ${String(state)}).`,
    );
  }
  return vm;
}

/** A run as ARM received it; the Windows transport adds what the script really receives. */
type ArmRunCommand = Omit<RunCommandInvocation, keyof ScriptDelivery>;

function runOnWindows(ctx: RequestContext, vm: StoredResource, run: ArmRunCommand): Promise<RunCommandOutcome> {
  const computerName = asString(asObject(properties(vm.body).osProfile).computerName) ?? vm.name;
  return runThroughWindows(
    { script: run.script, parameters: run.parameters, protectedParameters: run.protectedParameters, environment: windowsEnvironment(computerName, run.runAsUser) },
    (delivery) => ctx.sim.runCommandExecutor({ ...run, ...delivery }),
  );
}

const BUSY_STATES = new Set(['creating', 'updating', 'deleting']);

/**
 * Compute takes one extension operation at a time per VM and does not queue the next one: a Run Command PUT or
 * DELETE while another run command of the VM is still being provisioned or deleted is refused with 409 Conflict
 * (code and message as reported in MicrosoftDocs/azure-docs#110433, Azure/azure-cli#19137 and #32305; the
 * maintainers' advice is to retry, Azure/azure-extensions-cli#14). Scripts that are already provisioned
 * (asyncExecution) run side by side: run-command-managed.md lists "parallel execution of multiple scripts".
 */
function refuseWhileExtensionBusy(ctx: RequestContext, vm: StoredResource): void {
  const prefix = `${vm.id}/runCommands/`.toLowerCase();
  const busy = ctx.sim.store.all().some((r) => r.id.toLowerCase().startsWith(prefix) && BUSY_STATES.has(String(properties(r.body).provisioningState).toLowerCase()));
  if (busy) throw new ArmError(409, 'Conflict', 'Run command extension execution is in progress. Please wait for completion before invoking a run command.');
}

/**
 * Transient `InternalExecutionError`: the PUT's operation ends Failed while the script goes on running on the VM
 * (Azure/azure-cli#21111: "The job is still running on the VM"). The message is the simulator's own wording.
 */
function internalExecutionError(ctx: RequestContext): OperationOutcome['error'] {
  return takeFault(ctx, ['internalExecutionError'])
    ? { code: 'InternalExecutionError', message: 'Run command execution failed with an internal error. Please retry the operation.' }
    : undefined;
}

/**
 * With runAsUser, Azure has been reported to return neither the output nor the error, in the instance
 * view (Azure/azure-powershell#22255) or in the output blob (MicrosoftDocs/azure-docs#108621); the
 * exit code and the execution state still come back.
 */
function asReported(run: ArmRunCommand, outcome: RunCommandOutcome): RunCommandOutcome {
  return run.runAsUser ? { ...outcome, output: '', error: '' } : outcome;
}

/**
 * Runs the script as Windows would, applying timeoutInSeconds and the documented minimum duration
 * (scaled), and returns the instance-view fields for the result.
 */
async function execute(ctx: RequestContext, vm: StoredResource, run: ArmRunCommand): Promise<{ executionState: string; outcome: RunCommandOutcome }> {
  // Timers are unref'd: an in-process simulator (`init --simulate`) must never keep the CLI alive.
  const minimum = new Promise((resolve) => setTimeout(resolve, ctx.sim.latency.durationMs('runCommand')).unref());
  const timeoutMs = (run.timeoutInSeconds ?? 5400) * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs).unref();
  });
  try {
    const result = await Promise.race([runOnWindows(ctx, vm, run), timedOut]);
    await minimum;
    if (result === 'timeout') return { executionState: 'TimedOut', outcome: { exitCode: -1, output: '', error: `Execution timed out after ${run.timeoutInSeconds ?? 5400} seconds.` } };
    return { executionState: result.exitCode === 0 ? 'Succeeded' : 'Failed', outcome: result };
  } catch (err) {
    return { executionState: 'Failed', outcome: { exitCode: -1, output: '', error: err instanceof Error ? err.message : String(err) } };
  } finally {
    clearTimeout(timer);
  }
}

function putRunCommand(ctx: RequestContext): SimResponse {
  const vm = requireRunnableVm(ctx);
  const runCommandName = ctx.params.runCommandName ?? '';
  const location = asString(ctx.body.location);
  if (!location) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  const props = asObject(ctx.body.properties);
  const source = asObject(props.source);
  const script = asString(source.script) ?? asString(source.commandId) ?? asString(source.scriptUri);
  if (!script) throw invalidParameter('Either script, scriptUri or commandId must be specified in source.', 'source');
  refuseWhileExtensionBusy(ctx, vm);
  const id = `${vm.id}/runCommands/${runCommandName}`;
  const existing = ctx.sim.store.get(id);
  const run: ArmRunCommand = {
    subscriptionId: ctx.params.subscriptionId ?? '',
    resourceGroup: ctx.params.resourceGroupName ?? '',
    vmName: vm.name,
    runCommandName,
    script,
    parameters: nameValues(props.parameters),
    protectedParameters: nameValues(props.protectedParameters),
    ...(asString(props.runAsUser) ? { runAsUser: asString(props.runAsUser) } : {}),
    ...(asString(props.runAsPassword) ? { runAsPassword: asString(props.runAsPassword) } : {}),
    ...(typeof props.timeoutInSeconds === 'number' ? { timeoutInSeconds: props.timeoutInSeconds } : {}),
    ...(asString(props.outputBlobUri) ? { outputBlobUri: asString(props.outputBlobUri) } : {}),
    ...(asString(props.errorBlobUri) ? { errorBlobUri: asString(props.errorBlobUri) } : {}),
    download: (uri) => downloadFromBlob(ctx, uri),
  };
  // Secrets are write-only: never stored, never returned.
  const { protectedParameters: _p, runAsPassword: _r, ...visible } = props;
  const body: ArmBody = {
    name: runCommandName,
    id,
    type: RUN_COMMAND_TYPE,
    location,
    ...(ctx.body.tags ? { tags: ctx.body.tags } : {}),
    properties: { ...visible, provisioningState: existing ? 'Updating' : 'Creating' },
  };
  const stored: StoredResource = { id, type: RUN_COMMAND_TYPE, name: runCommandName, resourceGroup: vm.resourceGroup, subscriptionId: vm.subscriptionId, body };
  const view: Record<string, unknown> = { executionState: 'Running', executionMessage: '', exitCode: 0, output: '', error: '', startTime: new Date().toISOString(), statuses: [] };
  stored.internal = { instanceView: view };
  ctx.sim.store.put(stored);
  const execution = execute(ctx, vm, run).then(({ executionState, outcome }): OperationOutcome => {
    const reported = asReported(run, outcome);
    copyToBlob(ctx, run.outputBlobUri, reported.output);
    copyToBlob(ctx, run.errorBlobUri, reported.error);
    Object.assign(view, {
      executionState,
      executionMessage: executionState === 'Succeeded' ? 'Execution completed' : `Execution ${executionState === 'TimedOut' ? 'timed out' : 'failed'}`,
      exitCode: outcome.exitCode,
      output: lastBytes(reported.output),
      error: lastBytes(reported.error),
      endTime: new Date().toISOString(),
    });
    if (executionState === 'Succeeded' || props.treatFailureAsDeploymentFailure !== true) return {};
    return {
      error: {
        code: 'VMExtensionProvisioningError',
        message: `VM has reported a failure when processing extension '${runCommandName}' (publisher 'Microsoft.CPlat.Core' and type 'RunCommandWindows'). Error message: 'Execution ${executionState === 'TimedOut' ? 'timed out' : `completed with exit code ${outcome.exitCode}`}'.`,
      },
    };
  });
  const failWith = internalExecutionError(ctx);
  const operation = startOperation(ctx, {
    family: 'compute',
    location: String(vm.body.location),
    timed: 'runCommand',
    ...(failWith ? { failWith } : {}),
    // asyncExecution: the resource is provisioned once the script has started.
    work: props.asyncExecution === true ? Promise.resolve({}) : execution,
    onEnd: (outcome) => setProvisioningState(stored, outcome.error ? 'Failed' : 'Succeeded'),
  });
  return { status: existing ? 200 : 201, headers: operationHeaders(ctx, operation, 'asyncOperation'), body };
}

function findRunCommand(ctx: RequestContext): StoredResource | undefined {
  const vm = requireResource(ctx, VM, ctx.params.name);
  return ctx.sim.store.get(`${vm.id}/runCommands/${ctx.params.runCommandName ?? ''}`);
}

function withView(runCommand: StoredResource, expand: string | null): ArmBody {
  if (expand !== 'instanceView') return runCommand.body;
  return { ...runCommand.body, properties: { ...properties(runCommand.body), instanceView: runCommand.internal?.instanceView } };
}

function getRunCommand(ctx: RequestContext): SimResponse {
  const runCommand = findRunCommand(ctx);
  if (!runCommand) {
    throw new ArmError(404, 'ResourceNotFound', `The Resource '${RUN_COMMAND_TYPE}/${ctx.params.name ?? ''}/${ctx.params.runCommandName ?? ''}' under resource group '${ctx.params.resourceGroupName ?? ''}' was not found.`);
  }
  return { status: 200, body: withView(runCommand, ctx.query.get('$expand')) };
}

function listRunCommands(ctx: RequestContext): SimResponse {
  const vm = requireResource(ctx, VM, ctx.params.name);
  const prefix = `${vm.id}/runCommands/`.toLowerCase();
  const items = ctx.sim.store.all().filter((r) => r.id.toLowerCase().startsWith(prefix));
  return { status: 200, body: { value: items.map((r) => withView(r, ctx.query.get('$expand'))) } };
}

/** Deleting a managed Run Command also stops its script on a real VM. */
function deleteRunCommand(ctx: RequestContext): SimResponse {
  const runCommand = findRunCommand(ctx);
  if (!runCommand) return { status: 204 };
  refuseWhileExtensionBusy(ctx, requireResource(ctx, VM, ctx.params.name));
  setProvisioningState(runCommand, 'Deleting');
  const operation = startOperation(ctx, {
    family: 'compute',
    location: String(runCommand.body.location),
    timed: 'runCommandDelete',
    onEnd: () => ctx.sim.store.delete(runCommand.id),
  });
  return accepted(operationHeaders(ctx, operation, 'both'));
}

const ACTION_COMMAND_IDS = ['RunPowerShellScript', 'RunShellScript', 'IPConfig', 'EnableAdminAccount', 'EnableRemotePS', 'ResetRDPCert', 'RDPSettings', 'SetRDPPort', 'DisableNLA'];

function statusEntry(stream: 'StdOut' | 'StdErr', message: string): Record<string, unknown> {
  return { code: `ComponentStatus/${stream}/succeeded`, level: 'Info', displayStatus: 'Provisioning succeeded', message };
}

function postRunCommand(ctx: RequestContext): SimResponse {
  const vm = requireRunnableVm(ctx);
  const commandId = asString(ctx.body.commandId) ?? '';
  if (!ACTION_COMMAND_IDS.some((c) => c.toLowerCase() === commandId.toLowerCase())) {
    throw new ArmError(404, 'NotFound', 'The entity was not found in this Azure location.');
  }
  if (vm.internal?.actionRunCommandBusy) {
    throw new ArmError(409, 'Conflict', 'Run command extension execution is in progress. Please wait for completion before invoking a run command.');
  }
  vm.internal = { ...vm.internal, actionRunCommandBusy: true };
  let result: unknown = { value: [] };
  const run: ArmRunCommand = {
    subscriptionId: ctx.params.subscriptionId ?? '',
    resourceGroup: ctx.params.resourceGroupName ?? '',
    vmName: vm.name,
    runCommandName: commandId,
    script: Array.isArray(ctx.body.script) ? ctx.body.script.map(String).join('\n') : '',
    parameters: nameValues(ctx.body.parameters),
    protectedParameters: [],
    timeoutInSeconds: 5400,
  };
  const work = execute(ctx, vm, run).then(({ outcome }): OperationOutcome => {
    const value = [statusEntry('StdOut', lastBytes(outcome.output)), statusEntry('StdErr', lastBytes(outcome.error))];
    result = { value };
    return { properties: { output: { value } } };
  });
  const operation = startOperation(ctx, {
    family: 'compute',
    location: String(vm.body.location),
    timed: 'actionRunCommand',
    work,
    onEnd: () => {
      vm.internal = { ...vm.internal, actionRunCommandBusy: false };
    },
    resultBody: () => result,
  });
  return accepted(operationHeaders(ctx, operation, 'both', false));
}

/**
 * After a restore, a script the previous simulator was still running has nobody running it (its process
 * is gone, as after a VM restart): it ends Canceled, so a client starts it again instead of waiting forever.
 * Also frees a VM whose action Run Command was in flight.
 */
export function cancelOrphanedExecutions(resources: readonly StoredResource[]): void {
  for (const resource of resources) {
    if (resource.type.toLowerCase() === fullType(VM).toLowerCase() && resource.internal?.actionRunCommandBusy) {
      resource.internal = { ...resource.internal, actionRunCommandBusy: false };
    }
    if (resource.type.toLowerCase() !== RUN_COMMAND_TYPE.toLowerCase()) continue;
    const view = asObject(resource.internal?.instanceView);
    if (view.executionState !== 'Running' && view.executionState !== 'Pending') continue;
    resource.internal = { ...resource.internal, instanceView: { ...view, executionState: 'Canceled', executionMessage: 'Execution canceled: the simulator running it stopped', endTime: new Date().toISOString() } };
    const state = properties(resource.body).provisioningState;
    if (state === 'Creating' || state === 'Updating') setProvisioningState(resource, 'Failed');
  }
}

export const runCommandRoutes: Route[] = [
  route('GET', RUN_COMMANDS, listRunCommands),
  route('PUT', `${RUN_COMMANDS}/{runCommandName}`, putRunCommand),
  route('GET', `${RUN_COMMANDS}/{runCommandName}`, getRunCommand),
  route('DELETE', `${RUN_COMMANDS}/{runCommandName}`, deleteRunCommand),
  route('POST', `${templates(VM).item}/runCommand`, postRunCommand),
];
