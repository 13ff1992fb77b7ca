/**
 * Client of the public Azure Retail Prices API: no sign-in, OData `$filter`, `currencyCode`, pages followed
 * through NextPageLink (https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices).
 * Only the fields the estimate reads are kept.
 */
export const PUBLIC_RETAIL_PRICES_URL = 'https://prices.azure.com/api/retail/prices';

/** One meter's price, as the API lists it. */
export interface RetailPrice {
  readonly serviceName: string;
  readonly productName: string;
  readonly skuName: string;
  readonly meterName: string;
  readonly armRegionName: string;
  readonly armSkuName: string;
  readonly type: string;
  readonly unitOfMeasure: string;
  readonly retailPrice: number;
  readonly tierMinimumUnits: number;
  readonly currencyCode: string;
}

export interface PriceQuery {
  /** The OData $filter, e.g. serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope'. */
  readonly filter: string;
  /** ISO code the API converts to, e.g. USD. */
  readonly currency: string;
}

/** A query runs at most this many pages: the estimate's filters return a few hundred items. */
const MAX_PAGES = 20;

interface PricePage {
  Items?: Partial<RetailPrice>[];
  NextPageLink?: string | null;
}

function keep(item: Partial<RetailPrice>): RetailPrice {
  return {
    serviceName: item.serviceName ?? '', productName: item.productName ?? '', skuName: item.skuName ?? '', meterName: item.meterName ?? '',
    armRegionName: item.armRegionName ?? '', armSkuName: item.armSkuName ?? '', type: item.type ?? '', unitOfMeasure: item.unitOfMeasure ?? '',
    retailPrice: Number(item.retailPrice), tierMinimumUnits: Number(item.tierMinimumUnits ?? 0), currencyCode: item.currencyCode ?? '',
  };
}

export function priceQueryUrl(baseUrl: string, query: PriceQuery): string {
  const url = new URL(baseUrl);
  url.searchParams.set('currencyCode', `'${query.currency}'`);
  url.searchParams.set('$filter', query.filter);
  return url.toString();
}

/**
 * Every item the query matches. The next page is followed only on the API's own origin, so a changed answer
 * cannot send the tool elsewhere; `signal` bounds the whole walk.
 */
export async function fetchRetailPrices(baseUrl: string, query: PriceQuery, signal: AbortSignal): Promise<RetailPrice[]> {
  const origin = new URL(baseUrl).origin;
  const items: RetailPrice[] = [];
  let next: string | null | undefined = priceQueryUrl(baseUrl, query);
  for (let page = 0; next; page += 1) {
    if (page === MAX_PAGES) throw new Error(`the price list for ${query.filter} runs past ${MAX_PAGES} pages`);
    if (new URL(next).origin !== origin) throw new Error(`the price list's next page is on ${new URL(next).origin}, not ${origin}`);
    const response = await fetch(next, { signal, headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`the Retail Prices API answered ${response.status} ${response.statusText}`.trim());
    const body = await response.json() as PricePage;
    // An item without a usable price is no price at all: its line then says unknown.
    items.push(...(body.Items ?? []).map(keep).filter((item) => Number.isFinite(item.retailPrice)));
    next = body.NextPageLink;
  }
  return items;
}
