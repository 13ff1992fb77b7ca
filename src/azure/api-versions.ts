/**
 * The api-version each Azure SDK client this tool uses sends for the resource types it writes, in one
 * table: read from the installed packages' generated operations (`"api%2Dversion": "..."`, notes §1.3),
 * and kept honest by test/steps/subscription-readiness.test.ts, which compares it with what the clients
 * really send to the simulator. Bumping a package without updating this table fails that test.
 */
export const SDK_API_VERSIONS = {
  'Microsoft.Resources/resourceGroups': '2025-04-01', // @azure/arm-resources 8.0.0
  'Microsoft.Network/networkSecurityGroups': '2026-01-01', // @azure/arm-network 39.0.0
  'Microsoft.Network/virtualNetworks': '2026-01-01',
  'Microsoft.Network/publicIPAddresses': '2026-01-01',
  'Microsoft.Network/networkInterfaces': '2026-01-01',
  'Microsoft.Storage/storageAccounts': '2026-09-01', // @azure/arm-storage 21.0.0
  'Microsoft.Compute/virtualMachines': '2026-04-01', // @azure/arm-compute 25.1.1
  'Microsoft.Compute/virtualMachines/runCommands': '2026-04-01',
} as const;

export type WrittenResourceType = keyof typeof SDK_API_VERSIONS;

/** 'Microsoft.Compute/virtualMachines/runCommands' → { namespace: 'Microsoft.Compute', type: 'virtualMachines/runCommands' } */
export function splitResourceType(resourceType: string): { namespace: string; type: string } {
  const [namespace = '', ...rest] = resourceType.split('/');
  return { namespace, type: rest.join('/') };
}
