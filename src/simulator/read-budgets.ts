// Compute's per-VM read budgets. The Compute resource provider meters reads per resource in token
// buckets (MicrosoftDocs azure-compute-docs, virtual-machines/compute-throttling-limits.md):
// - GetOperation (status polls of a VM's long-running operations, Run Command ones included): 45 held,
//   15 a minute back;
// - LowCostGet (GET of the VM, its instance view, its run commands): 36 held, 12 a minute back.
// Every metered answer carries what is left, in the recorded form
//   x-ms-ratelimit-remaining-resource: Microsoft.Compute/GetOperationResource;44,Microsoft.Compute/GetOperationSubscriptionMaximum;14999
//   x-ms-ratelimit-remaining-resource: Microsoft.Compute/LowCostGetSubscriptionMaximum;23997,Microsoft.Compute/LowCostGetResource;33
// (shared/fixtures/azure-recordings js-vm-create.json, java-vm-runcommand.json, js-vm-get.json). Past the budget
// Compute answers 429 with Retry-After and `OperationNotAllowed` / details `TooManyRequests` whose message is a
// serialised {operationGroup, startTime, endTime, allowedRequestCount, measuredRequestCount}
// (virtual-machines/troubleshooting/troubleshooting-throttling-errors.md). Refill time scales with latencyScale
// like every other duration; at scale 0 buckets refill at once and never run dry.

import { ArmError, type SimResponse } from './arm.js';
import type { OperationTracker } from './lro.js';

export const READ_BUDGETS = {
  GetOperation: { capacity: 45, perMinute: 15 },
  LowCostGet: { capacity: 36, perMinute: 12 },
} as const;
export type ReadBudgetKind = keyof typeof READ_BUDGETS;

/** Subscription-wide counters as recorded (14999 / 23999 after one read); not documented per minute, never binding for one deployment. */
const SUBSCRIPTION_MAXIMUM: Record<ReadBudgetKind, number> = { GetOperation: 15_000, LowCostGet: 24_000 };
const RATE_LIMIT_HEADER = 'x-ms-ratelimit-remaining-resource';

/** A token bucket on the simulator's clock: `perMinute` tokens come back per (scaled) minute. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    private readonly perMinute: number,
    private readonly scale: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    const refilled = this.scale === 0 ? this.capacity : this.tokens + ((now - this.updatedAt) * this.perMinute) / (60_000 * this.scale);
    this.tokens = Math.min(this.capacity, refilled);
    this.updatedAt = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  remaining(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  /** Real milliseconds until the next whole token. */
  msUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 60_000 * this.scale) / this.perMinute;
  }
}

export interface ReadCharge {
  /** Header for the answer (also on a refusal). */
  headers: Record<string, string>;
  /** The 429 to send instead of serving the read; undefined when the read is within budget. */
  refusal?: SimResponse;
}

const VM_PATH = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+)(?:\/instanceView|\/runCommands(?:\/[^/]+)?)?\/?$/i;
const COMPUTE_OPERATION = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/locations\/[^/]+\/operations\/([^/]+)\/?$/i;

/** The VM a resource path belongs to (itself or a child of it), lower-cased. */
export function vmOf(path: string): string | undefined {
  const match = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+)/i.exec(path);
  return match?.[1]?.toLowerCase();
}

export class ReadBudgets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly scale: number,
    private readonly operations: OperationTracker,
    private readonly now: () => number = Date.now,
  ) {}

  /** Which bucket a request draws on: VM reads and status polls of a VM's operations; nothing else is metered here. */
  private classify(method: string, path: string): { kind: ReadBudgetKind; vm: string; subscription: string } | undefined {
    if (method !== 'GET') return undefined;
    const subscription = (/^\/subscriptions\/([^/]+)/i.exec(path)?.[1] ?? '').toLowerCase();
    const read = VM_PATH.exec(path);
    if (read?.[1]) return { kind: 'LowCostGet', vm: read[1].toLowerCase(), subscription };
    const poll = COMPUTE_OPERATION.exec(path);
    const vm = poll?.[1] ? vmOf(this.operations.get(poll[1])?.resourceId ?? '') : undefined;
    return vm ? { kind: 'GetOperation', vm, subscription } : undefined;
  }

  private bucket(key: string, capacity: number, perMinute: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(capacity, perMinute, this.scale, this.now())));
    return bucket;
  }

  /** Charges a read to its budgets; undefined for requests no budget meters. */
  charge(method: string, path: string): ReadCharge | undefined {
    const target = this.classify(method, path);
    if (!target) return undefined;
    const { kind, vm, subscription } = target;
    const { capacity, perMinute } = READ_BUDGETS[kind];
    const now = this.now();
    const resource = this.bucket(`${kind}|${vm}`, capacity, perMinute);
    const maximum = SUBSCRIPTION_MAXIMUM[kind];
    const subscriptionBucket = this.bucket(`${kind}|${subscription}`, maximum, maximum);
    const allowed = resource.take(now) && subscriptionBucket.take(now);
    const parts = {
      resource: `Microsoft.Compute/${kind}Resource;${resource.remaining(now)}`,
      subscription: `Microsoft.Compute/${kind}SubscriptionMaximum;${subscriptionBucket.remaining(now)}`,
    };
    // The order of the two parts differs per group in the recordings; kept as recorded.
    const headers = { [RATE_LIMIT_HEADER]: kind === 'GetOperation' ? `${parts.resource},${parts.subscription}` : `${parts.subscription},${parts.resource}` };
    if (allowed) return { headers };
    const retryAfter = Math.max(1, Math.ceil(resource.msUntilToken(now) / 1000));
    const group = `${kind}Resource`;
    const detail = JSON.stringify({
      operationGroup: group,
      startTime: new Date(now).toISOString(),
      endTime: new Date(now + retryAfter * 1000).toISOString(),
      allowedRequestCount: capacity,
      measuredRequestCount: capacity + 1,
    });
    const error = new ArmError(429, 'OperationNotAllowed', 'The server rejected the request because too many requests have been received for this subscription.', undefined, [
      { code: 'TooManyRequests', target: group, message: detail },
    ]);
    return { headers, refusal: { status: 429, headers: { ...headers, 'Retry-After': String(retryAfter) }, body: error.toBody() } };
  }
}
