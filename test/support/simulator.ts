// Vitest helper: starts an ARM simulator and builds the real Azure SDK clients
// pointed at it, with a static fake credential and fast retries/polls.

import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { StorageManagementClient } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/core-auth';
import { startSimulator, SIMULATED_SUBSCRIPTION_ID, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

/** Never a real token: the simulator only checks that a bearer token is present. */
export const fakeCredential: TokenCredential = {
  getToken: async () => ({ token: 'fake', expiresOnTimestamp: Date.now() + 3600e3 }),
};

/** Poll interval for `beginXxxAndWait` in tests (the simulator sends Retry-After 0 at latencyScale 0). */
export const FAST_POLL = { updateIntervalInMs: 5 };

export interface SimulatedAzure {
  sim: Simulator;
  subscriptionId: string;
  resources: ResourceManagementClient;
  network: NetworkManagementClient;
  compute: ComputeManagementClient;
  storage: StorageManagementClient;
  close(): Promise<void>;
}

/** SDK client options that reach the simulator: its endpoint, an agent trusting its CA, quick retries. */
export function clientOptions(sim: Simulator) {
  return {
    endpoint: sim.url,
    agent: sim.httpsAgent(),
    retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  };
}

/**
 * A simulator whose subscription has Microsoft.Compute, Network and Storage registered already (these
 * suites test the resources, not the registration; a new subscription has none: test/simulator/providers.test.ts).
 */
export async function startSimulatedAzure(opts: SimulatorOptions = {}, subscriptionId = SIMULATED_SUBSCRIPTION_ID): Promise<SimulatedAzure> {
  const sim = await startSimulator({ registeredProviders: 'all', ...opts });
  const options = clientOptions(sim);
  return {
    sim,
    subscriptionId,
    resources: new ResourceManagementClient(fakeCredential, subscriptionId, options),
    network: new NetworkManagementClient(fakeCredential, subscriptionId, options),
    compute: new ComputeManagementClient(fakeCredential, subscriptionId, options),
    storage: new StorageManagementClient(fakeCredential, subscriptionId, options),
    close: () => sim.close(),
  };
}

/** A valid Windows Server VM body (guide defaults) for the given NIC; override one field to test a rule. */
export function windowsVmBody(nicId: string, overrides: { size?: string; sku?: string; computerName?: string; adminUsername?: string; adminPassword?: string; location?: string } = {}) {
  return {
    location: overrides.location ?? 'westeurope',
    hardwareProfile: { vmSize: overrides.size ?? 'Standard_D4s_v5' },
    storageProfile: {
      imageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: overrides.sku ?? '2022-datacenter-azure-edition', version: 'latest' },
      osDisk: { createOption: 'FromImage', managedDisk: { storageAccountType: 'Premium_LRS' } },
    },
    osProfile: {
      computerName: overrides.computerName ?? 'qlik-central',
      adminUsername: overrides.adminUsername ?? 'qlikadmin',
      adminPassword: overrides.adminPassword ?? 'Correct-Horse-9-Battery',
    },
    networkProfile: { networkInterfaces: [{ id: nicId, primary: true }] },
  };
}

/** A NIC in subnet `default` of VNet `vnet-<location>` (10.0.0.0/16), creating the VNet on first use. */
export async function createNic(azure: SimulatedAzure, resourceGroup: string, nicName: string, location = 'westeurope'): Promise<string> {
  const vnet = await azure.network.virtualNetworks.beginCreateOrUpdateAndWait(
    resourceGroup,
    `vnet-${location}`,
    { location, addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 'default', addressPrefix: '10.0.0.0/24' }] },
    FAST_POLL,
  );
  const nic = await azure.network.networkInterfaces.beginCreateOrUpdateAndWait(
    resourceGroup,
    nicName,
    { location, ipConfigurations: [{ name: 'ipconfig1', subnet: { id: vnet.subnets?.[0]?.id } }] },
    FAST_POLL,
  );
  return nic.id ?? '';
}

/** A running Windows VM named 'vm' in a new resource group, for Run Command tests. */
export async function createRunningVm(azure: SimulatedAzure, resourceGroup: string, location: string, vm: Parameters<typeof windowsVmBody>[1] = {}): Promise<void> {
  await azure.resources.resourceGroups.createOrUpdate(resourceGroup, { location });
  const nicId = await createNic(azure, resourceGroup, 'nic', location);
  await azure.compute.virtualMachines.createOrUpdate(resourceGroup, 'vm', windowsVmBody(nicId, { location, ...vm }) as never, FAST_POLL);
}
