/** The Retail Prices stand-in answers as the documented API does: filter syntax, paging, currencies, refusals. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRetailFilter, RETAIL_PRICE_CATALOGUE, startRetailPricesStandIn, type RetailPricesStandIn } from '../../src/simulator/retail-prices.js';

let standIn: RetailPricesStandIn;
beforeEach(async () => { standIn = await startRetailPricesStandIn({ pageSize: 3 }); });
afterEach(() => standIn.close());

async function get(query: string): Promise<{ status: number; body: { Items: { retailPrice: number; currencyCode: string; skuName: string }[]; NextPageLink: string | null; Count: number; BillingCurrency: string } }> {
  const response = await fetch(`${standIn.url}?${query}`);
  return { status: response.status, body: await response.json() as never };
}

describe('Retail Prices stand-in', () => {
  it('filters with eq, contains and and; values are case-sensitive; a quote is doubled', () => {
    const matches = parseRetailFilter("serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and contains(skuName, 'Spot')");
    const found = RETAIL_PRICE_CATALOGUE.filter(matches);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((item) => item.skuName.endsWith(' Spot') && item.armRegionName === 'eastus')).toBe(true);
    expect(RETAIL_PRICE_CATALOGUE.filter(parseRetailFilter("serviceName eq 'virtual machines'"))).toEqual([]);
    expect(RETAIL_PRICE_CATALOGUE.filter(parseRetailFilter("productName eq 'it''s not there'"))).toEqual([]);
  });

  it('pages through NextPageLink until it is null', async () => {
    const filter = encodeURIComponent("serviceName eq 'Virtual Network' and armRegionName eq 'eastus'");
    const first = await get(`$filter=${filter}`);
    expect(first.body).toMatchObject({ Count: 3, BillingCurrency: 'USD' });
    expect(first.body.NextPageLink).toBeNull(); // 3 IP meters, one page
    const disks = await get(`$filter=${encodeURIComponent("armRegionName eq 'eastus' and meterName eq 'P10 LRS Disk'")}`);
    expect(disks.body.Items.map((item) => item.skuName)).toEqual(['P10 LRS']);
    const many = await get(`$filter=${encodeURIComponent("armRegionName eq 'eastus' and contains(meterName, 'LRS Disk')")}`);
    const next = new URL(many.body.NextPageLink!);
    expect(next.searchParams.get('$skip')).toBe('3');
    const second = await (await fetch(next)).json() as { Items: unknown[] };
    expect(second.Items).toHaveLength(3);
  });

  it('converts to the currency asked for, and refuses one it does not offer and a filter it cannot read', async () => {
    const filter = encodeURIComponent("armRegionName eq 'eastus' and meterName eq 'Standard IPv4 Static Public IP'");
    expect((await get(`currencyCode='EUR'&$filter=${filter}`)).body.Items[0]).toMatchObject({ currencyCode: 'EUR', retailPrice: 0.0046 });
    expect((await get(`currencyCode='XYZ'&$filter=${filter}`)).status).toBe(400);
    expect((await get(`$filter=${encodeURIComponent("armRegionName ne 'eastus'")}`)).status).toBe(400);
    expect((await get(`$filter=${encodeURIComponent("colour eq 'blue'")}`)).status).toBe(400);
  });
});
