/**
 * The monthly cost estimate through the built CLI: plan, plan --json, --currency, status (what exists costs
 * now) and destroy (what deleting stops). Prices come from the loopback stand-in of the Retail Prices API
 * (QLIK_AZURE_RETAIL_PRICES_URL, the test seam), or from the CLI's own stand-in under --simulate.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRetailPricesStandIn, type RetailPricesStandIn } from '../../src/simulator/retail-prices.js';
import { ROOT, runCli, type CliResult } from '../support/cli.js';
import { copyExampleSecrets, type ExampleSecrets } from '../support/example-secrets.js';

let dir: string;
let secrets: ExampleSecrets;
let standIn: RetailPricesStandIn;
const EXAMPLE = join(ROOT, 'examples/qlik-azure.yaml');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qlik-azure-cost-'));
  secrets = await copyExampleSecrets(dir);
  standIn = await startRetailPricesStandIn({ pageSize: 25 });
});
afterEach(async () => {
  await standIn.close();
  await rm(dir, { recursive: true, force: true });
});

const env = (priceUrl = standIn.url) => ({ QLIK_AZURE_RETAIL_PRICES_URL: priceUrl, XDG_CACHE_HOME: join(dir, 'cache') });
const simulated = (config = EXAMPLE) => ['--simulate', '--config', config, '--secrets-file', secrets.path, '--state-dir', join(dir, 'state')];
const cli = (args: string[], priceUrl?: string) => runCli(args, { cwd: dir, env: env(priceUrl) });

function ok(result: CliResult): CliResult {
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result;
}

const today = () => new Date().toISOString().slice(0, 10);

describe('plan shows a monthly cost estimate', () => {
  it('lists each resource with what it assumes, and the total', async () => {
    const { stdout } = ok(await cli(['plan', ...simulated()]));
    expect(stdout).toContain(`Monthly cost estimate (USD, westeurope; Azure retail prices of ${today()}, pay as you go):`);
    expect(stdout).toMatch(/ {2}VM qlik-demo-vm +USD 301\.93 {2}Standard_D4s_v5, Windows Server licence included\n +730 hours a month \(always on\) at 0\.4136 USD\/hour, pay as you go\n/);
    expect(stdout).toMatch(/OS disk qlik-demo-vm-osdisk +USD 21\.68 {2}Premium SSD P10 \(127 GB\)/);
    expect(stdout).toMatch(/Public IP qlik-demo-ip +USD 4\.02 {2}Standard SKU, static IPv4\n +730 hours a month at 0\.0055 USD\/hour\n/);
    expect(stdout).toMatch(/Storage account qaqlikdemo\w+ +USD 0\.10 {2}StorageV2, hot, LRS\n +5 GB stored/);
    expect(stdout).toMatch(/ {2}Total +USD 327\.73 {2}a month\n/);
  });

  it('plan --json carries the lines, their assumptions and the total', async () => {
    const { stdout } = ok(await cli(['plan', ...simulated(), '--json', '--currency', 'eur']));
    const { cost } = JSON.parse(stdout) as { cost: Record<string, unknown> & { lines: { kind: string; monthly: number }[] } };
    expect(cost).toMatchObject({ currency: 'EUR', region: 'westeurope', cached: false, partial: false, assumptions: { hoursPerMonth: 730, osDiskGb: 127, storageGb: 5, pricing: 'pay as you go' } });
    expect(cost.lines.map((line) => line.kind)).toEqual(['vm', 'osDisk', 'publicIp', 'storageAccount']);
    expect(cost.monthlyTotal).toBe(Math.round(cost.lines.reduce((sum, line) => sum + line.monthly, 0) * 100) / 100);
    expect(standIn.requests().every((search) => new URLSearchParams(search).get('currencyCode') === "'EUR'")).toBe(true);
  });

  it('plan --offline uses the prices cached by an earlier plan, dated; with none cached it omits the estimate in one line', async () => {
    const before = ok(await cli(['plan', '--offline', '--config', EXAMPLE]));
    expect(before.stdout.trimEnd().split('\n').at(-1)).toBe('Monthly cost estimate: omitted, no prices (offline, and no prices are cached for this region, size and currency yet).');
    expect(standIn.requests()).toEqual([]);
    ok(await cli(['plan', ...simulated()]));
    expect(await readdir(join(dir, 'cache', 'qlik-azure', 'retail-prices'))).toHaveLength(4);
    const asked = standIn.requests().length;
    const after = ok(await cli(['plan', '--offline', '--config', EXAMPLE]));
    expect(standIn.requests()).toHaveLength(asked);
    expect(after.stdout).toContain(`Monthly cost estimate (USD, westeurope; Azure retail prices of ${today()}, cached, pay as you go):`);
    expect(after.stdout).toMatch(/Total +USD 327\.73 {2}a month/);
  });

  it('when the prices cannot be fetched, the plan goes on and says why there is no estimate', async () => {
    const { stdout } = ok(await cli(['plan', ...simulated()], 'http://127.0.0.1:1/api/retail/prices'));
    expect(stdout).toMatch(/^Plan: /m);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^Monthly cost estimate: omitted, no prices \(fetch failed: .+\)\.$/);
  });

  it('a region without the size: that line says price unknown and the total is partial', async () => {
    const config = join(dir, 'sweden.yaml');
    await writeFile(config, (await readFile(EXAMPLE, 'utf8')).replace('location: westeurope', 'location: swedencentral').replace('size: Standard_D4s_v5', 'size: Standard_DS3_v2'));
    const { stdout } = ok(await cli(['plan', ...simulated(config)]));
    expect(stdout).toMatch(/VM qlik-demo-vm +price unknown {2}Standard_DS3_v2, Windows Server licence included\n +no pay-as-you-go Windows price for Standard_DS3_v2 in swedencentral\n/);
    expect(stdout).toMatch(/Total, partial \(1 price unknown\) +USD 25\.33 {2}a month at least/);
  });

  it('Azure Hybrid Benefit (vm.licenseType: Windows_Server) prices the VM at the base compute rate', async () => {
    const config = join(dir, 'byol.yaml');
    await writeFile(config, (await readFile(EXAMPLE, 'utf8')).replace('licenseType: None', 'licenseType: Windows_Server'));
    const { stdout } = ok(await cli(['plan', ...simulated(config)]));
    expect(stdout).toMatch(/VM qlik-demo-vm +USD 154\.18 {2}Standard_D4s_v5, Azure Hybrid Benefit \(your Windows Server licence\): base compute rate/);
  });

  it('--simulate without the seam prices with the simulator\'s own stand-in, and says the prices are made up', async () => {
    const { stdout } = ok(await cli(['plan', ...simulated()], ''));
    expect(stdout).toContain(`Monthly cost estimate (USD, westeurope; the simulator's made-up prices of ${today()}, pay as you go):`);
    expect(standIn.requests()).toEqual([]);
  });

  it('refuses a currency the API does not offer, naming the flag and the choices', async () => {
    const result = await cli(['plan', '--offline', '--config', EXAMPLE, '--currency', 'XYZ']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("option '--currency <code>' argument 'XYZ' is invalid. 'XYZ' is not a currency Azure's retail prices come in; use one of USD, AUD");
  });
});

describe('status and destroy: what it costs now, and what deleting stops', () => {
  it('status prices what exists; destroy says what deleting it stops costing', async () => {
    ok(await cli(['apply', ...simulated(), '--yes', '--to-step', '5']));
    const nothing = ok(await cli(['status', ...simulated()]));
    expect(nothing.stdout.trimEnd().split('\n').at(-1)).toBe('What it costs now, a month: omitted, nothing that costs money exists yet.');
    expect(standIn.requests()).toEqual([]);

    ok(await cli(['apply', ...simulated(), '--yes', '--to-step', '26']));
    const early = ok(await cli(['status', ...simulated()]));
    expect(early.stdout).toMatch(/What it costs now, a month \(USD, westeurope; Azure retail prices of [\d-]+, pay as you go\):\n {2}Public IP qlik-demo-ip +USD 4\.02 .*\n.*\n {2}Storage account .*USD 0\.10 .*\n.*\n {2}Total +USD 4\.12 {2}a month\n/);

    ok(await cli(['apply', ...simulated(), '--yes', '--to-step', '30']));
    const status = JSON.parse(ok(await cli(['status', ...simulated(), '--json'])).stdout) as { cost: { monthlyTotal: number; lines: { kind: string }[] } };
    expect(status.cost.lines.map((line) => line.kind)).toEqual(['vm', 'osDisk', 'publicIp', 'storageAccount']);
    expect(status.cost.monthlyTotal).toBe(327.73);

    const destroy = ok(await cli(['destroy', ...simulated(), '--yes', '--confirm', 'qlik-demo']));
    expect(destroy.stdout).toMatch(/^ {2}Deleting it stops about USD 327\.73 a month of what qlik-azure made there \(Azure retail prices of [\d-]+, cached; --verbose lists each\)\.$/m);
  });

  it('destroy --json reports what the deletion stopped costing', async () => {
    ok(await cli(['apply', ...simulated(), '--yes', '--to-step', '30']));
    const { stdout } = ok(await cli(['destroy', ...simulated(), '--yes', '--json', '--confirm', 'qlik-demo', '--currency', 'GBP']));
    const summary = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { type?: string; monthlyCostStopped?: { currency: string; monthlyTotal: number } }).find((event) => event.type === 'summary');
    expect(summary?.monthlyCostStopped).toMatchObject({ currency: 'GBP', monthlyTotal: 258.84 });
  });
});
