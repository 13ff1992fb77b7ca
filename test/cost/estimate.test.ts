/** The estimate's arithmetic and what each line says it assumes: hand-made price lists, nothing fetched. */
import { describe, expect, it } from 'vitest';
import { estimateMonthlyCost, narrowedTo, type CostInputs, type PriceBook } from '../../src/cost/estimate.js';
import { diskTier } from '../../src/cost/meters.js';
import type { RetailPrice } from '../../src/cost/retail-prices.js';

const price = (fields: Partial<RetailPrice>): RetailPrice => ({
  serviceName: '', productName: '', skuName: '', meterName: '', armRegionName: 'eastus', armSkuName: '', type: 'Consumption',
  unitOfMeasure: '1 Hour', retailPrice: 0, tierMinimumUnits: 0, currencyCode: 'USD', ...fields,
});

const vmPrice = (productName: string, skuName: string, retailPrice: number, type = 'Consumption') =>
  price({ serviceName: 'Virtual Machines', productName, skuName, meterName: skuName, armSkuName: 'Standard_D4s_v5', type, retailPrice });

const BOOK: PriceBook = {
  vm: [
    vmPrice('Virtual Machines Dv5 Series Windows', 'D4s v5 Spot', 0.07),
    vmPrice('Virtual Machines Dv5 Series Windows', 'D4s v5 Low Priority', 0.07),
    vmPrice('Virtual Machines Dv5 Series', 'D4s v5', 1000, 'Reservation'),
    vmPrice('Virtual Machines Dv5 Series Windows', 'D4s v5', 0.192, 'DevTestConsumption'),
    vmPrice('Virtual Machines Dv5 Series', 'D4s v5', 0.192),
    vmPrice('Virtual Machines Dv5 Series Windows', 'D4s v5', 0.376),
  ],
  disks: [
    price({ meterName: 'P10 LRS Disk Mount', unitOfMeasure: '1/Month', retailPrice: 1.97 }),
    price({ meterName: 'P10 LRS Disk', unitOfMeasure: '1/Month', retailPrice: 19.71 }),
    price({ meterName: 'P30 LRS Disk', unitOfMeasure: '1/Month', retailPrice: 135.17 }),
    price({ meterName: 'E10 LRS Disk', unitOfMeasure: '1/Month', retailPrice: 9.6 }),
  ],
  publicIp: [price({ meterName: 'Basic IPv4 Static Public IP', retailPrice: 0.0036 }), price({ meterName: 'Standard IPv4 Static Public IP', retailPrice: 0.005 })],
  blobStorage: [
    price({ meterName: 'Hot LRS Data Stored', unitOfMeasure: '1 GB/Month', retailPrice: 0.0177, tierMinimumUnits: 51_200 }),
    price({ meterName: 'Hot LRS Data Stored', unitOfMeasure: '1 GB/Month', retailPrice: 0.0184 }),
  ],
};

const INPUTS: CostInputs = {
  location: 'eastus',
  vm: { size: 'Standard_D4s_v5', licenseType: 'None', osDiskType: 'Premium_LRS', dataDiskSizeGb: 0 },
  names: { vm: 'qlik-vm', osDisk: 'qlik-vm-osdisk', dataDisk: 'qlik-vm-qlikshare', publicIp: 'qlik-ip', storageAccount: 'qaqlik12345678' },
};

const withVm = (vm: Partial<CostInputs['vm']>): CostInputs => ({ ...INPUTS, vm: { ...INPUTS.vm, ...vm } });

describe('monthly estimate', () => {
  it('prices the VM at the pay-as-you-go Windows rate for 730 hours, not Spot, Low Priority, Dev/Test or a reservation', () => {
    const estimate = estimateMonthlyCost(INPUTS, BOOK, 'USD');
    expect(estimate.lines[0]).toEqual({
      kind: 'vm',
      resource: 'VM qlik-vm',
      item: 'Standard_D4s_v5, Windows Server licence included',
      assumes: '730 hours a month (always on) at 0.376 USD/hour, pay as you go',
      monthly: 274.48,
    });
  });

  it('with Azure Hybrid Benefit prices the VM at the base (Linux) compute rate', () => {
    const line = estimateMonthlyCost(withVm({ licenseType: 'Windows_Server' }), BOOK, 'USD').lines[0]!;
    expect(line.monthly).toBe(140.16);
    expect(line.item).toBe('Standard_D4s_v5, Azure Hybrid Benefit (your Windows Server licence): base compute rate');
  });

  it('lists the OS disk by its tier, the Standard static IP by the hour and the storage account by the GB assumed, and adds them up', () => {
    const estimate = estimateMonthlyCost(INPUTS, BOOK, 'USD');
    expect(estimate.lines.slice(1).map(({ resource, item, assumes, monthly }) => [resource, item, assumes, monthly])).toEqual([
      ['OS disk qlik-vm-osdisk', 'Premium SSD P10 (127 GB)', '1 disk a month at 19.71 USD/month', 19.71],
      ['Public IP qlik-ip', 'Standard SKU, static IPv4', '730 hours a month at 0.005 USD/hour', 3.65],
      ['Storage account qaqlik12345678', 'StorageV2, hot, LRS', '5 GB stored (installer, boot diagnostics, Run Command logs) at 0.0184 USD/GB-month; transactions not counted', 0.09],
    ]);
    expect(estimate).toMatchObject({ total: 297.93, partial: false, currency: 'USD', region: 'eastus' });
  });

  it('adds a data disk priced by the tier its size falls in, of the OS disk\'s type', () => {
    const estimate = estimateMonthlyCost(withVm({ dataDiskSizeGb: 1000 }), BOOK, 'USD');
    expect(estimate.lines.map((line) => line.resource)).toContain('Data disk qlik-vm-qlikshare');
    expect(estimate.lines.find((line) => line.resource.startsWith('Data disk'))).toMatchObject({ item: 'Premium SSD P30 (1000 GB)', monthly: 135.17 });
    expect(estimate.total).toBe(433.1);
  });

  it('counts only the resources asked for, and totals them again', () => {
    const onlyNetwork = narrowedTo(estimateMonthlyCost(INPUTS, BOOK, 'USD'), new Set(['publicIp', 'storageAccount']));
    expect(onlyNetwork.lines.map((line) => line.kind)).toEqual(['publicIp', 'storageAccount']);
    expect(onlyNetwork).toMatchObject({ total: 3.74, partial: false });
  });

  it('prices Standard SSD disks by their E tier and says their transactions are not counted', () => {
    const line = estimateMonthlyCost(withVm({ osDiskType: 'StandardSSD_LRS' }), BOOK, 'USD').lines[1]!;
    expect(line).toEqual({ kind: 'osDisk', resource: 'OS disk qlik-vm-osdisk', item: 'Standard SSD E10 (127 GB)', assumes: '1 disk a month at 9.6 USD/month; transactions not counted', monthly: 9.6 });
  });

  it('says a price is unknown rather than guess, and the total is then partial', () => {
    const estimate = estimateMonthlyCost(withVm({ size: 'Standard_DS3_v2' }), BOOK, 'USD');
    expect(estimate.lines[0]).toEqual({ kind: 'vm', resource: 'VM qlik-vm', item: 'Standard_DS3_v2, Windows Server licence included', assumes: 'no pay-as-you-go Windows price for Standard_DS3_v2 in eastus', unknown: 'price unknown' });
    expect(estimate).toMatchObject({ total: 23.45, partial: true });
  });
});

describe('disk tiers', () => {
  it.each([
    ['Premium_LRS', 4, 'P1'], ['Premium_LRS', 5, 'P2'], ['Premium_LRS', 127, 'P10'], ['Premium_LRS', 128, 'P10'], ['Premium_LRS', 129, 'P15'],
    ['Premium_LRS', 1024, 'P30'], ['StandardSSD_LRS', 64, 'E6'], ['StandardSSD_LRS', 32767, 'E80'],
  ])('%s of %i GB is billed as %s', (type, size, tier) => {
    expect(diskTier(type, size)).toBe(tier);
  });
});
