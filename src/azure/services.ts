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
import { recordingPolicies } from './recorder.js';
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
      // npm run test:live records every attempt when QLIK_AZURE_RECORD_DIR is set (recorder.ts).
      ...recordingPolicies(connection.endpoint),
    ],
    ...(connection.agent ? { agent: connection.agent } : {}),
    ...(connection.retryDelayMs !== undefined ? { retryOptions: { retryDelayInMs: connection.retryDelayMs, maxRetryDelayInMs: connection.retryDelayMs * 8 } } : {}),
  };
}

function once<T>(create: () => Promise<T>): () => Promise<T> {
  let created: Promise<T> | undefined;
  return () => (created ??= create());
}

const SDK_MODULES = {
  resources: () => import('@azure/arm-resources'),
  compute: () => import('@azure/arm-compute'),
  network: () => import('@azure/arm-network'),
  storage: () => import('@azure/arm-storage'),
} as const;

/** Resolved when this process first creates an SDK client: from then on, a run is under way. */
let clientInUse: () => void = () => undefined;
const firstClientCreated = new Promise<void>((resolve) => {
  clientInUse = resolve;
});

/**
 * Starts loading the SDK modules in the background, one after another, without waiting: first the provider
 * check's (resources) and step 23's (compute); network and storage only once the first client is in use.
 * Evaluating a module holds the thread (about a second of CPU for the four; arm-network alone is some 700
 * modules), so those two load after the run has started, while it waits on Azure, instead of before it starts.
 * Without a preload each would land on the critical path when the first step of its kind needs its client. A
 * real failure surfaces when the client is first used.
 */
export function preloadClients(): void {
  void (async () => {
    for (const load of [SDK_MODULES.resources, SDK_MODULES.compute]) await load().catch(() => undefined);
    await firstClientCreated;
    for (const load of [SDK_MODULES.network, SDK_MODULES.storage]) await load().catch(() => undefined);
  })();
}

export function createAzureServices(connection: AzureConnection): AzureServices {
  const { subscriptionId } = connection;
  const credential = sharedTokenCredential(connection.credential);
  const options = clientOptions(connection);
  /** A client made on first use, which also tells preloadClients that the run now uses Azure. */
  const client = <T>(create: () => Promise<T>) => once(async () => {
    const made = await create();
    clientInUse();
    return made;
  });
  return {
    subscriptionId,
    connection,
    resources: client(async () => new (await SDK_MODULES.resources()).ResourceManagementClient(credential, subscriptionId, options)),
    network: client(async () => new (await SDK_MODULES.network()).NetworkManagementClient(credential, subscriptionId, options)),
    compute: client(async () => new (await SDK_MODULES.compute()).ComputeManagementClient(credential, subscriptionId, options)),
    storage: client(async () => new (await SDK_MODULES.storage()).StorageManagementClient(credential, subscriptionId, options)),
    createdGroups: new Set(),
  };
}
