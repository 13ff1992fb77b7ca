// Loopback stand-in for the public Azure Retail Prices API (GET https://prices.azure.com/api/retail/prices,
// no sign-in), for `--simulate` and the cost estimate's tests. Shape as documented on
// https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices :
// - the answer is { BillingCurrency, CustomerEntityId, CustomerEntityType, Items, NextPageLink, Count };
//   a page holds at most a page's worth of items, NextPageLink (same query plus $skip) names the next
//   page and is null on the last one;
// - `currencyCode` (query parameter, default USD) converts every price; USD is Microsoft's own list price;
// - `$filter` is OData: `field eq 'value'`, `contains(field, 'value')`, joined by `and` (the subset the
//   doc's examples use); values compare case-sensitively, as from api-version 2023-01-01-preview on;
// - one meter per item: retailPrice/unitPrice per unitOfMeasure ("1 Hour", "1/Month", "1 GB/Month",
//   "10K"), type Consumption, DevTestConsumption or Reservation (unitPrice then for the whole 1 or 3
//   years), productName "Virtual Machines Dv5 Series" (Linux) vs "... Windows", skuName "D4s v5",
//   "D4s v5 Spot", "D4s v5 Low Priority"; tiered meters (Hot LRS Data Stored) repeat per tierMinimumUnits.
// It is plain HTTP on 127.0.0.1 (the real API is HTTPS; no token travels, so nothing is lost), and imports
// nothing from the product. Prices are round figures near the public list, not a copy of it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RetailPriceRecord {
  currencyCode: string;
  tierMinimumUnits: number;
  retailPrice: number;
  unitPrice: number;
  armRegionName: string;
  location: string;
  effectiveStartDate: string;
  meterId: string;
  meterName: string;
  productId: string;
  skuId: string;
  productName: string;
  skuName: string;
  serviceName: string;
  serviceId: string;
  serviceFamily: string;
  unitOfMeasure: string;
  type: string;
  isPrimaryMeterRegion: boolean;
  armSkuName: string;
  reservationTerm?: string;
}

/** Regions the stand-in prices, with their display name and how far their prices sit above East US. */
const REGIONS: Readonly<Record<string, { location: string; factor: number }>> = {
  eastus: { location: 'US East', factor: 1 },
  westeurope: { location: 'EU West', factor: 1.1 },
  northeurope: { location: 'EU North', factor: 1.05 },
  // A newer region that never offered the Dsv2 sizes: the guide's DS3_v2 / DS12_v2 have no meter there.
  swedencentral: { location: 'SE Central', factor: 1.08 },
};

interface VmMeter { readonly arm: string; readonly sku: string; readonly series: string; readonly linuxHourly: number; readonly vcpus: number }

const VM_METERS: readonly VmMeter[] = [
  { arm: 'Standard_D4s_v5', sku: 'D4s v5', series: 'Dv5', linuxHourly: 0.192, vcpus: 4 },
  { arm: 'Standard_D8s_v5', sku: 'D8s v5', series: 'Dv5', linuxHourly: 0.384, vcpus: 8 },
  { arm: 'Standard_E4s_v5', sku: 'E4s v5', series: 'Ev5', linuxHourly: 0.252, vcpus: 4 },
  { arm: 'Standard_E8s_v5', sku: 'E8s v5', series: 'Ev5', linuxHourly: 0.504, vcpus: 8 },
  { arm: 'Standard_E16s_v5', sku: 'E16s v5', series: 'Ev5', linuxHourly: 1.008, vcpus: 16 },
  { arm: 'Standard_E32s_v5', sku: 'E32s v5', series: 'Ev5', linuxHourly: 2.016, vcpus: 32 },
  { arm: 'Standard_DS3_v2', sku: 'DS3 v2', series: 'DSv2', linuxHourly: 0.293, vcpus: 4 },
  { arm: 'Standard_DS12_v2', sku: 'DS12 v2', series: 'DSv2', linuxHourly: 0.371, vcpus: 4 },
];

/** Windows Server's licence, billed per vCPU-hour on top of the base compute (what Azure Hybrid Benefit removes). */
const WINDOWS_PER_VCPU_HOUR = 0.046;

const DISK_TIERS: readonly (readonly [number, number, number])[] = [
  // [tier number, Premium SSD P<n> per month, Standard SSD E<n> per month]
  [1, 0.78, 0.3], [2, 1.56, 0.6], [3, 3.01, 1.2], [4, 5.28, 2.4], [6, 10.21, 4.8], [10, 19.71, 9.6], [15, 37.95, 19.2],
  [20, 73.22, 38.4], [30, 135.17, 76.8], [40, 259.05, 153.6], [50, 495.57, 307.2], [60, 946.08, 614.4], [70, 1802.22, 1228.8], [80, 3604.44, 2457.6],
];

/** Conversion from USD for the currencies the API documents. */
const CURRENCIES: Readonly<Record<string, number>> = {
  USD: 1, EUR: 0.92, GBP: 0.79, AUD: 1.52, BRL: 5.0, CAD: 1.36, CHF: 0.88, CNY: 7.2, DKK: 6.85, INR: 83, JPY: 150, KRW: 1330, NOK: 10.6, NZD: 1.65, RUB: 92, SEK: 10.5, TWD: 31.5,
};

function record(region: string, fields: Pick<RetailPriceRecord, 'meterName' | 'productName' | 'skuName' | 'serviceName' | 'serviceFamily' | 'unitOfMeasure' | 'type'> & { usd: number; armSkuName?: string; tierMinimumUnits?: number; reservationTerm?: string }): RetailPriceRecord {
  const { usd, armSkuName = '', tierMinimumUnits = 0, reservationTerm, ...names } = fields;
  const price = Math.round(usd * REGIONS[region]!.factor * 10_000) / 10_000;
  const id = `${region}/${names.productName}/${names.skuName}/${names.meterName}/${names.type}/${tierMinimumUnits}/${reservationTerm ?? ''}`;
  return {
    currencyCode: 'USD', tierMinimumUnits, retailPrice: price, unitPrice: price, armRegionName: region, location: REGIONS[region]!.location,
    effectiveStartDate: '2025-01-01T00:00:00Z', meterId: id, productId: names.productName, skuId: `${names.productName}/${names.skuName}`,
    serviceId: names.serviceName, isPrimaryMeterRegion: true, armSkuName, ...names, ...(reservationTerm ? { reservationTerm } : {}),
  };
}

function vmRecords(region: string): RetailPriceRecord[] {
  const vm = (meter: VmMeter, windows: boolean, variant: '' | ' Spot' | ' Low Priority', type: string, usd: number, reservationTerm?: string) => record(region, {
    serviceName: 'Virtual Machines', serviceFamily: 'Compute', armSkuName: meter.arm, type, unitOfMeasure: '1 Hour', usd,
    productName: `Virtual Machines ${meter.series} Series${windows ? ' Windows' : ''}`, skuName: `${meter.sku}${variant}`, meterName: `${meter.sku}${variant}`,
    ...(reservationTerm ? { reservationTerm } : {}),
  });
  return VM_METERS.filter((meter) => region !== 'swedencentral' || meter.series !== 'DSv2').flatMap((meter) => {
    const windowsHourly = meter.linuxHourly + meter.vcpus * WINDOWS_PER_VCPU_HOUR;
    return [
      // The cheap look-alikes a careless pick would take: Spot, Low Priority, Dev/Test and reservations.
      vm(meter, true, ' Spot', 'Consumption', windowsHourly * 0.2),
      vm(meter, false, ' Spot', 'Consumption', meter.linuxHourly * 0.2),
      vm(meter, true, ' Low Priority', 'Consumption', windowsHourly * 0.2),
      vm(meter, false, '', 'Reservation', meter.linuxHourly * 8760 * 0.6, '1 Year'),
      vm(meter, false, '', 'Reservation', meter.linuxHourly * 26280 * 0.4, '3 Years'),
      vm(meter, true, '', 'DevTestConsumption', meter.linuxHourly),
      vm(meter, false, '', 'Consumption', meter.linuxHourly),
      vm(meter, true, '', 'Consumption', windowsHourly),
    ];
  });
}

function storageRecords(region: string): RetailPriceRecord[] {
  const storage = (productName: string, skuName: string, meterName: string, unitOfMeasure: string, usd: number, tierMinimumUnits = 0) =>
    record(region, { serviceName: 'Storage', serviceFamily: 'Storage', type: 'Consumption', productName, skuName, meterName, unitOfMeasure, usd, tierMinimumUnits });
  return [
    ...DISK_TIERS.flatMap(([tier, premium, standard]) => [
      storage('Premium SSD Managed Disks', `P${tier} LRS`, `P${tier} LRS Disk`, '1/Month', premium),
      storage('Premium SSD Managed Disks', `P${tier} LRS`, `P${tier} LRS Disk Mount`, '1/Month', premium * 0.1),
      storage('Standard SSD Managed Disks', `E${tier} LRS`, `E${tier} LRS Disk`, '1/Month', standard),
      storage('Standard SSD Managed Disks', `E${tier} LRS`, `E${tier} LRS Disk Operations`, '10K', 0.002),
    ]),
    storage('General Block Blob v2', 'Hot LRS', 'Hot LRS Data Stored', '1 GB/Month', 0.0184),
    storage('General Block Blob v2', 'Hot LRS', 'Hot LRS Data Stored', '1 GB/Month', 0.0177, 51_200),
    storage('General Block Blob v2', 'Hot LRS', 'Hot LRS Data Stored', '1 GB/Month', 0.017, 512_000),
    storage('General Block Blob v2', 'Cool LRS', 'Cool LRS Data Stored', '1 GB/Month', 0.01),
  ];
}

function networkRecords(region: string): RetailPriceRecord[] {
  const ip = (meterName: string, skuName: string, usd: number) =>
    record(region, { serviceName: 'Virtual Network', serviceFamily: 'Networking', type: 'Consumption', productName: 'IP Addresses', skuName, meterName, unitOfMeasure: '1 Hour', usd });
  return [ip('Standard IPv4 Static Public IP', 'Standard', 0.005), ip('Basic IPv4 Static Public IP', 'Basic', 0.0036), ip('Basic IPv4 Dynamic Public IP', 'Basic', 0.004)];
}

export const RETAIL_PRICE_CATALOGUE: readonly RetailPriceRecord[] = Object.keys(REGIONS).flatMap((region) => [...vmRecords(region), ...storageRecords(region), ...networkRecords(region)]);

type Predicate = (item: RetailPriceRecord) => boolean;

class FilterSyntaxError extends Error {}

const FILTER_FIELDS = new Set(['armRegionName', 'location', 'meterId', 'meterName', 'productId', 'skuId', 'productName', 'skuName', 'serviceName', 'serviceId', 'serviceFamily', 'priceType', 'type', 'armSkuName', 'currencyCode', 'unitOfMeasure']);

/** The $filter subset: `field eq 'v'` and `contains(field, 'v')` joined by `and`; '' inside a value is a quote. */
export function parseRetailFilter(filter: string): Predicate {
  const clauses: Predicate[] = [];
  const value = `'((?:[^']|'')*)'`;
  const clause = new RegExp(`^\\s*(?:([A-Za-z]+)\\s+eq\\s+${value}|contains\\(\\s*([A-Za-z]+)\\s*,\\s*${value}\\s*\\))\\s*(?:and\\b|$)`, 'i');
  let rest = filter;
  while (rest.trim() !== '') {
    const match = clause.exec(rest);
    if (!match) throw new FilterSyntaxError(`Invalid OData parameters supplied: cannot read '${rest.trim()}'`);
    const field = match[1] ?? match[3]!;
    const wanted = (match[2] ?? match[4]!).replace(/''/g, `'`);
    if (!FILTER_FIELDS.has(field)) throw new FilterSyntaxError(`Invalid OData parameters supplied: unknown field '${field}'`);
    const key = (field === 'priceType' ? 'type' : field) as keyof RetailPriceRecord;
    clauses.push(match[1] ? (item) => String(item[key]) === wanted : (item) => String(item[key]).includes(wanted));
    rest = rest.slice(match[0].length);
  }
  return (item) => clauses.every((test) => test(item));
}

export interface RetailPricesStandInOptions {
  /** Items per page; small pages make a test walk several NextPageLinks. */
  readonly pageSize?: number;
}

export interface RetailPricesStandIn {
  /** The API's address, as https://prices.azure.com/api/retail/prices is the real one's. */
  readonly url: string;
  /** Every request's query string, in order: what the product asked for. */
  requests(): string[];
  close(): Promise<void>;
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export async function startRetailPricesStandIn(options: RetailPricesStandInOptions = {}): Promise<RetailPricesStandIn> {
  const pageSize = options.pageSize ?? 100;
  const seen: string[] = [];
  let base = '';
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', base);
    seen.push(url.search);
    if (request.method !== 'GET' || url.pathname !== '/api/retail/prices') return answer(response, 404, { Error: { Code: 'NotFound', Message: 'Not found' } });
    const currency = url.searchParams.get('currencyCode')?.replace(/^'|'$/g, '') ?? 'USD';
    const rate = CURRENCIES[currency];
    if (rate === undefined) return answer(response, 400, { Error: { Code: 'InvalidCurrency', Message: `Currency '${currency}' is not supported` } });
    let matches: Predicate;
    try {
      matches = parseRetailFilter(url.searchParams.get('$filter') ?? '');
    } catch (error) {
      return answer(response, 400, { Error: { Code: 'BadRequest', Message: (error as Error).message } });
    }
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    const all = RETAIL_PRICE_CATALOGUE.filter(matches);
    const page = all.slice(skip, skip + pageSize).map((item) => ({
      ...item, currencyCode: currency, retailPrice: Math.round(item.retailPrice * rate * 10_000) / 10_000, unitPrice: Math.round(item.unitPrice * rate * 10_000) / 10_000,
    }));
    let next: string | null = null;
    if (skip + pageSize < all.length) {
      const nextUrl = new URL(url);
      nextUrl.searchParams.set('$skip', String(skip + pageSize));
      next = nextUrl.toString();
    }
    answer(response, 200, { BillingCurrency: currency, CustomerEntityId: 'Default', CustomerEntityType: 'Retail', Items: page, NextPageLink: next, Count: page.length });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/api/retail/prices`,
    requests: () => [...seen],
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
