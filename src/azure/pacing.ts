/**
 * Keeps our reads inside the budgets Azure announces, instead of finding them with a 429.
 *
 * - Compute meters reads per VM in token buckets (compute-throttling-limits): GetOperation (status polls of the
 *   VM's operations, Run Command ones included) holds 45 and refills 15 a minute; LowCostGet (the VM, its
 *   instance view, its run commands) holds 36 and refills 12 a minute. Each answer says what is left in
 *   `x-ms-ratelimit-remaining-resource` (`Microsoft.Compute/GetOperationResource;44,...`). This policy keeps a
 *   mirror of each bucket, corrected by every header and by any 429, and holds a read back until a token
 *   (plus a small reserve for whoever else looks at the VM) is there. Reads of one bucket go one at a time.
 * - Long-running operations are polled where completion is likely: the first status poll waits until a
 *   fraction of the duration Azure took for that kind of operation in the recordings (VM create 96 s, storage
 *   19 s, VNet 21 s; shared/fixtures/azure-recordings), then polls follow at the client's interval.
 * - `timeScale` says how long a real-world second lasts here: 1 against Azure, the simulator's latencyScale under
 *   --simulate or in the benchmark, 0 for an instant simulator (no waiting at all).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';

/** Compute's per-VM read budgets (compute-throttling-limits), by the group name its header uses. */
export const COMPUTE_READ_BUDGETS = {
  GetOperation: { capacity: 45, perMinute: 15 },
  LowCostGet: { capacity: 36, perMinute: 12 },
} as const;
type BudgetKind = keyof typeof COMPUTE_READ_BUDGETS;

/** Tokens left untouched: room for a person or another tool reading the same VM. */
const RESERVE = 2;

/** Seconds Azure took, server side, for the operations worth waiting for (recordings README). */
const EXPECTED_SECONDS: readonly { method: string; path: RegExp; seconds: number }[] = [
  { method: 'PUT', path: /\/Microsoft\.Compute\/virtualMachines\/[^/]+$/i, seconds: 96 },
  { method: 'DELETE', path: /\/Microsoft\.Compute\/virtualMachines\/[^/]+$/i, seconds: 26 },
  { method: 'PUT', path: /\/Microsoft\.Storage\/storageAccounts\/[^/]+$/i, seconds: 19 },
  { method: 'PUT', path: /\/Microsoft\.Network\/virtualNetworks\/[^/]+$/i, seconds: 21 },
  { method: 'DELETE', path: /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/i, seconds: 17 },
];
/** The first status poll goes out at this fraction of the expected duration. */
const FIRST_POLL_FRACTION = 0.8;

const VM_READ = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+)(?:\/instanceView|\/runCommands(?:\/[^/]+)?)?\/?$/i;
const VM_PREFIX = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+)/i;

/** A client-side mirror of one of Azure's token buckets, in real milliseconds. */
class BucketMirror {
  private tokens: number;
  private updatedAt = Date.now();

  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
  ) {
    this.tokens = capacity;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }

  /** How long until `wanted` tokens are there. */
  msUntil(wanted: number): number {
    this.refill();
    return this.tokens >= wanted ? 0 : Math.ceil((wanted - this.tokens) / this.perMs);
  }

  spend(): void {
    this.refill();
    this.tokens -= 1;
  }

  /** Azure's own count wins when it is lower (other clients, or reads this mirror did not see). */
  observe(remaining: number): void {
    this.refill();
    this.tokens = Math.min(this.tokens, remaining);
  }
}

interface WatchedOperation {
  readonly dueAt: number;
  readonly vm: string | undefined;
}

export class ReadPacer {
  private readonly operations = new Map<string, WatchedOperation>();
  private readonly buckets = new Map<string, BucketMirror>();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly timeScale: number) {}

  /** Waits until the read may go: the operation is likely done, and its budget has a token to spare. */
  async beforeSend(request: PipelineRequest): Promise<void> {
    if (this.timeScale <= 0 || request.method !== 'GET') return;
    // The SDK types it as AbortSignalLike; what steps pass is a Node AbortSignal.
    const signal = request.abortSignal as AbortSignal | undefined;
    const path = new URL(request.url).pathname;
    const operation = this.operations.get(path.toLowerCase());
    const waitMs = operation ? operation.dueAt - Date.now() : 0;
    if (waitMs > 0) await sleep(waitMs, undefined, { signal });
    const key = this.budgetKey(path, operation);
    if (key) await this.acquire(key, signal);
  }

  /** Learns new operations from write answers and what is left of a budget from every answer. */
  afterResponse(request: PipelineRequest, response: PipelineResponse): void {
    if (this.timeScale <= 0) return;
    const path = new URL(request.url).pathname;
    if (request.method !== 'GET') this.watch(request.method, path, response);
    const key = this.budgetKey(path, this.operations.get(path.toLowerCase()));
    if (!key) return;
    const kind = key.split('|')[0] as BudgetKind;
    const reported = new RegExp(`Microsoft\\.Compute/${kind}Resource;(\\d+)`).exec(response.headers.get('x-ms-ratelimit-remaining-resource') ?? '')?.[1];
    if (reported !== undefined) this.bucket(key).observe(Number(reported));
    if (response.status === 429) this.bucket(key).observe(0);
  }

  private watch(method: string, path: string, response: PipelineResponse): void {
    const pollUrls = [response.headers.get('azure-asyncoperation'), response.headers.get('location')].filter((url): url is string => !!url);
    if (pollUrls.length === 0) return;
    // A PUT answered 200 changes what exists (tags, a setting): quicker than the create the figures are for.
    const creates = method !== 'PUT' || response.status === 201 || response.status === 202;
    const seconds = creates ? EXPECTED_SECONDS.find((e) => e.method === method && e.path.test(path))?.seconds ?? 0 : 0;
    const operation: WatchedOperation = { dueAt: Date.now() + seconds * FIRST_POLL_FRACTION * 1000 * this.timeScale, vm: VM_PREFIX.exec(path)?.[1]?.toLowerCase() };
    for (const url of pollUrls) this.operations.set(new URL(url).pathname.toLowerCase(), operation);
  }

  private budgetKey(path: string, operation: WatchedOperation | undefined): string | undefined {
    const vm = VM_READ.exec(path)?.[1];
    if (vm) return `LowCostGet|${vm.toLowerCase()}`;
    return operation?.vm && /\/Microsoft\.Compute\/locations\/[^/]+\/operations\//i.test(path) ? `GetOperation|${operation.vm}` : undefined;
  }

  private bucket(key: string): BucketMirror {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const { capacity, perMinute } = COMPUTE_READ_BUDGETS[key.split('|')[0] as BudgetKind];
      this.buckets.set(key, (bucket = new BucketMirror(capacity, perMinute / (60_000 * this.timeScale))));
    }
    return bucket;
  }

  /** One read of a bucket at a time, each after a token beyond the reserve is there. */
  private async acquire(key: string, signal: AbortSignal | undefined): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.queues.set(key, mine);
    try {
      await previous;
      const bucket = this.bucket(key);
      const waitMs = bucket.msUntil(1 + RESERVE);
      if (waitMs > 0) await sleep(waitMs, undefined, { signal });
      bucket.spend();
    } finally {
      release();
    }
  }
}

export function readPacingPolicy(pacer: ReadPacer): PipelinePolicy {
  return {
    name: 'qlikAzureReadPacing',
    async sendRequest(request, next) {
      await pacer.beforeSend(request);
      const response = await next(request);
      pacer.afterResponse(request, response);
      return response;
    },
  };
}
