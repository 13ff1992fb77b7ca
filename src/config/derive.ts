/**
 * Every Azure resource name derives from the deployment name unless the config names it. Derivation is
 * deterministic, so a re-run or a resume addresses the same resources.
 */
import { createHash } from 'node:crypto';
import type { DeploymentConfig } from './schema.js';

export interface ResourceNames {
  readonly resourceGroup: string;
  readonly nsg: string;
  readonly vnet: string;
  readonly subnet: string;
  readonly publicIp: string;
  readonly dnsLabel: string;
  readonly nic: string;
  readonly vm: string;
  readonly computerName: string;
  readonly osDisk: string;
  readonly dataDisk: string;
  readonly storageAccount: string;
}

/** The tag on every resource naming the deployment that made it; destroy trusts it on the group. */
export const DEPLOYMENT_TAG = 'qlik-azure:deployment';

export type ResolvedConfig = DeploymentConfig & { readonly names: ResourceNames };

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function deriveComputerName(deployment: string): string {
  return deployment.replace(/[^a-z0-9-]/g, '').slice(0, 15).replace(/-+$/, '');
}

function deriveStorageAccountName(deployment: string, subscriptionId: string | undefined): string {
  const stem = deployment.replace(/[^a-z0-9]/g, '').slice(0, 14);
  return `qa${stem}${shortHash(`${subscriptionId ?? ''}/${deployment}`, 8)}`;
}

export function resolveNames(config: DeploymentConfig): ResolvedConfig {
  const d = config.deployment;
  const vm = config.vm.name ?? `${d}-vm`;
  const names: ResourceNames = {
    resourceGroup: config.resourceGroup ?? `rg-${d}`,
    nsg: config.network.nsgName ?? `${d}-nsg`,
    vnet: config.network.vnetName ?? `${d}-vnet`,
    subnet: config.network.subnetName,
    publicIp: config.network.publicIpName ?? `${d}-ip`,
    dnsLabel: config.network.dnsLabel ?? d,
    nic: `${d}-nic`,
    vm,
    computerName: config.vm.computerName ?? deriveComputerName(d),
    osDisk: `${vm}-osdisk`,
    dataDisk: `${vm}-qlikshare`,
    storageAccount: config.storage.accountName ?? deriveStorageAccountName(d, config.subscriptionId),
  };
  return { ...config, names };
}

/** The ports Qlik Sense needs open, per the guide's steps 11 and 46. */
export function qlikPorts(config: DeploymentConfig): number[] {
  return config.network.enableHttp ? [80, 443, 4244, 4248] : [443, 4244];
}
