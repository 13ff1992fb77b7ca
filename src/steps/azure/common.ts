/**
 * What every Azure step shares: resource ids derived from names (so plan can describe a NIC before its
 * subnet exists), the deployment's tags, and comparisons that tolerate ARM's casing.
 */
import type { ResolvedConfig } from '../../config/derive.js';
import { StepError, type StepContext } from '../../engine/step.js';
import { DEPLOYMENT_TAG } from '../teardown.js';

export type Tags = Record<string, string>;

/** The id ARM gives a resource of the deployment's group, e.g. armId(ctx, 'Microsoft.Network', 'virtualNetworks', name). */
export function armId(ctx: StepContext, provider: string, ...typeNamePairs: string[]): string {
  return `/subscriptions/${ctx.azure.subscriptionId}/resourceGroups/${ctx.config.names.resourceGroup}/providers/${provider}/${typeNamePairs.join('/')}`;
}

/** ARM ids are case-insensitive, and ARM itself returns them in varying case. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export function sameText(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

/** Every resource carries the deployment tag (destroy trusts it on the group) and the user's tags. */
export function deploymentTags(config: ResolvedConfig): Tags {
  return { [DEPLOYMENT_TAG]: config.deployment, ...config.tags };
}

/** Tags that are missing or different; tags someone else added are left alone. */
export function tagDifferences(live: Tags | undefined, desired: Tags): string[] {
  return Object.entries(desired)
    .filter(([key, value]) => live?.[key] !== value)
    .map(([key, value]) => `tag ${key}: ${live?.[key] === undefined ? '(none)' : JSON.stringify(live[key])} → ${JSON.stringify(value)}`);
}

export function mergedTags(live: Tags | undefined, desired: Tags): Tags {
  return { ...live, ...desired };
}

/** A value ARM must have returned; its absence means the simulator or Azure broke the contract. */
export function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`Azure returned no ${what}`);
  return value;
}

/** A name Azure hands out globally (a storage account) or per region (a DNS label), checked before a create. */
export interface GloballyUniqueName {
  readonly name: string;
  /** Offered when the name is taken, if it is free itself. */
  readonly alternative: string;
  /** The failure, e.g. "DNS label 'x' is already used in westeurope". */
  readonly taken: string;
  readonly code: string;
  /** Where the config sets it, e.g. "network: { dnsLabel: x }". */
  setting(name: string): string;
  isFree(name: string): Promise<boolean>;
  /** A read right after our own create can miss it (ARM's eventual consistency): then the name is ours. */
  isOurs(): Promise<boolean>;
}

export async function requireFreeName(check: GloballyUniqueName): Promise<void> {
  if ((await check.isFree(check.name)) || (await check.isOurs())) return;
  const suggestion = (await check.isFree(check.alternative)) ? `'${check.alternative}' is free` : 'choose another one';
  throw new StepError(check.taken, {
    code: check.code,
    advice: `Fix: ${suggestion}; set it in the config as ${check.setting(check.alternative)}, then run \`qlik-azure resume\``,
  });
}
