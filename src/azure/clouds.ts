/**
 * The Azure clouds this tool deploys to: each one's Resource Manager endpoint, the Microsoft Entra
 * authority its sign-in goes to (the values of @azure/identity's AzureAuthorityHosts), and the DNS zone
 * of public IP names (<label>.<region>.cloudapp.azure.com on public Azure; learn.microsoft.com
 * azure/china/resources-developer-guide and azure-government/documentation-government-developer-guide),
 * and the suffix of its storage endpoints (https://<account>.blob.<suffix>, the same pages).
 * --arm-endpoint overrides the endpoint (a private endpoint, the simulator).
 *
 * Azure Stack Hub is not supported: it serves the older api-versions of its API profile (2020-09-01-hybrid),
 * and the SDK generation this tool uses sends fixed, newer api-versions per operation (notes §1.3-1.4:
 * the modular clients ignore a client-level apiVersion), so every write there would be refused.
 */
export const CLOUD_PROFILES = {
  AzureCloud: { arm: 'https://management.azure.com', authorityHost: 'https://login.microsoftonline.com', dnsZone: 'cloudapp.azure.com', storageSuffix: 'core.windows.net' },
  AzureChinaCloud: { arm: 'https://management.chinacloudapi.cn', authorityHost: 'https://login.chinacloudapi.cn', dnsZone: 'cloudapp.chinacloudapi.cn', storageSuffix: 'core.chinacloudapi.cn' },
  AzureUSGovernment: { arm: 'https://management.usgovcloudapi.net', authorityHost: 'https://login.microsoftonline.us', dnsZone: 'cloudapp.usgovcloudapi.net', storageSuffix: 'core.usgovcloudapi.net' },
} as const;

export type CloudName = keyof typeof CLOUD_PROFILES;

export const CLOUD_NAMES = Object.keys(CLOUD_PROFILES) as CloudName[];

/** Resource Manager endpoint per cloud. */
export const CLOUDS = Object.fromEntries(CLOUD_NAMES.map((name) => [name, CLOUD_PROFILES[name].arm])) as { readonly [K in CloudName]: (typeof CLOUD_PROFILES)[K]['arm'] };

export function isCloudName(value: string): value is CloudName {
  return value in CLOUD_PROFILES;
}

/** The cloud a --cloud value names, public Azure for anything else (commander has already refused unknown names). */
export function cloudProfile(cloud: string | undefined) {
  return CLOUD_PROFILES[cloud && isCloudName(cloud) ? cloud : 'AzureCloud'];
}

/** The public DNS name users will type: <label>.<region>.<zone of the cloud>. */
export function publicDnsName(label: string, location: string, cloud: string | undefined): string {
  return `${label}.${location}.${cloudProfile(cloud).dnsZone}`;
}

/** The token scope for an ARM endpoint: a known cloud's own, else the public cloud's (what `az` and the SDK ask for). */
export function armScope(endpoint: string): string {
  const known = Object.values(CLOUDS).find((url) => url === endpoint.replace(/\/$/, ''));
  return `${known ?? CLOUDS.AzureCloud}/.default`;
}
