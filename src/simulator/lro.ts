// Long-running operations timed on the server: an operation's earliest end is fixed
// when it starts (start + scaled latency), so polls before that answer InProgress no
// matter how fast the client polls. Work with its own duration (Run Command scripts)
// must also have finished.

import type { ProviderFamily } from './latency.js';
import type { Random } from './random.js';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface OperationError {
  code: string;
  message: string;
}

export interface OperationOutcome {
  error?: OperationError;
  /** Extra `properties` on the final status body (action Run Command output). */
  properties?: Record<string, unknown>;
}

export interface OperationSpec {
  family: ProviderFamily;
  subscriptionId: string;
  location: string;
  durationMs: number;
  /** Work that must complete before the operation can end (resolves with its outcome). */
  work?: Promise<OperationOutcome>;
  /** Reported instead of the work's own outcome (injected faults). */
  failWith?: OperationError;
  /** Applied once, when the operation ends, to the resources it changes. */
  onEnd?: (outcome: OperationOutcome) => void;
  /** Body a Location-style poll returns once the operation succeeded (storage create, action Run Command). */
  resultBody?: () => unknown;
  /** Readable job id for resource-group deletion Location URLs. */
  jobId?: string;
  /** The resource the operation changes (its request path): Compute meters status polls per VM (read-budgets.ts). */
  resourceId?: string;
}

export interface TrackedOperation {
  id: string;
  family: ProviderFamily;
  subscriptionId: string;
  location: string;
  resourceId?: string;
  startTime: Date;
  endTime?: Date;
  status: OperationStatus;
  outcome?: OperationOutcome;
  resultBody?: () => unknown;
}

/** A finished operation as JSON: dates as ISO strings, the result body as a value. */
export interface EndedOperation extends Omit<TrackedOperation, 'startTime' | 'endTime' | 'resultBody'> {
  startTime: string;
  endTime?: string;
  resultBody?: unknown;
}

interface PendingOperation {
  operation: TrackedOperation;
  dueAt: number;
  spec: OperationSpec;
  workOutcome?: OperationOutcome;
}

export class OperationTracker {
  private readonly operations = new Map<string, PendingOperation>();

  constructor(private readonly random: Random) {}

  start(spec: OperationSpec): TrackedOperation {
    const startTime = new Date();
    const id = spec.jobId
      ? Buffer.from(JSON.stringify({ jobId: spec.jobId, jobLocation: spec.location, operationId: this.random.guid() })).toString('base64url')
      : this.random.guid();
    const operation: TrackedOperation = {
      id,
      family: spec.family,
      subscriptionId: spec.subscriptionId,
      location: spec.location,
      ...(spec.resourceId ? { resourceId: spec.resourceId } : {}),
      startTime,
      status: 'InProgress',
      ...(spec.resultBody ? { resultBody: spec.resultBody } : {}),
    };
    const pending: PendingOperation = { operation, dueAt: startTime.getTime() + spec.durationMs, spec };
    if (spec.work) {
      spec.work.then(
        (outcome) => (pending.workOutcome = outcome),
        (err: unknown) =>
          (pending.workOutcome = { error: { code: 'InternalOperationError', message: err instanceof Error ? err.message : String(err) } }),
      );
    } else {
      pending.workOutcome = {};
    }
    // Not settled here even when due at once: the response to the initiating request
    // must still show the in-progress state (Updating/Creating), as ARM's does.
    this.operations.set(id, pending);
    return operation;
  }

  get(id: string): TrackedOperation | undefined {
    this.settleDue();
    return this.operations.get(id)?.operation;
  }

  /** Ends every operation whose time has come; called before each request is served. */
  settleDue(): void {
    this.#settle(Date.now());
  }

  /**
   * Ends every operation whose work is done, due or not: a snapshot then holds no half-finished change.
   * The simulator's latency is a few milliseconds, so ending them early is invisible to a client.
   */
  settleFinishedWork(): void {
    this.#settle(Number.POSITIVE_INFINITY);
  }

  /** Ended operations as plain data (the result body evaluated), for a snapshot. */
  endedOperations(): EndedOperation[] {
    return [...this.operations.values()]
      .map(({ operation }) => operation)
      .filter((operation) => operation.status !== 'InProgress')
      .map(({ resultBody, startTime, endTime, ...rest }) => ({
        ...rest,
        startTime: startTime.toISOString(),
        ...(endTime ? { endTime: endTime.toISOString() } : {}),
        ...(resultBody ? { resultBody: resultBody() } : {}),
      }));
  }

  /** Operations a snapshot recorded as ended answer their polls again after a restore. */
  restoreEnded(ended: readonly EndedOperation[]): void {
    for (const { resultBody, startTime, endTime, ...rest } of ended) {
      const operation: TrackedOperation = {
        ...rest,
        startTime: new Date(startTime),
        ...(endTime ? { endTime: new Date(endTime) } : {}),
        ...(resultBody !== undefined ? { resultBody: () => resultBody } : {}),
      };
      const spec: OperationSpec = { family: rest.family, subscriptionId: rest.subscriptionId, location: rest.location, durationMs: 0 };
      this.operations.set(rest.id, { operation, dueAt: 0, spec, workOutcome: rest.outcome ?? {} });
    }
  }

  #settle(now: number): void {
    for (const pending of this.operations.values()) {
      const { operation, spec, workOutcome } = pending;
      if (operation.status !== 'InProgress' || now < pending.dueAt || !workOutcome) continue;
      const outcome: OperationOutcome = spec.failWith ? { ...workOutcome, error: spec.failWith } : workOutcome;
      operation.outcome = outcome;
      operation.status = outcome.error ? 'Failed' : 'Succeeded';
      operation.endTime = new Date(Math.min(now, Date.now()));
      spec.onEnd?.(outcome);
    }
  }

  /** Polling URLs in the shape each resource provider uses (see the recordings README). */
  urls(operation: TrackedOperation, baseUrl: string, apiVersion: string): { asyncOperation: string; location: string } {
    const { subscriptionId: sub, location: loc, id } = operation;
    const q = `api-version=${encodeURIComponent(apiVersion)}`;
    switch (operation.family) {
      case 'network': {
        const root = `${baseUrl}/subscriptions/${sub}/providers/Microsoft.Network/locations/${loc}`;
        return { asyncOperation: `${root}/operations/${id}?${q}`, location: `${root}/operationResults/${id}?${q}` };
      }
      case 'compute': {
        const url = `${baseUrl}/subscriptions/${sub}/providers/Microsoft.Compute/locations/${loc}/operations/${id}?p=${id}`;
        return { asyncOperation: `${url}&${q}`, location: `${url}&monitor=true&${q}` };
      }
      case 'storage': {
        const url = `${baseUrl}/subscriptions/${sub}/providers/Microsoft.Storage/locations/${loc}/asyncoperations/${id}?monitor=true&${q}`;
        return { asyncOperation: url, location: url };
      }
      case 'resources': {
        const url = `${baseUrl}/subscriptions/${sub}/operationresults/${id}?${q}`;
        return { asyncOperation: url, location: url };
      }
    }
  }
}
