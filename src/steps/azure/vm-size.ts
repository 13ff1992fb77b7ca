/**
 * Guide steps 23-24, checked before anything is created: is vm.size offered to this subscription in the
 * region, can it boot the (Gen2) image and, for a Premium_LRS OS disk, attach premium storage (resourceSkus
 * capabilities HyperVGenerations and PremiumIO), and does the core quota have room for it? Every failure
 * says what would work instead.
 */
import type { ResourceSku } from '@azure/arm-compute';
import { OFFERED_IMAGE_GENERATION } from '../../qlik/images.js';
import { findVmSize, VM_SIZES } from '../../qlik/sizing.js';
import { StepError, type StepContext, type StepOutputs } from '../../engine/step.js';
import { sameText } from './common.js';
import { azureStep } from './reconcile.js';
import { readVm } from './vm.js';

/** Why a SKU is closed to this subscription in the region; undefined when it is open. */
function restriction(sku: ResourceSku, location: string): string | undefined {
  const found = sku.restrictions?.find((r) => r.type === 'Location' && (r.values ?? []).some((value) => sameText(value, location)));
  return found ? found.reasonCode ?? 'restricted' : undefined;
}

async function regionSkus(ctx: StepContext): Promise<ResourceSku[]> {
  const client = await ctx.azure.compute();
  const skus: ResourceSku[] = [];
  for await (const sku of client.resourceSkus.list({ filter: `location eq '${ctx.config.location}'` })) {
    if (sku.resourceType === 'virtualMachines') skus.push(sku);
  }
  return skus;
}

/** Sizes open in the region: the tool's sizing table first, since those are the ones it recommends. */
function openSizes(skus: readonly ResourceSku[], location: string): string[] {
  const open = skus.filter((sku) => !restriction(sku, location)).map((sku) => sku.name ?? '');
  const recommended = VM_SIZES.map((size) => size.name).filter((name) => open.some((o) => sameText(o, name)));
  return recommended.length > 0 ? recommended : open.slice(0, 10);
}

function capability(sku: ResourceSku, name: string): string | undefined {
  return sku.capabilities?.find((c) => c.name === name)?.value;
}

function sizeSeries(name: string | undefined): string {
  return /^(?:Standard|Basic)_([A-Za-z])/.exec(name ?? '')?.[1]?.toUpperCase() ?? '';
}

/** What the config needs of a size beyond availability: booting the Gen2 image, and premium storage for a Premium_LRS OS disk. */
function incapability(ctx: StepContext, sku: ResourceSku): string | undefined {
  const generations = capability(sku, 'HyperVGenerations') ?? 'V1';
  if (!generations.split(',').map((g) => g.trim()).includes(OFFERED_IMAGE_GENERATION)) {
    return `cannot boot the Hyper-V generation ${OFFERED_IMAGE_GENERATION.slice(1)} image ${ctx.config.vm.image} (the size's HyperVGenerations: ${generations})`;
  }
  if (ctx.config.vm.osDiskType.startsWith('Premium') && capability(sku, 'PremiumIO') !== 'True') {
    return `has no premium storage (PremiumIO ${capability(sku, 'PremiumIO') ?? 'False'}), but vm.osDiskType is ${ctx.config.vm.osDiskType}`;
  }
  return undefined;
}

/**
 * Open sizes in the region that the config can use, closest first: the same number of vCPUs, then the same
 * series (D, E, ...), then the tool's sizing table, then the nearest core count.
 */
function fittingSizes(ctx: StepContext, skus: readonly ResourceSku[], wanted: ResourceSku): string[] {
  const cores = (sku: ResourceSku) => Number(capability(sku, 'vCPUs') ?? 0);
  const tableIndex = (sku: ResourceSku) => {
    const index = VM_SIZES.findIndex((size) => sameText(size.name, sku.name));
    return index < 0 ? VM_SIZES.length : index;
  };
  const rank = (sku: ResourceSku) => [
    cores(sku) === cores(wanted) ? 0 : 1,
    sizeSeries(sku.name) === sizeSeries(wanted.name) ? 0 : 1,
    tableIndex(sku),
    Math.abs(cores(sku) - cores(wanted)),
  ];
  const byRank = (a: ResourceSku, b: ResourceSku) => {
    const [ra, rb] = [rank(a), rank(b)];
    const differing = ra.findIndex((value, i) => value !== rb[i]);
    return differing < 0 ? 0 : ra[differing]! - rb[differing]!;
  };
  return skus
    .filter((sku) => !sameText(sku.name, wanted.name) && !restriction(sku, ctx.config.location) && !incapability(ctx, sku))
    .sort(byRank)
    .slice(0, 5)
    .map((sku) => sku.name ?? '');
}

function requireCapable(ctx: StepContext, skus: readonly ResourceSku[], sku: ResourceSku): void {
  const problem = incapability(ctx, sku);
  if (!problem) return;
  const fitting = fittingSizes(ctx, skus, sku);
  const cores = capability(sku, 'vCPUs');
  const coresOf = (name: string) => capability(skus.find((candidate) => sameText(candidate.name, name))!, 'vCPUs');
  const same = fitting.filter((name) => coresOf(name) === cores);
  const other = fitting.filter((name) => coresOf(name) !== cores);
  const groups = [same.length > 0 ? `with ${cores} vCPUs: ${same.join(', ')}` : '', other.length > 0 ? `${same.length > 0 ? 'other' : 'with other'} core counts: ${other.join(', ')}` : ''].filter(Boolean);
  const listed = fitting.length > 0
    ? `Sizes in ${ctx.config.location} that fit, ${groups.join('; ')}. Fix: set vm.size to one of them`
    : `No open size in ${ctx.config.location} fits. Fix: choose another location`;
  const diskAlternative = problem.includes('premium storage') ? ', or set vm.osDiskType: StandardSSD_LRS' : '';
  throw new StepError(`${sku.name ?? ctx.config.vm.size} ${problem}`, { code: 'SizeNotCapable', advice: `${listed}${diskAlternative}; then run \`qlik-azure resume\`` });
}

/** Free cores per quota key ("cores" is the regional total) in the region. */
async function freeCores(ctx: StepContext): Promise<Map<string, { free: number; limit: number; used: number }>> {
  const client = await ctx.azure.compute();
  const free = new Map<string, { free: number; limit: number; used: number }>();
  for await (const usage of client.usage.list(ctx.config.location)) {
    free.set((usage.name.value ?? '').toLowerCase(), { free: usage.limit - usage.currentValue, limit: usage.limit, used: usage.currentValue });
  }
  return free;
}

async function requireQuota(ctx: StepContext, quotaFamily: string, vcpus: number, openNames: readonly string[]): Promise<void> {
  const { location } = ctx.config;
  const cores = await freeCores(ctx);
  const room = (family: string, needed: number) => [family, 'cores'].every((key) => (cores.get(key.toLowerCase())?.free ?? Infinity) >= needed);
  const short = [quotaFamily, 'cores'].find((key) => !room(key, vcpus));
  if (!short) return;
  const usage = cores.get(short.toLowerCase())!;
  const what = short === 'cores' ? 'total regional vCPUs' : short;
  const fitting = VM_SIZES.filter((size) => openNames.some((name) => sameText(name, size.name)) && room(size.quotaFamily, size.vcpus)).map((size) => size.name);
  throw new StepError(`${ctx.config.vm.size} needs ${vcpus} cores of ${what} in ${location}, but only ${Math.max(0, usage.free)} of ${usage.limit} are free`, {
    code: 'QuotaExceeded',
    advice: `Fix: request a quota of at least ${usage.used + vcpus} for ${what} in ${location} (Azure portal → Subscriptions → Usage + quotas → New quota request)${fitting.length > 0 ? `, or set vm.size to a size whose quota has room (${fitting.join(', ')})` : ''}; then run \`qlik-azure resume\``,
  });
}

async function checkSize(ctx: StepContext): Promise<StepOutputs> {
  const { size } = ctx.config.vm;
  const { location } = ctx.config;
  const skus = await regionSkus(ctx);
  const sku = skus.find((candidate) => sameText(candidate.name, size));
  const alternatives = () => `Sizes open to this subscription in ${location}: ${openSizes(skus, location).join(', ') || 'none found'}`;
  if (!sku) throw new StepError(`${size} is not offered in ${location}`, { code: 'SkuNotAvailable', advice: `${alternatives()}. Fix: set vm.size to one of them, or choose another location` });
  const closed = restriction(sku, location);
  if (closed) {
    throw new StepError(`${size} is not available to this subscription in ${location} (${closed})`, {
      code: 'SkuNotAvailable',
      advice: `${alternatives()}. Fix: set vm.size to one of them, or ask Azure support to open ${size} in ${location} (https://aka.ms/azureskunotavailable)`,
    });
  }
  requireCapable(ctx, skus, sku);
  const known = findVmSize(size);
  const vcpus = Number(capability(sku, 'vCPUs') ?? known?.vcpus);
  const quotaFamily = sku.family ?? known?.quotaFamily ?? 'unknown';
  // A VM that already exists holds its cores; counting them again would fail every re-run near the limit.
  if (!(await readVm(ctx))) await requireQuota(ctx, quotaFamily, vcpus, openSizes(skus, location));
  return { vmSize: sku.name ?? size, vcpus, quotaFamily };
}

export const vmSizeCheck = azureStep({
  plan: async (ctx) => ({ change: 'check', summary: `${ctx.config.vm.size} offered in ${ctx.config.location}, with core quota to spare` }),
  apply: async (ctx) => ({ change: 'checked', outputs: await checkSize(ctx) }),
});
