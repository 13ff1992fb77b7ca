// Polling endpoints for long-running operations, one per provider URL shape:
// - Azure-AsyncOperation status (network, compute): 200 {status, ...}
// - Location monitors (storage, resource groups, compute/network operationResults):
//   202 while running, then 200 (storage: with the resource; actions: with the result).

import { type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { RETRY_AFTER_SECONDS } from '../latency.js';
import type { TrackedOperation } from '../lro.js';
import { route, type Route } from '../router.js';
import { ArmError } from '../arm.js';

function requireOperation(ctx: RequestContext): TrackedOperation {
  const operation = ctx.sim.operations.get(ctx.params.operationId ?? '');
  if (!operation) {
    throw new ArmError(404, 'OperationNotFound', `The operation '${ctx.params.operationId ?? ''}' could not be found.`);
  }
  return operation;
}

function pollRetryAfter(ctx: RequestContext, operation: TrackedOperation): Record<string, string> {
  return operation.status === 'InProgress'
    ? { 'Retry-After': ctx.sim.latency.retryAfter(RETRY_AFTER_SECONDS[operation.family].poll) }
    : {};
}

/** Status body: network sends only `status` (+ `error`); compute adds name, startTime, endTime. */
function statusBody(operation: TrackedOperation): Record<string, unknown> {
  const error = operation.status === 'Failed' ? { error: operation.outcome?.error } : {};
  if (operation.family === 'network') return { status: operation.status, ...error };
  return {
    startTime: operation.startTime.toISOString(),
    ...(operation.endTime ? { endTime: operation.endTime.toISOString() } : {}),
    status: operation.status,
    ...(operation.outcome?.properties ? { properties: operation.outcome.properties } : {}),
    ...error,
    name: operation.id,
  };
}

function monitor(ctx: RequestContext, operation: TrackedOperation): SimResponse {
  if (operation.status === 'InProgress') {
    const self = ctx.sim.operations.urls(operation, ctx.sim.baseUrl, ctx.apiVersion).location;
    return { status: 202, headers: { Location: self, ...pollRetryAfter(ctx, operation) } };
  }
  const error = operation.outcome?.error;
  if (error) return { status: 400, body: { error } };
  const result = operation.resultBody?.();
  return result === undefined ? { status: 200 } : { status: 200, body: result };
}

function asyncOperationStatus(ctx: RequestContext): SimResponse {
  const operation = requireOperation(ctx);
  if (ctx.query.get('monitor') === 'true') return monitor(ctx, operation);
  return { status: 200, headers: pollRetryAfter(ctx, operation), body: statusBody(operation) };
}

const locationMonitor = (ctx: RequestContext): SimResponse => monitor(ctx, requireOperation(ctx));

const LOCATIONS = '/subscriptions/{subscriptionId}/providers/{namespace}/locations/{location}';

export const operationRoutes: Route[] = [
  route('GET', `${LOCATIONS}/operations/{operationId}`, asyncOperationStatus),
  // Managed disks' operations (js-vm-delete.json); Location adds monitor=true, as for compute.
  route('GET', `${LOCATIONS}/DiskOperations/{operationId}`, asyncOperationStatus),
  route('GET', `${LOCATIONS}/operationResults/{operationId}`, locationMonitor),
  route('GET', `${LOCATIONS}/asyncoperations/{operationId}`, locationMonitor),
  route('GET', '/subscriptions/{subscriptionId}/operationresults/{operationId}', locationMonitor),
];
