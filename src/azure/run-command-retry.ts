/**
 * What to do when Azure refuses or loses a managed Run Command for reasons that pass:
 * - 409 Conflict "Run command extension execution is in progress" (also `AnotherOperationInProgress`): Compute
 *   takes one extension operation per VM at a time and does not queue the next (Azure/azure-powershell#15845,
 *   MicrosoftDocs/azure-docs#110433); the extension maintainers' advice is to retry (Azure/azure-extensions-cli#14).
 *   Retried with backoff, with a note, as PUT and DELETE.
 * - Since Azure serialises them anyway, this process sends one extension operation (PUT or DELETE of a run
 *   command) per VM at a time, in the order asked: two steps that start together then queue for the length of a
 *   provisioning instead of colliding and backing off for longer. Scripts still run side by side once
 *   provisioned (asyncExecution; run-command-managed.md: "parallel execution of multiple scripts").
 * - `InternalExecutionError` ending the PUT's operation while the script may still run on the VM
 *   (Azure/azure-cli#21111): a run command Azure reports as executing (or done) is followed, not sent again;
 *   otherwise it is removed and sent again after a pause.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AzureConnection } from './services.js';

export interface RetryContext {
  readonly azure: { readonly connection: Pick<AzureConnection, 'pollIntervalMs' | 'timeScale'> };
  readonly signal: AbortSignal;
  note(message: string): void;
}

/** Real-world seconds between attempts: about five minutes in all, well beyond a run command's provisioning. */
const BACKOFF_SECONDS = [5, 10, 20, 40, 60, 60, 60, 60] as const;
/** How often a PUT lost to InternalExecutionError is sent again. */
const INTERNAL_ERROR_RETRIES = 3;
/** States in which the script ran or runs: following it is right, sending it again is not. */
const RAN_OR_RUNNING = new Set(['Pending', 'Running', 'Succeeded']);

interface ErrorLike {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message?: string;
}

export function isExtensionBusy(error: unknown): boolean {
  const { statusCode, code, message } = (error ?? {}) as ErrorLike;
  return statusCode === 409 && (code === 'Conflict' || code === 'AnotherOperationInProgress' || /execution is in progress/i.test(message ?? ''));
}

export function isInternalExecutionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as ErrorLike;
  return code === 'InternalExecutionError' || /\bInternalExecutionError\b/.test(message ?? '');
}

/** Waits the attempt's backoff (scaled to this Azure's pace, never below the poll interval); returns its real-world seconds. */
async function backoff(ctx: RetryContext, attempt: number, announce: (seconds: number) => string): Promise<void> {
  const seconds = BACKOFF_SECONDS[Math.min(attempt, BACKOFF_SECONDS.length - 1)]!;
  ctx.note(announce(seconds));
  const { pollIntervalMs, timeScale } = ctx.azure.connection;
  await sleep(Math.max(pollIntervalMs, seconds * 1000 * (timeScale ?? 0)), undefined, { signal: ctx.signal });
}

export interface VmRef {
  readonly resourceGroup: string;
  readonly name: string;
}

/** The last extension operation this process sent to each VM; the next one waits for it. */
const extensionQueues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(vm: VmRef, operation: () => Promise<T>): Promise<T> {
  const key = `${vm.resourceGroup}/${vm.name}`.toLowerCase();
  const previous = extensionQueues.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(operation);
  const settled = mine.catch(() => undefined);
  extensionQueues.set(key, settled);
  void settled.then(() => {
    if (extensionQueues.get(key) === settled) extensionQueues.delete(key);
  });
  return mine;
}

/** Runs `operation` (one extension operation on the VM at a time), retrying while the VM's extension handler is busy. */
export async function retryWhileBusy<T>(ctx: RetryContext, what: string, vm: VmRef, operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await oneAtATime(vm, operation);
    } catch (error) {
      if (!isExtensionBusy(error) || attempt >= BACKOFF_SECONDS.length) throw error;
      await backoff(ctx, attempt, (seconds) => `${what}: Azure is busy with another Run Command on ${vm.name} (409 Conflict); trying again in ${seconds} s`);
    }
  }
}

export interface LostRunRecovery {
  /** The run command's execution state as Azure reports it now, undefined when there is none. */
  executionState(): Promise<string | undefined>;
  /** Removes the run command, so that the next PUT runs the script afresh. */
  remove(): Promise<void>;
}

/** PUTs a run command; busy extensions are waited out, and an InternalExecutionError is looked into before anything is sent again. */
export async function putRunCommand(ctx: RetryContext, what: string, vm: VmRef, put: () => Promise<unknown>, recovery: LostRunRecovery): Promise<void> {
  const vmName = vm.name;
  for (let attempt = 0; ; attempt++) {
    try {
      await retryWhileBusy(ctx, what, vm, put);
      return;
    } catch (error) {
      if (!isInternalExecutionError(error) || attempt >= INTERNAL_ERROR_RETRIES) throw error;
      const state = await recovery.executionState();
      if (state !== undefined && RAN_OR_RUNNING.has(state)) {
        ctx.note(`${what}: Azure reported InternalExecutionError, but the script is ${state.toLowerCase()} on ${vmName}; following it rather than sending it again`);
        return;
      }
      const outcome = state === undefined ? 'never started' : `ended ${state}`;
      await backoff(ctx, attempt, (seconds) => `${what}: Azure reported InternalExecutionError and the script ${outcome} on ${vmName}; sending it again in ${seconds} s`);
      await recovery.remove();
    }
  }
}
