/**
 * Which Retail Prices meter prices each resource qlik-azure creates, and the query that finds it. Names as
 * the API lists them (https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices):
 * a VM size has Windows ("Virtual Machines Dv5 Series Windows") and Linux/base meters, each also as Spot,
 * Low Priority, Dev/Test and Reservation items that a pay-as-you-go estimate must not take.
 */
import type { PriceQuery, RetailPrice } from './retail-prices.js';

/** An OData string literal: a quote inside is doubled. */
const literal = (value: string) => `'${value.replace(/'/g, `''`)}'`;

export function vmQuery(region: string, size: string, currency: string): PriceQuery {
  return { currency, filter: `serviceName eq 'Virtual Machines' and armRegionName eq ${literal(region)} and armSkuName eq ${literal(size)}` };
}

export function managedDiskQuery(region: string, currency: string): PriceQuery {
  return { currency, filter: `serviceName eq 'Storage' and armRegionName eq ${literal(region)} and contains(productName, 'SSD Managed Disks')` };
}

export function publicIpQuery(region: string, currency: string): PriceQuery {
  return { currency, filter: `serviceName eq 'Virtual Network' and armRegionName eq ${literal(region)} and productName eq 'IP Addresses'` };
}

export function blobStorageQuery(region: string, currency: string): PriceQuery {
  return { currency, filter: `serviceName eq 'Storage' and armRegionName eq ${literal(region)} and productName eq 'General Block Blob v2' and skuName eq 'Hot LRS'` };
}

const payAsYouGo = (item: RetailPrice) => item.type === 'Consumption';

/**
 * The hourly pay-as-you-go price of a size: the Windows meter (compute + Windows Server licence), or with
 * Azure Hybrid Benefit the base meter, the one without "Windows" in its product name (Linux's rate).
 */
export function vmHourlyPrice(items: readonly RetailPrice[], size: string, windowsLicence: boolean): RetailPrice | undefined {
  return items.find((item) => payAsYouGo(item)
    && item.armSkuName === size
    && item.unitOfMeasure === '1 Hour'
    && !/ (Spot|Low Priority)$/.test(item.skuName)
    && item.productName.endsWith(' Windows') === windowsLicence);
}

/** Managed disk performance tiers: a disk is billed as the smallest tier that holds its size (GiB). */
const DISK_TIER_SIZES: readonly (readonly [number, number])[] = [
  [1, 4], [2, 8], [3, 16], [4, 32], [6, 64], [10, 128], [15, 256], [20, 512], [30, 1024], [40, 2048], [50, 4096], [60, 8192], [70, 16384], [80, 32767],
];

/** P10 for a 127 GB Premium_LRS disk, E30 for a 1000 GB StandardSSD_LRS one. */
export function diskTier(diskType: string, sizeGb: number): string {
  const letter = diskType.startsWith('Premium') ? 'P' : 'E';
  const [tier] = DISK_TIER_SIZES.find(([, capacity]) => capacity >= sizeGb) ?? DISK_TIER_SIZES[DISK_TIER_SIZES.length - 1]!;
  return `${letter}${tier}`;
}

/** The tier's monthly disk charge (not its "Disk Mount" or transaction meters). */
export function diskMonthlyPrice(items: readonly RetailPrice[], tier: string): RetailPrice | undefined {
  return items.find((item) => payAsYouGo(item) && item.meterName === `${tier} LRS Disk` && item.unitOfMeasure === '1/Month');
}

export function staticPublicIpHourlyPrice(items: readonly RetailPrice[]): RetailPrice | undefined {
  return items.find((item) => payAsYouGo(item) && item.meterName === 'Standard IPv4 Static Public IP' && item.unitOfMeasure === '1 Hour');
}

/** The first tier of hot LRS block blob storage, per GB and month. */
export function blobGbMonthPrice(items: readonly RetailPrice[]): RetailPrice | undefined {
  return items.find((item) => payAsYouGo(item) && item.meterName === 'Hot LRS Data Stored' && item.unitOfMeasure === '1 GB/Month' && item.tierMinimumUnits === 0);
}
