// What each simulated cloud's resource providers offer: the resource types with the api-versions and
// locations GET /subscriptions/{id}/providers/{namespace} lists. Public Azure offers what the SDK clients
// send (notes §1.3); the sovereign clouds lag behind it, so a client new enough for public Azure is refused
// there: "No registered resource provider found for location 'usgovvirginia' and API version '2025-08-01'
// for type 'storageAccounts'. The supported api-versions are '2025-06-01, 2025-01-01, ..." (Azure
// Government, hashicorp/terraform-provider-azurerm#32402; the same lag in #32301 and Azure/azure-cli#23985).
// The sovereign cut-offs below follow #32402 for storage; the others are of the same order, not measured.

import { REGIONS } from './catalog.js';

export const SIMULATED_CLOUDS = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment'] as const;
export type SimulatedCloud = (typeof SIMULATED_CLOUDS)[number];

/** Region short name → display name (provider listings name regions by display name). */
export const CLOUD_REGIONS: Record<SimulatedCloud, Record<string, string>> = {
  AzureCloud: REGIONS,
  AzureChinaCloud: { chinaeast2: 'China East 2', chinanorth2: 'China North 2', chinanorth3: 'China North 3' },
  AzureUSGovernment: { usgovvirginia: 'USGov Virginia', usgovarizona: 'USGov Arizona', usgovtexas: 'USGov Texas' },
};

/** The zone of public IP DNS names (learn.microsoft.com azure/china developer guide; azure-government developer guide). */
export const CLOUD_DNS_ZONES: Record<SimulatedCloud, string> = {
  AzureCloud: 'cloudapp.azure.com',
  AzureChinaCloud: 'cloudapp.chinacloudapi.cn',
  AzureUSGovernment: 'cloudapp.usgovcloudapi.net',
};

const RESOURCES_VERSIONS = ['2025-04-01', '2025-03-01', '2024-11-01', '2024-07-01', '2024-03-01', '2023-07-01', '2022-09-01', '2021-04-01'];
const NETWORK_VERSIONS = ['2026-01-01', '2025-07-01', '2025-05-01', '2025-03-01', '2025-01-01', '2024-10-01', '2024-07-01', '2024-05-01', '2024-03-01', '2024-01-01', '2023-11-01', '2023-09-01', '2023-06-01', '2023-05-01', '2023-04-01', '2022-07-01', '2022-05-01', '2022-01-01', '2021-08-01', '2021-05-01', '2021-04-01', '2021-02-01', '2020-11-01', '2018-10-01'];
const STORAGE_VERSIONS = ['2026-09-01', '2025-08-01', '2025-06-01', '2025-01-01', '2024-01-01', '2023-05-01', '2023-04-01', '2023-01-01', '2022-09-01', '2022-05-01', '2021-09-01', '2021-08-01', '2021-06-01', '2021-04-01'];
const COMPUTE_VERSIONS = ['2026-04-01', '2026-03-01', '2025-04-01', '2024-11-01', '2024-07-01', '2024-03-01', '2023-09-01', '2023-07-01', '2023-03-01', '2022-11-01', '2022-08-01', '2022-03-01', '2021-11-01', '2021-07-01', '2021-04-01'];
/** Managed disks have their own api-version line: @azure/arm-compute 25 sends 2026-03-02, js-vm-delete.json sent 2025-01-02; the Disks REST reference lists the older ones. */
const DISK_VERSIONS = ['2026-03-02', '2025-01-02', '2024-03-02', '2023-10-02', '2023-04-02', '2023-01-02', '2022-07-02', '2022-03-02', '2021-12-01'];

/** Resource types per namespace, with the api-versions public Azure offers (newest first). */
export const PROVIDER_RESOURCE_TYPES: Record<string, Record<string, readonly string[]>> = {
  'Microsoft.Resources': { resourceGroups: RESOURCES_VERSIONS },
  'Microsoft.Network': {
    virtualNetworks: NETWORK_VERSIONS,
    'virtualNetworks/subnets': NETWORK_VERSIONS,
    networkSecurityGroups: NETWORK_VERSIONS,
    'networkSecurityGroups/securityRules': NETWORK_VERSIONS,
    publicIPAddresses: NETWORK_VERSIONS,
    networkInterfaces: NETWORK_VERSIONS,
  },
  'Microsoft.Storage': { storageAccounts: STORAGE_VERSIONS, 'storageAccounts/blobServices': STORAGE_VERSIONS },
  'Microsoft.Compute': {
    virtualMachines: COMPUTE_VERSIONS,
    'virtualMachines/runCommands': COMPUTE_VERSIONS,
    'virtualMachines/extensions': COMPUTE_VERSIONS,
    disks: DISK_VERSIONS,
  },
};

/** The newest api-version each sovereign cloud offers per namespace; public Azure has no cut-off. */
const SOVEREIGN_NEWEST: Record<Exclude<SimulatedCloud, 'AzureCloud'>, Record<string, string>> = {
  AzureUSGovernment: { 'Microsoft.Resources': '2025-04-01', 'Microsoft.Network': '2025-05-01', 'Microsoft.Storage': '2025-06-01', 'Microsoft.Compute': '2025-04-01' },
  AzureChinaCloud: { 'Microsoft.Resources': '2024-11-01', 'Microsoft.Network': '2024-07-01', 'Microsoft.Storage': '2025-01-01', 'Microsoft.Compute': '2024-11-01' },
};

/** Namespaces a new subscription has registered from the start (RegistrationFree / registered by default). */
export const REGISTERED_BY_DEFAULT = ['Microsoft.Resources', 'Microsoft.Authorization', 'Microsoft.Features', 'Microsoft.ResourceGraph'];

export function knownNamespace(namespace: string): string | undefined {
  return [...Object.keys(PROVIDER_RESOURCE_TYPES), ...REGISTERED_BY_DEFAULT].find((known) => known.toLowerCase() === namespace.toLowerCase());
}

/** The api-versions `cloud` offers for a resource type; undefined when the simulator does not catalogue the type. */
export function offeredApiVersions(cloud: SimulatedCloud, namespace: string, resourceType: string): readonly string[] | undefined {
  const types = PROVIDER_RESOURCE_TYPES[knownNamespace(namespace) ?? ''];
  const versions = Object.entries(types ?? {}).find(([type]) => type.toLowerCase() === resourceType.toLowerCase())?.[1];
  if (!versions || cloud === 'AzureCloud') return versions;
  const newest = SOVEREIGN_NEWEST[cloud][knownNamespace(namespace) ?? ''] ?? '';
  return versions.filter((version) => version <= newest);
}
