// Public entry point of the HTTPS ARM simulator: startSimulator() and the types
// product code and tests program against.

import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { BlobStore } from './blob.js';
import { DEFAULT_QUOTAS } from './catalog.js';
import type { SimState } from './context.js';
import { FaultInjector, resolveFaults } from './faults.js';
import { LatencyModel } from './latency.js';
import { OperationTracker } from './lro.js';
import { createRandom } from './random.js';
import { ReadBudgets } from './read-budgets.js';
import { computeCatalogRoutes } from './resources/compute-catalog.js';
import { networkInterfaceRoutes } from './resources/network-interfaces.js';
import { networkSecurityGroupRoutes } from './resources/network-security-groups.js';
import { operationRoutes } from './resources/operations.js';
import { publicIpRoutes } from './resources/public-ip-addresses.js';
import { resourceGroupRoutes } from './resources/resource-groups.js';
import { runCommandRoutes, simulatedExecution } from './resources/run-commands.js';
import { storageAccountRoutes } from './resources/storage-accounts.js';
import { behindProviderGate, ProviderRegistry, providerRoutes } from './resources/providers.js';
import { subscriptionRoutes } from './resources/subscriptions.js';
import { virtualMachineRoutes } from './resources/virtual-machines.js';
import { diskRoutes } from './resources/disks.js';
import { virtualNetworkRoutes } from './resources/virtual-networks.js';
import type { Route } from './router.js';
import { createSimulatorServer } from './server.js';
import { restoreSnapshot, takeSnapshot } from './snapshot.js';
import { ResourceStore } from './store.js';
import { generateLoopbackCertificate } from './tls.js';
import type { LoggedRequest, SimResource, Simulator, SimulatorOptions } from './types.js';

export type {
  FaultKind,
  FaultRule,
  LoggedRequest,
  RunCommandExecutor,
  RunCommandInvocation,
  RunCommandOutcome,
  SimResource,
  Simulator,
  SimulatorOptions,
} from './types.js';
export type { SimulatorSnapshot } from './snapshot.js';
export { FAULT_PROFILES } from './faults.js';
export { SIMULATED_SUBSCRIPTION_ID, SIMULATED_TENANT_ID } from './resources/subscriptions.js';
export { SIMULATED_CLOUDS, type SimulatedCloud } from './provider-catalog.js';

/**
 * Every ARM route; specific paths come before the generic provider/operation patterns. All of them pass
 * the provider gate: a write to an unregistered namespace, or an api-version the cloud does not offer, is refused.
 */
const ROUTES: Route[] = behindProviderGate([
  ...resourceGroupRoutes,
  ...virtualNetworkRoutes,
  ...networkSecurityGroupRoutes,
  ...publicIpRoutes,
  ...networkInterfaceRoutes,
  ...storageAccountRoutes,
  ...virtualMachineRoutes,
  ...diskRoutes,
  ...runCommandRoutes,
  ...computeCatalogRoutes,
  ...operationRoutes,
  ...providerRoutes,
  ...subscriptionRoutes,
]);

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const tls = await generateLoopbackCertificate();
  const seed = opts.seed ?? 1;
  // Separate streams: creating one more resource must not change which requests faults hit.
  const random = createRandom(seed, opts.restore?.randomPosition);
  // A restored world goes on with the fault stream where the last process left it, unless the seed changed.
  const faultSeed = (seed ^ 0x5eed_fa17) >>> 0;
  const faultRandom = createRandom(faultSeed, opts.restore?.faultSeed === faultSeed ? opts.restore.faultRandomPosition : undefined);
  const operations = new OperationTracker(random);
  const latency = new LatencyModel(opts.latencyScale ?? 0);
  const state: SimState = {
    baseUrl: '',
    store: new ResourceStore(),
    operations,
    latency,
    faults: new FaultInjector(faultSeed, faultRandom, resolveFaults(opts.faults)),
    random,
    quotas: { ...DEFAULT_QUOTAS, ...opts.quotas },
    runCommandExecutor: opts.runCommandExecutor ?? simulatedExecution,
    blobs: new BlobStore(),
    providers: new ProviderRegistry({
      cloud: opts.cloud ?? 'AzureCloud',
      registered: opts.registeredProviders ?? [],
      mayRegister: opts.mayRegisterProviders ?? true,
      registrationMs: latency.durationMs('providerRegistration'),
    }),
    readBudgets: new ReadBudgets(opts.latencyScale ?? 0, operations),
  };
  const log: LoggedRequest[] = [];
  const server = createSimulatorServer({ state, routes: ROUTES, tls, log, ...(opts.onRequestServed ? { onRequestServed: opts.onRequestServed } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `https://127.0.0.1:${port}`;
  if (opts.restore) {
    try {
      restoreSnapshot(state, opts.restore);
    } catch (error) {
      // A listening server would keep the caller's process alive after it reports the error.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  }
  const agents: https.Agent[] = [];

  return {
    url: state.baseUrl,
    caCertPem: tls.certPem,
    httpsAgent() {
      const agent = new https.Agent({ ca: tls.certPem, keepAlive: true });
      agents.push(agent);
      return agent;
    },
    requestLog: () => log.map((entry) => ({ ...entry })),
    resources: (): SimResource[] =>
      state.store.all().map(({ id, type, name, resourceGroup, body }) => ({ id, type, name, resourceGroup, body: structuredClone(body) })),
    snapshot: () => takeSnapshot(state),
    injectFault: (rule) => state.faults.add(rule),
    clearFaults: () => state.faults.clear(),
    setRunCommandExecutor: (fn) => {
      state.runCommandExecutor = fn;
    },
    close: async () => {
      agents.forEach((agent) => agent.destroy());
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
