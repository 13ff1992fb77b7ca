/**
 * The estimate against the loopback stand-in of the Retail Prices API: the queries the product sends, paging
 * through NextPageLink, the meters it must skip, a region without the size, currencies, the cache and its
 * date, offline, and an API that does not answer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthlyCost, type CostOutcome, type PriceSource } from '../../src/cost/index.js';
import type { CostInputs } from '../../src/cost/estimate.js';
import { priceCacheDirectory } from '../../src/cost/price-cache.js';
import { fetchRetailPrices } from '../../src/cost/retail-prices.js';
import { startRetailPricesStandIn, type RetailPricesStandIn } from '../../src/simulator/retail-prices.js';

const INPUTS: CostInputs = {
  location: 'westeurope',
  vm: { size: 'Standard_D4s_v5', licenseType: 'None', osDiskType: 'Premium_LRS', dataDiskSizeGb: 0 },
  names: { vm: 'qlik-vm', osDisk: 'qlik-vm-osdisk', dataDisk: 'qlik-vm-qlikshare', publicIp: 'qlik-ip', storageAccount: 'qaqlik12345678' },
};

let standIn: RetailPricesStandIn;
let cacheDirectory: string;
const servers: Server[] = [];

beforeEach(async () => {
  standIn = await startRetailPricesStandIn({ pageSize: 10 });
  cacheDirectory = await mkdtemp(join(tmpdir(), 'qlik-azure-prices-'));
});

afterEach(async () => {
  await standIn.close();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); })));
  await rm(cacheDirectory, { recursive: true, force: true });
});

const source = (extra: Partial<PriceSource> = {}): PriceSource => ({ baseUrl: standIn.url, cacheDirectory, offline: false, ...extra });

function estimateOf(outcome: CostOutcome) {
  if (outcome.kind !== 'estimate') throw new Error(`no estimate: ${outcome.reason}`);
  return outcome;
}

const vmLine = (outcome: CostOutcome) => estimateOf(outcome).estimate.lines[0]!;

describe('prices from the Retail Prices API', () => {
  it('sends one filtered query per meter family, follows NextPageLink, and prices the Windows pay-as-you-go meter', async () => {
    const outcome = estimateOf(await monthlyCost(INPUTS, 'USD', source()));
    const queries = standIn.requests().map((search) => new URLSearchParams(search));
    expect(new Set(queries.map((query) => query.get('$filter')))).toEqual(new Set([
      "serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope' and armSkuName eq 'Standard_D4s_v5'",
      "serviceName eq 'Storage' and armRegionName eq 'westeurope' and contains(productName, 'SSD Managed Disks')",
      "serviceName eq 'Virtual Network' and armRegionName eq 'westeurope' and productName eq 'IP Addresses'",
      "serviceName eq 'Storage' and armRegionName eq 'westeurope' and productName eq 'General Block Blob v2' and skuName eq 'Hot LRS'",
    ]));
    expect(queries.every((query) => query.get('currencyCode') === "'USD'")).toBe(true);
    // 56 disk meters at 10 a page: the P10 disk is found on a later page.
    expect(queries.filter((query) => query.get('$filter')!.includes('Managed Disks')).map((query) => query.get('$skip'))).toEqual([null, '10', '20', '30', '40', '50']);
    expect(vmLine(outcome)).toMatchObject({ monthly: 301.93, assumes: '730 hours a month (always on) at 0.4136 USD/hour, pay as you go' });
    expect(outcome.estimate.lines.map((line) => line.monthly)).toEqual([301.93, 21.68, 4.02, 0.1]);
    expect(outcome).toMatchObject({ cached: false, estimate: { total: 327.73, partial: false } });
  });

  it('with Azure Hybrid Benefit takes the base (Linux) meter of the size', async () => {
    const outcome = await monthlyCost({ ...INPUTS, vm: { ...INPUTS.vm, licenseType: 'Windows_Server' } }, 'USD', source());
    expect(vmLine(outcome).monthly).toBe(154.18);
  });

  it('in a region without the size says that price is unknown and the total is partial', async () => {
    const outcome = estimateOf(await monthlyCost({ ...INPUTS, location: 'swedencentral', vm: { ...INPUTS.vm, size: 'Standard_DS3_v2' } }, 'USD', source()));
    expect(vmLine(outcome)).toEqual({ kind: 'vm', resource: 'VM qlik-vm', item: 'Standard_DS3_v2, Windows Server licence included', assumes: 'no pay-as-you-go Windows price for Standard_DS3_v2 in swedencentral', unknown: 'price unknown' });
    expect(outcome.estimate).toMatchObject({ partial: true, total: 25.33 });
  });

  it('asks for the chosen currency and says it on every line', async () => {
    const outcome = estimateOf(await monthlyCost(INPUTS, 'EUR', source()));
    expect(standIn.requests().every((search) => new URLSearchParams(search).get('currencyCode') === "'EUR'")).toBe(true);
    expect(outcome.estimate.currency).toBe('EUR');
    expect(vmLine(outcome)).toMatchObject({ monthly: 277.77, assumes: '730 hours a month (always on) at 0.3805 EUR/hour, pay as you go' });
  });
});

describe('the price cache', () => {
  it('answers the next estimate from the cache with the date of the prices, without asking the API', async () => {
    const fetched = estimateOf(await monthlyCost(INPUTS, 'USD', source({ now: () => new Date('2026-11-30T10:00:00Z') })));
    const asked = standIn.requests().length;
    const again = estimateOf(await monthlyCost(INPUTS, 'USD', source({ now: () => new Date('2026-12-02T10:00:00Z') })));
    expect(standIn.requests().length).toBe(asked);
    expect(again).toMatchObject({ cached: true, pricesAt: '2026-11-30T10:00:00.000Z', estimate: fetched.estimate });
  });

  it('fetches again once the cached prices are a week old', async () => {
    await monthlyCost(INPUTS, 'USD', source({ now: () => new Date('2026-11-20T10:00:00Z') }));
    const asked = standIn.requests().length;
    const later = estimateOf(await monthlyCost(INPUTS, 'USD', source({ now: () => new Date('2026-11-28T10:00:00Z') })));
    expect(standIn.requests().length).toBeGreaterThan(asked);
    expect(later).toMatchObject({ cached: false, pricesAt: '2026-11-28T10:00:00.000Z' });
  });

  it('keeps prices per currency and per API address', async () => {
    await monthlyCost(INPUTS, 'USD', source());
    const other = await monthlyCost(INPUTS, 'EUR', source({ offline: true }));
    expect(other).toEqual({ kind: 'omitted', reason: 'no prices (offline, and no prices are cached for this region, size and currency yet)' });
    expect((await monthlyCost(INPUTS, 'USD', source({ offline: true, baseUrl: 'http://127.0.0.1:9/api/retail/prices' }))).kind).toBe('omitted');
  });

  it('offline uses cached prices of any age, and with none the estimate is omitted with the reason', async () => {
    expect(await monthlyCost(INPUTS, 'USD', source({ offline: true }))).toEqual({ kind: 'omitted', reason: 'no prices (offline, and no prices are cached for this region, size and currency yet)' });
    expect(standIn.requests()).toEqual([]);
    await monthlyCost(INPUTS, 'USD', source({ now: () => new Date('2026-01-01T00:00:00Z') }));
    const offline = await monthlyCost(INPUTS, 'USD', source({ offline: true }));
    expect(offline).toMatchObject({ kind: 'estimate', cached: true, pricesAt: '2026-01-01T00:00:00.000Z' });
  });

  it('when the API cannot be reached, uses older cached prices, said with their date', async () => {
    await monthlyCost(INPUTS, 'USD', source({ now: () => new Date('2026-01-01T00:00:00Z') }));
    await standIn.close();
    const outcome = await monthlyCost(INPUTS, 'USD', source({ now: () => new Date('2026-12-01T00:00:00Z') }));
    expect(outcome).toMatchObject({ kind: 'estimate', cached: true, pricesAt: '2026-01-01T00:00:00.000Z' });
    standIn = await startRetailPricesStandIn();
  });

  it('lives under XDG_CACHE_HOME when it is set, else under the platform\'s cache folder', () => {
    expect(priceCacheDirectory({ XDG_CACHE_HOME: '/tmp/xdg' }, 'linux')).toBe('/tmp/xdg/qlik-azure/retail-prices');
    expect(priceCacheDirectory({ HOME: '/home/ann' }, 'linux')).toMatch(/\/\.cache\/qlik-azure\/retail-prices$/);
    expect(priceCacheDirectory({ LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, 'win32')).toMatch(/^C:\\Users\\ann\\AppData\\Local.qlik-azure.retail-prices$/);
  });
});

describe('no prices: the estimate is omitted, never invented', () => {
  async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/retail/prices`;
  }

  it('an API that does not answer in time', async () => {
    const baseUrl = await listen(() => undefined);
    expect(await monthlyCost(INPUTS, 'USD', source({ baseUrl, timeoutMs: 200 }))).toEqual({ kind: 'omitted', reason: 'no prices (no answer in time)' });
  });

  it('nothing listening', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await monthlyCost(INPUTS, 'USD', source({ baseUrl: `http://127.0.0.1:${port}/api/retail/prices` }));
    expect(outcome).toEqual({ kind: 'omitted', reason: 'no prices (fetch failed: ECONNREFUSED)' });
  });

  it('an error status', async () => {
    const baseUrl = await listen((_request, response) => response.writeHead(503, 'Service Unavailable').end());
    expect(await monthlyCost(INPUTS, 'USD', source({ baseUrl }))).toEqual({ kind: 'omitted', reason: 'no prices (the Retail Prices API answered 503 Service Unavailable)' });
  });

  it('a next page on another host is not followed', async () => {
    const baseUrl = await listen((_request, response) => response.end(JSON.stringify({ Items: [], NextPageLink: 'https://elsewhere.example/api/retail/prices?$skip=100' })));
    await expect(fetchRetailPrices(baseUrl, { filter: "serviceName eq 'Storage'", currency: 'USD' }, AbortSignal.timeout(5000))).rejects.toThrow(/next page is on https:\/\/elsewhere\.example/);
  });
});
