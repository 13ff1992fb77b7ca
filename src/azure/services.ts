/**
 * The Azure SDK clients the steps use, created on first use: their modules are heavy, and a plan that
 * never touches compute should not pay for loading it.
 */
import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { StorageManagementClient } from '@azure/arm-storage';
import { pollPacingPolicy, retryNoticePolicy, sharedTokenCredential } from './arm-helpers.js';
import { armScope } from './clouds.js';
import { ReadPacer, readPacingPolicy } from './pacing.js';
import { requestLogPolicy } from './request-log.js';

export interface AzureConnection {
  readonly subscriptionId: string;
  readonly credential: TokenCredential;
  readonly endpoint: string;
  /** --cloud: names the public DNS zone in messages; undefined = public Azure. */
  readonly cloud?: string | undefined;
  /** Trusts a private CA (the simulator's); undefined for public Azure. */
  readonly agent?: Agent | undefined;
  /** Interval between LRO polls when Azure sends no Retry-After. */
  readonly pollIntervalMs: number;
  /**
   * First pause of the SDK's exponential back-off after a 5xx or a dropped connection (the SDK's default,
   * 1 s, when unset). A simulator that answers at once can use a shorter one; Retry-After is obeyed either way.
   */
  readonly retryDelayMs?: number | undefined;
  /** How long a real-world second of Azure lasts here: 1 on Azure, the simulator's latencyScale; absent or 0: no read pacing (pacing.ts). */
  readonly timeScale?: number | undefined;
  readonly userAgent: string;
  /** --verbose: receives one line per HTTP attempt. */
  readonly requestLog?: ((line: string) => void) | undefined;
  /** In a simulation, where the VM's Qlik proxy really answers (a loopback stand-in, for step 47); undefined for Azure. */
  readonly qlikProxy?: SimulatedQlikProxy | undefined;
}

export interface SimulatedQlikProxy {
  readonly host: string;
  readonly ports: { readonly https: number; readonly http: number };
  /** PEM of the CA that issued the stand-in's certificate. */
  readonly ca: string;
}

export interface AzureServices {
  readonly subscriptionId: string;
  readonly connection: AzureConnection;
  resources(): Promise<ResourceManagementClient>;
  network(): Promise<NetworkManagementClient>;
  compute(): Promise<ComputeManagementClient>;
  storage(): Promise<StorageManagementClient>;
  /**
   * Resource groups this process created (Azure answered 201 Created), lower-case: nothing in one can predate
   * the run, so a 404 inside it needs no confirming re-reads (steps/azure/reconcile.ts).
   */
  readonly createdGroups: Set<string>;
}

export function clientOptions(connection: AzureConnection) {
  return {
    endpoint: connection.endpoint,
    credentials: { scopes: [armScope(connection.endpoint)] },
    userAgentOptions: { userAgentPrefix: connection.userAgent },
    // Retries are made visible to the step that caused them; LRO polls keep to the configured interval.
    additionalPolicies: [
      { policy: retryNoticePolicy(), position: 'perRetry' as const },
      { policy: pollPacingPolicy(connection.pollIntervalMs), position: 'perCall' as const },
      // One pacer for the clients made from these options: Compute's per-VM budgets are shared by all reads.
      { policy: readPacingPolicy(new ReadPacer(connection.timeScale ?? 0)), position: 'perRetry' as const },
      ...(connection.requestLog ? [{ policy: requestLogPolicy(connection.requestLog), position: 'perRetry' as const }] : []),
    ],
    ...(connection.agent ? { agent: connection.agent } : {}),
    ...(connection.retryDelayMs !== undefined ? { retryOptions: { retryDelayInMs: connection.retryDelayMs, maxRetryDelayInMs: connection.retryDelayMs * 8 } } : {}),
  };
}

function once<T>(create: () => Promise<T>): () => Promise<T> {
  let created: Promise<T> | undefined;
  return () => (created ??= create());
}

/**
 * Starts loading the SDK modules without waiting: evaluating them takes about a second of CPU, which otherwise
 * lands on the critical path when the first step of each kind needs its client. One after another, in the
 * order a run needs them (the provider check, step 23, then steps 5, 16 and 13): evaluating a module holds the
 * thread, so each loads while the run waits on Azure for the one before, instead of all before the run starts.
 */
export function preloadClients(): void {
  void (async () => {
    for (const load of [() => import('@azure/arm-resources'), () => import('@azure/arm-compute'), () => import('@azure/arm-network'), () => import('@azure/arm-storage')]) {
      await load().catch(() => undefined); // a real failure surfaces when the client is first used
    }
  })();
}

export function createAzureServices(connection: AzureConnection): AzureServices {
  const { subscriptionId } = connection;
  const credential = sharedTokenCredential(connection.credential);
  const options = clientOptions(connection);
  return {
    subscriptionId,
    connection,
    resources: once(async () => new (await import('@azure/arm-resources')).ResourceManagementClient(credential, subscriptionId, options)),
    network: once(async () => new (await import('@azure/arm-network')).NetworkManagementClient(credential, subscriptionId, options)),
    compute: once(async () => new (await import('@azure/arm-compute')).ComputeManagementClient(credential, subscriptionId, options)),
    storage: once(async () => new (await import('@azure/arm-storage')).StorageManagementClient(credential, subscriptionId, options)),
    createdGroups: new Set(),
  };
}
