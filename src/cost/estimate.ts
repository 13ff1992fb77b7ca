/**
 * The monthly estimate's arithmetic: each resource qlik-azure creates, the meter that prices it, and what the
 * figure assumes. Pure: the prices come in, nothing is fetched here.
 */
import { blobGbMonthPrice, diskMonthlyPrice, diskTier, staticPublicIpHourlyPrice, vmHourlyPrice } from './meters.js';
import type { RetailPrice } from './retail-prices.js';

/** Azure's pricing pages count a month as 730 hours (24 × 365 / 12). */
export const HOURS_PER_MONTH = 730;
/** The OS disk of Azure's Windows Server images: 127 GiB, billed as the 128 GiB tier (P10 / E10). */
export const OS_DISK_GB = 127;
/** What the storage account holds: the staged installer (≈ 1 GB), boot diagnostics and Run Command logs. */
export const STORAGE_GB_ASSUMED = 5;

/** What the estimate is made of. */
export interface CostInputs {
  readonly location: string;
  readonly vm: { readonly size: string; readonly licenseType: string; readonly osDiskType: string; readonly dataDiskSizeGb: number };
  readonly names: { readonly vm: string; readonly osDisk: string; readonly dataDisk: string; readonly publicIp: string; readonly storageAccount: string };
}

/** The answers of the price queries (meters.ts) for the inputs' region and size. */
export interface PriceBook {
  readonly vm: readonly RetailPrice[];
  readonly disks: readonly RetailPrice[];
  readonly publicIp: readonly RetailPrice[];
  readonly blobStorage: readonly RetailPrice[];
}

/** What a line prices, for a caller that counts only some resources (status: those that exist). */
export type CostedResource = 'vm' | 'osDisk' | 'dataDisk' | 'publicIp' | 'storageAccount';

export interface CostLine {
  readonly kind: CostedResource;
  /** The resource, by the name Azure will show. */
  readonly resource: string;
  /** What is billed: size and licence, disk tier, SKU. */
  readonly item: string;
  /** How the month's figure is made: hours, GB, unit price. */
  readonly assumes: string;
  /** Per month, rounded to cents; absent when no price was found. */
  readonly monthly?: number;
  /** Why there is no figure. */
  readonly unknown?: string;
}

export interface CostEstimate {
  readonly currency: string;
  readonly region: string;
  readonly lines: readonly CostLine[];
  /** The sum of the lines that have a figure. */
  readonly total: number;
  /** True when a line has no price: the total is then a lower bound. */
  readonly partial: boolean;
}

/** Half a cent up, in decimal: 0.0055 × 730 is 4.015 to a person, 4.01499… to binary floating point. */
const cents = (amount: number) => Number(`${Math.round(Number(`${amount.toFixed(6)}e2`))}e-2`);
const unitPrice = (price: RetailPrice, unit: string) => `${price.retailPrice} ${price.currencyCode}/${unit}`;

function priced(kind: CostedResource, resource: string, item: string, price: RetailPrice | undefined, quantity: number, assumes: (price: RetailPrice) => string, missing: string): CostLine {
  if (!price) return { kind, resource, item, assumes: missing, unknown: 'price unknown' };
  return { kind, resource, item, assumes: assumes(price), monthly: cents(price.retailPrice * quantity) };
}

export const hybridBenefit = (licenseType: string) => licenseType === 'Windows_Server';

function vmLine(inputs: CostInputs, book: PriceBook): CostLine {
  const { size, licenseType } = inputs.vm;
  const byol = hybridBenefit(licenseType);
  const licence = byol ? 'Azure Hybrid Benefit (your Windows Server licence): base compute rate' : 'Windows Server licence included';
  return priced('vm', `VM ${inputs.names.vm}`, `${size}, ${licence}`, vmHourlyPrice(book.vm, size, !byol), HOURS_PER_MONTH,
    (price) => `${HOURS_PER_MONTH} hours a month (always on) at ${unitPrice(price, 'hour')}, pay as you go`,
    `no pay-as-you-go ${byol ? 'base' : 'Windows'} price for ${size} in ${inputs.location}`);
}

function diskLine(kind: 'osDisk' | 'dataDisk', resource: string, diskType: string, sizeGb: number, region: string, book: PriceBook): CostLine {
  const tier = diskTier(diskType, sizeGb);
  const family = diskType.startsWith('Premium') ? 'Premium SSD' : 'Standard SSD';
  return priced(kind, resource, `${family} ${tier} (${sizeGb} GB)`, diskMonthlyPrice(book.disks, tier), 1,
    (price) => `1 disk a month at ${unitPrice(price, 'month')}${family === 'Standard SSD' ? '; transactions not counted' : ''}`,
    `no ${tier} disk price in ${region}`);
}

export function estimateMonthlyCost(inputs: CostInputs, book: PriceBook, currency: string): CostEstimate {
  const { names, vm, location } = inputs;
  const lines: CostLine[] = [
    vmLine(inputs, book),
    diskLine('osDisk', `OS disk ${names.osDisk}`, vm.osDiskType, OS_DISK_GB, location, book),
    ...(vm.dataDiskSizeGb > 0 ? [diskLine('dataDisk', `Data disk ${names.dataDisk}`, vm.osDiskType, vm.dataDiskSizeGb, location, book)] : []),
    priced('publicIp', `Public IP ${names.publicIp}`, 'Standard SKU, static IPv4', staticPublicIpHourlyPrice(book.publicIp), HOURS_PER_MONTH,
      (price) => `${HOURS_PER_MONTH} hours a month at ${unitPrice(price, 'hour')}`, `no Standard static IP price in ${location}`),
    priced('storageAccount', `Storage account ${names.storageAccount}`, 'StorageV2, hot, LRS', blobGbMonthPrice(book.blobStorage), STORAGE_GB_ASSUMED,
      (price) => `${STORAGE_GB_ASSUMED} GB stored (installer, boot diagnostics, Run Command logs) at ${unitPrice(price, 'GB-month')}; transactions not counted`,
      `no hot LRS blob price in ${location}`),
  ];
  return withLines({ currency, region: location }, lines);
}

function withLines(about: Pick<CostEstimate, 'currency' | 'region'>, lines: readonly CostLine[]): CostEstimate {
  const total = cents(lines.reduce((sum, line) => sum + (line.monthly ?? 0), 0));
  return { ...about, lines, total, partial: lines.some((line) => line.monthly === undefined) };
}

/** The estimate of only some of the resources, totalled again. */
export function narrowedTo(estimate: CostEstimate, kinds: ReadonlySet<CostedResource>): CostEstimate {
  return withLines(estimate, estimate.lines.filter((line) => kinds.has(line.kind)));
}
