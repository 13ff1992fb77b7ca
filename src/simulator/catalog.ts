// What the simulated cloud offers: regions, VM sizes (with their quota family) and
// Windows Server images. Sizes follow the Azure size docs cited in the notes (§4).

export const REGIONS: Record<string, string> = {
  eastus: 'East US',
  eastus2: 'East US 2',
  westus: 'West US',
  westus2: 'West US 2',
  centralus: 'Central US',
  northeurope: 'North Europe',
  westeurope: 'West Europe',
  uksouth: 'UK South',
  swedencentral: 'Sweden Central',
  australiaeast: 'Australia East',
  southeastasia: 'Southeast Asia',
  eastasia: 'East Asia',
};

export interface VmSize {
  name: string;
  family: string;
  vCPUs: number;
  memoryGB: number;
  maxDataDisks: number;
  /** Premium SSD for its disks (the `s` in Dsv5): resourceSkus capability PremiumIO. */
  premiumIO: boolean;
  /** Which Hyper-V generations it boots: resourceSkus capability HyperVGenerations ("V1" or "V1,V2"). */
  hyperVGenerations: 'V1' | 'V1,V2';
}

const size = (name: string, family: string, vCPUs: number, memoryGB: number, maxDataDisks: number, capable: { premiumIO?: boolean; gen2?: boolean } = {}): VmSize => ({
  name,
  family,
  vCPUs,
  memoryGB,
  maxDataDisks,
  premiumIO: capable.premiumIO ?? true,
  hyperVGenerations: capable.gen2 === false ? 'V1' : 'V1,V2',
});

export const VM_SIZES: VmSize[] = [
  size('Standard_B1ls', 'standardBSFamily', 1, 0.5, 2),
  size('Standard_B2ms', 'standardBSFamily', 2, 8, 4),
  size('Standard_DS2_v2', 'standardDSv2Family', 2, 7, 8),
  size('Standard_DS3_v2', 'standardDSv2Family', 4, 14, 16),
  size('Standard_DS4_v2', 'standardDSv2Family', 8, 28, 32),
  size('Standard_DS12_v2', 'standardDSv2Family', 4, 28, 16),
  size('Standard_DS13_v2', 'standardDSv2Family', 8, 56, 32),
  size('Standard_D2s_v5', 'standardDSv5Family', 2, 8, 4),
  size('Standard_D4s_v5', 'standardDSv5Family', 4, 16, 8),
  size('Standard_D8s_v5', 'standardDSv5Family', 8, 32, 16),
  size('Standard_D16s_v5', 'standardDSv5Family', 16, 64, 32),
  size('Standard_D32s_v5', 'standardDSv5Family', 32, 128, 32),
  size('Standard_E4s_v5', 'standardESv5Family', 4, 32, 8),
  size('Standard_E8s_v5', 'standardESv5Family', 8, 64, 16),
  size('Standard_E16s_v5', 'standardESv5Family', 16, 128, 32),
  size('Standard_E32s_v5', 'standardESv5Family', 32, 256, 32),
  // Without premium storage: Dv5 ("Premium Storage: Not Supported", azure-compute-docs dv5-series.md).
  size('Standard_D4_v5', 'standardDv5Family', 4, 16, 8, { premiumIO: false }),
  // Neither premium storage nor generation 2: Av2 (av2-series.md: "Premium Storage: Not Supported",
  // "VM Generation Support: Generation 1").
  size('Standard_A4_v2', 'standardAv2Family', 4, 8, 8, { premiumIO: false, gen2: false }),
];

/**
 * Region-specific availability. In `centralus` the retiring Dsv2 sizes are closed to
 * this subscription (as Azure does for sizes announced for retirement); `uksouth`
 * does not offer the largest Esv5 size at all.
 */
export const RESTRICTED_SIZES: Record<string, string[]> = {
  centralus: ['Standard_DS3_v2', 'Standard_DS12_v2', 'Standard_DS4_v2', 'Standard_DS13_v2'],
};
export const SIZES_NOT_OFFERED: Record<string, string[]> = {
  uksouth: ['Standard_E32s_v5'],
};

export function findSize(name: string): VmSize | undefined {
  return VM_SIZES.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

export function sizeOfferedIn(sizeName: string, region: string): boolean {
  return !(SIZES_NOT_OFFERED[region] ?? []).some((n) => n.toLowerCase() === sizeName.toLowerCase());
}

export function sizeRestrictedIn(sizeName: string, region: string): boolean {
  return (RESTRICTED_SIZES[region] ?? []).some((n) => n.toLowerCase() === sizeName.toLowerCase());
}

/** Default core quota per VM family per region, and (`cores`) total regional vCPUs. */
export const DEFAULT_QUOTAS: Record<string, number> = { cores: 100, ...Object.fromEntries(VM_SIZES.map((s) => [s.family, 20])) };

export interface WindowsImage {
  sku: string;
  osName: string;
  exactVersion: string;
  hyperVGeneration: 'V1' | 'V2';
}

/** MicrosoftWindowsServer / WindowsServer skus the simulator knows (notes §4). */
export const WINDOWS_IMAGES: WindowsImage[] = [
  { sku: '2025-datacenter-azure-edition', osName: 'Windows Server 2025 Datacenter Azure Edition', exactVersion: '26100.4946.250810', hyperVGeneration: 'V2' },
  { sku: '2022-datacenter-azure-edition', osName: 'Windows Server 2022 Datacenter Azure Edition', exactVersion: '20348.4294.251010', hyperVGeneration: 'V2' },
  { sku: '2022-datacenter-azure-edition-smalldisk', osName: 'Windows Server 2022 Datacenter Azure Edition', exactVersion: '20348.4294.251010', hyperVGeneration: 'V2' },
  { sku: '2022-datacenter-g2', osName: 'Windows Server 2022 Datacenter', exactVersion: '20348.4294.251010', hyperVGeneration: 'V2' },
  { sku: '2019-datacenter-gensecond', osName: 'Windows Server 2019 Datacenter', exactVersion: '17763.7919.251010', hyperVGeneration: 'V2' },
  { sku: '2019-Datacenter', osName: 'Windows Server 2019 Datacenter', exactVersion: '17763.7919.251010', hyperVGeneration: 'V1' },
  { sku: '2019-Datacenter-smalldisk', osName: 'Windows Server 2019 Datacenter', exactVersion: '17763.7919.251010', hyperVGeneration: 'V1' },
  { sku: '2016-Datacenter', osName: 'Windows Server 2016 Datacenter', exactVersion: '14393.8524.251022', hyperVGeneration: 'V1' },
];

export function findWindowsImage(publisher: string, offer: string, sku: string): WindowsImage | undefined {
  if (publisher.toLowerCase() !== 'microsoftwindowsserver' || offer.toLowerCase() !== 'windowsserver') return undefined;
  return WINDOWS_IMAGES.find((i) => i.sku.toLowerCase() === sku.toLowerCase());
}
