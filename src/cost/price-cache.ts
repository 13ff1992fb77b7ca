/**
 * Prices kept on disk with the date they were fetched, one file per query: the estimate works again offline
 * and does not ask the API on every plan. Location: $XDG_CACHE_HOME/qlik-azure/retail-prices, else the
 * platform's cache folder (~/.cache, ~/Library/Caches, %LOCALAPPDATA%).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/atomic-write.js';
import type { PriceQuery, RetailPrice } from './retail-prices.js';

export interface CachedPrices {
  /** ISO date-time the API answered. */
  readonly fetchedAt: string;
  readonly baseUrl: string;
  readonly currency: string;
  readonly filter: string;
  readonly items: readonly RetailPrice[];
}

export function priceCacheDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const root = env.XDG_CACHE_HOME
    || (platform === 'win32' && env.LOCALAPPDATA)
    || (platform === 'darwin' ? join(homedir(), 'Library', 'Caches') : join(homedir(), '.cache'));
  return join(root, 'qlik-azure', 'retail-prices');
}

/** The file of one query; the API's address is part of the key, so the simulator's prices never pass for Azure's. */
function cacheFile(directory: string, baseUrl: string, query: PriceQuery): string {
  const key = createHash('sha256').update(`${baseUrl}\n${query.currency}\n${query.filter}`).digest('hex').slice(0, 32);
  return join(directory, `${key}.json`);
}

export async function readCachedPrices(directory: string, baseUrl: string, query: PriceQuery): Promise<CachedPrices | undefined> {
  try {
    const cached = JSON.parse(await readFile(cacheFile(directory, baseUrl, query), 'utf8')) as CachedPrices;
    const same = cached.baseUrl === baseUrl && cached.currency === query.currency && cached.filter === query.filter;
    return same && Array.isArray(cached.items) && !Number.isNaN(Date.parse(cached.fetchedAt)) ? cached : undefined;
  } catch {
    return undefined; // absent or unreadable: fetched again
  }
}

export async function writeCachedPrices(directory: string, cached: CachedPrices): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFileAtomic(cacheFile(directory, cached.baseUrl, cached), `${JSON.stringify(cached)}\n`);
}
