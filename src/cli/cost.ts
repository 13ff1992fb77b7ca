/**
 * The monthly cost estimate as the commands show it. Prices come from the public Azure Retail Prices API;
 * under --simulate from the simulator's loopback stand-in (not cached: its prices are made up); and when
 * QLIK_AZURE_RETAIL_PRICES_URL is set, from there: a test seam, so that tests reach only loopback.
 * Loaded by the commands that show an estimate, so no other command pays for it.
 */
import { DEFAULT_CURRENCY } from '../cost/currencies.js';
import { narrowedTo, type CostedResource, type CostInputs } from '../cost/estimate.js';
import type { CostOutcome, PriceSource } from '../cost/index.js';

export const RETAIL_PRICES_URL_ENV = 'QLIK_AZURE_RETAIL_PRICES_URL';
const STAND_IN_TIMEOUT_MS = 60_000;

export interface CostOptions {
  /** --currency, already checked (parseCurrency). */
  readonly currency?: string | undefined;
  readonly simulate?: boolean | undefined;
}

async function priced(options: CostOptions, inputs: CostInputs, offline: boolean): Promise<CostOutcome> {
  const [{ monthlyCost }, { priceCacheDirectory }, { PUBLIC_RETAIL_PRICES_URL }] = await Promise.all([
    import('../cost/index.js'), import('../cost/price-cache.js'), import('../cost/retail-prices.js'),
  ]);
  const currency = options.currency ?? DEFAULT_CURRENCY;
  const seam = process.env[RETAIL_PRICES_URL_ENV];
  const from = (source: Omit<PriceSource, 'offline'>) => monthlyCost(inputs, currency, { ...source, offline });
  if (!seam && !options.simulate) return from({ baseUrl: PUBLIC_RETAIL_PRICES_URL, cacheDirectory: priceCacheDirectory() });
  // The time limit guards against a slow internet; a stand-in on loopback is only as slow as a busy machine.
  if (seam) return from({ baseUrl: seam, cacheDirectory: priceCacheDirectory(), timeoutMs: STAND_IN_TIMEOUT_MS });
  const { startRetailPricesStandIn } = await import('../simulator/retail-prices.js');
  const standIn = await startRetailPricesStandIn();
  try {
    return await from({ baseUrl: standIn.url, label: 'the simulator\'s made-up prices', timeoutMs: STAND_IN_TIMEOUT_MS });
  } finally {
    await standIn.close();
  }
}

/** Never fails: without prices the outcome says why, and the command goes on. */
export async function estimateCost(options: CostOptions, inputs: CostInputs, { offline = false } = {}): Promise<CostOutcome> {
  try {
    return await priced(options, inputs, offline);
  } catch (error) {
    return { kind: 'omitted', reason: `no prices (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** The guide step that creates each priced resource: what status counts is what the journal says exists. */
const CREATED_BY: Readonly<Record<CostedResource, number>> = { storageAccount: 13, publicIp: 26, vm: 29, osDisk: 29, dataDisk: 29 };

/** The estimate of the resources whose step is done; omitted, without asking for prices, when none is. */
export async function existingCost(options: CostOptions, config: CostInputs, done: (step: number) => boolean): Promise<CostOutcome> {
  const existing = new Set((Object.keys(CREATED_BY) as CostedResource[]).filter((kind) => done(CREATED_BY[kind])));
  if (existing.size === 0) return { kind: 'omitted', reason: 'nothing that costs money exists yet' };
  const outcome = await estimateCost(options, config);
  return outcome.kind === 'omitted' ? outcome : { ...outcome, estimate: narrowedTo(outcome.estimate, existing) };
}
