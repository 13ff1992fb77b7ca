// Shared long-running write/delete plumbing: starts a timed operation, applies the
// injected LRO faults, and answers with the headers the provider uses for real
// (network and compute: Azure-AsyncOperation; storage and resource groups: Location).

import { takeFault, type RequestContext } from '../context.js';
import type { SimResponse } from '../arm.js';
import { RETRY_AFTER_SECONDS, type ProviderFamily, type TimedOperation } from '../latency.js';
import type { OperationError, OperationOutcome, OperationSpec, TrackedOperation } from '../lro.js';
import type { FaultRule } from '../types.js';

export interface LongRunningRequest {
  family: ProviderFamily;
  location: string;
  timed: TimedOperation;
  /** Error reported when an injected `failLro` rule fires (defaults to a generic provider failure). */
  defaultFailure?: OperationError;
  /** Called when the operation ends with the outcome it reports. */
  onEnd?: (outcome: OperationOutcome) => void;
  work?: Promise<OperationOutcome>;
  resultBody?: () => unknown;
  jobId?: string;
  /** Overrides the injected-fault lookup (VM create also honours osProvisioningTimeout). */
  failWith?: OperationError;
}

/** Error an injected `failLro` rule makes the operation report. */
function injectedFailure(rule: FaultRule | undefined, fallback?: OperationError): OperationError | undefined {
  if (!rule) return undefined;
  return {
    code: rule.code ?? fallback?.code ?? 'InternalOperationError',
    message: rule.message ?? fallback?.message ?? 'The operation failed (fault injected by the ARM simulator).',
  };
}

export function startOperation(ctx: RequestContext, request: LongRunningRequest): TrackedOperation {
  const failWith = request.failWith ?? injectedFailure(takeFault(ctx, ['failLro']), request.defaultFailure);
  const spec: OperationSpec = {
    family: request.family,
    subscriptionId: ctx.params.subscriptionId ?? '',
    location: request.location,
    resourceId: ctx.path,
    durationMs: ctx.sim.latency.durationMs(request.timed),
    ...(request.work ? { work: request.work } : {}),
    ...(failWith ? { failWith } : {}),
    ...(request.onEnd ? { onEnd: request.onEnd } : {}),
    ...(request.resultBody ? { resultBody: request.resultBody } : {}),
    ...(request.jobId ? { jobId: request.jobId } : {}),
  };
  return ctx.sim.operations.start(spec);
}

type HeaderKinds = 'asyncOperation' | 'location' | 'both';

/** LRO response headers; `withRetryAfter` false for responses ARM sends without one (compute actions). */
export function operationHeaders(
  ctx: RequestContext,
  operation: TrackedOperation,
  kinds: HeaderKinds,
  withRetryAfter = true,
): Record<string, string> {
  const urls = ctx.sim.operations.urls(operation, ctx.sim.baseUrl, ctx.apiVersion);
  const headers: Record<string, string> = {};
  if (kinds !== 'location') headers['Azure-AsyncOperation'] = urls.asyncOperation;
  if (kinds !== 'asyncOperation') headers['Location'] = urls.location;
  if (withRetryAfter) headers['Retry-After'] = ctx.sim.latency.retryAfter(RETRY_AFTER_SECONDS[operation.family].initial);
  return headers;
}

/** 202 Accepted with an empty body, as ARM answers DELETE and POST actions. */
export function accepted(headers: Record<string, string>): SimResponse {
  return { status: 202, headers };
}
