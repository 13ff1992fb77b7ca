/** Azure clouds and their Resource Manager endpoints; --arm-endpoint overrides (Azure Stack Hub, the simulator). */
export const CLOUDS = {
  AzureCloud: 'https://management.azure.com',
  AzureChinaCloud: 'https://management.chinacloudapi.cn',
  AzureUSGovernment: 'https://management.usgovcloudapi.net',
} as const;

export type CloudName = keyof typeof CLOUDS;

export function isCloudName(value: string): value is CloudName {
  return value in CLOUDS;
}

/** The token scope for an ARM endpoint: a known cloud's own, else the public cloud's (what `az` and the SDK ask for). */
export function armScope(endpoint: string): string {
  const known = Object.values(CLOUDS).find((url) => url === endpoint.replace(/\/$/, ''));
  return `${known ?? CLOUDS.AzureCloud}/.default`;
}
