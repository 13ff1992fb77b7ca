/**
 * The monthly cost estimate of a deployment: the prices of its meters (from the cache while fresh, else
 * from the Retail Prices API within a time limit), then the arithmetic. Never a made-up figure: without
 * prices the estimate is omitted and says why in one line.
 */
import { estimateMonthlyCost, type CostEstimate, type CostInputs, type PriceBook } from './estimate.js';
import { blobStorageQuery, managedDiskQuery, publicIpQuery, vmQuery } from './meters.js';
import { readCachedPrices, writeCachedPrices, type CachedPrices } from './price-cache.js';
import { fetchRetailPrices, type PriceQuery } from './retail-prices.js';

/** Prices are refetched once they are this old (the list changes at most a few times a month). */
export const CACHE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** The whole fetch, every query and page, ends by then: a plan never waits long for its estimate. */
export const FETCH_TIMEOUT_MS = 8000;

export interface PriceSource {
  /** The Retail Prices API (the public one, or a stand-in). */
  readonly baseUrl: string;
  /** How the estimate names its prices: "Azure retail prices" unless they come from a stand-in. */
  readonly label?: string;
  /** Where prices are kept between runs; none for a stand-in whose prices mean nothing tomorrow. */
  readonly cacheDirectory?: string | undefined;
  /** Only cached prices, whatever their age; nothing is fetched. */
  readonly offline: boolean;
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

export type CostOutcome =
  | { readonly kind: 'estimate'; readonly estimate: CostEstimate; readonly prices: string; readonly pricesAt: string; readonly cached: boolean }
  | { readonly kind: 'omitted'; readonly reason: string };

function errorText(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

interface Answer {
  readonly prices: CachedPrices;
  readonly fromCache: boolean;
}

async function pricesFor(query: PriceQuery, source: PriceSource, signal: AbortSignal): Promise<Answer> {
  const cached = source.cacheDirectory === undefined ? undefined : await readCachedPrices(source.cacheDirectory, source.baseUrl, query);
  const now = (source.now ?? (() => new Date()))();
  if (cached && (source.offline || now.getTime() - Date.parse(cached.fetchedAt) < CACHE_MAX_AGE_MS)) return { prices: cached, fromCache: true };
  if (source.offline) throw new Error('offline, and no prices are cached for this region, size and currency yet');
  try {
    const items = await fetchRetailPrices(source.baseUrl, query, signal);
    const fresh: CachedPrices = { fetchedAt: now.toISOString(), baseUrl: source.baseUrl, currency: query.currency, filter: query.filter, items };
    // A cache that cannot be written costs a refetch next time, nothing more.
    if (source.cacheDirectory !== undefined) await writeCachedPrices(source.cacheDirectory, fresh).catch(() => undefined);
    return { prices: fresh, fromCache: false };
  } catch (error) {
    if (cached) return { prices: cached, fromCache: true }; // older prices, said with their date, beat none
    throw error;
  }
}

export async function monthlyCost(inputs: CostInputs, currency: string, source: PriceSource): Promise<CostOutcome> {
  const signal = AbortSignal.timeout(source.timeoutMs ?? FETCH_TIMEOUT_MS);
  const { location: region, vm } = inputs;
  try {
    const ask = (query: PriceQuery) => pricesFor(query, source, signal);
    const answers = await Promise.all([ask(vmQuery(region, vm.size, currency)), ask(managedDiskQuery(region, currency)), ask(publicIpQuery(region, currency)), ask(blobStorageQuery(region, currency))]);
    const [vmPrices, disks, publicIp, blobStorage] = answers;
    const book: PriceBook = { vm: vmPrices.prices.items, disks: disks.prices.items, publicIp: publicIp.prices.items, blobStorage: blobStorage.prices.items };
    // The oldest answer dates the estimate.
    const pricesAt = answers.map((answer) => answer.prices.fetchedAt).sort()[0]!;
    const estimate = estimateMonthlyCost(inputs, book, currency);
    // Not one meter in the region (a sovereign cloud's region, say): a total of 0 would read as free.
    if (estimate.lines.every((line) => line.monthly === undefined)) return { kind: 'omitted', reason: `no prices for ${region} in the Azure Retail Prices API` };
    return { kind: 'estimate', estimate, prices: source.label ?? 'Azure retail prices', pricesAt, cached: answers.some((answer) => answer.fromCache) };
  } catch (error) {
    return { kind: 'omitted', reason: `no prices (${errorText(error)})` };
  }
}
