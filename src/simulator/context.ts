// State shared by all handlers of one simulator instance, and the per-request
// context a handler receives.

import type { IncomingHttpHeaders } from 'node:http';
import type { FaultInjector } from './faults.js';
import type { LatencyModel } from './latency.js';
import type { OperationTracker } from './lro.js';
import type { Random } from './random.js';
import type { ReadBudgets } from './read-budgets.js';
import type { ResourceStore } from './store.js';
import type { BlobStore } from './blob.js';
import type { ProviderRegistry } from './resources/providers.js';
import type { FaultKind, FaultRule, RunCommandExecutor } from './types.js';

export interface SimState {
  /** https://127.0.0.1:PORT, known once the server listens. */
  baseUrl: string;
  store: ResourceStore;
  operations: OperationTracker;
  latency: LatencyModel;
  faults: FaultInjector;
  /** Seeded source of generated ids (GUIDs of resources and operations). */
  random: Random;
  quotas: Record<string, number>;
  runCommandExecutor: RunCommandExecutor;
  blobs: BlobStore;
  /** Which namespaces each subscription has registered, and the cloud whose api-versions are offered. */
  providers: ProviderRegistry;
  /** Compute's per-VM read budgets (429 past them). */
  readBudgets: ReadBudgets;
}

export interface RequestContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  apiVersion: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body ({} when empty). */
  body: Record<string, unknown>;
  rawBody: Buffer;
  sim: SimState;
}

/** The injected fault of one of `kinds` that fires for this request, if any (LRO outcome faults). */
export function takeFault(ctx: RequestContext, kinds: FaultKind[]): FaultRule | undefined {
  return ctx.sim.faults.take(ctx.method, ctx.path, kinds);
}
