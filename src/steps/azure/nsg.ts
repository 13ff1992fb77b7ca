/**
 * Guide steps 5-11: the network security group with its inbound rules in one request, and step 12, which
 * reads them back. The guide opens every Qlik port and RDP to "*"; here the Qlik ports are open to
 * network.allowedSourceCidrs, "*" only with network.allowAnySource, and RDP only when asked for. Only the
 * rules with this tool's fixed names are managed: others in the group (Defender just-in-time access, an
 * administrator's own) are kept on every write and left out of every comparison.
 */
import type { NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import { awaitOperation, lroOptions, readOptional } from '../../azure/arm-helpers.js';
import { qlikPorts, type ResolvedConfig } from '../../config/derive.js';
import { isAnySource } from '../../config/rules.js';
import { StepError, type StepContext, type StepImplementation } from '../../engine/step.js';
import { deploymentTags, mergedTags, required, tagDifferences } from './common.js';
import { azureStep, managedResourceStep } from './reconcile.js';

/** Names and priorities are fixed per port, so enabling HTTP later adds rules without renumbering. */
const PORT_RULES: Record<number, { name: string; priority: number }> = {
  443: { name: 'qlik-https-443', priority: 300 },
  4244: { name: 'qlik-auth-4244', priority: 310 },
  80: { name: 'qlik-http-80', priority: 320 },
  4248: { name: 'qlik-auth-http-4248', priority: 330 },
  3389: { name: 'rdp-3389', priority: 400 },
};

export interface InboundRule {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly sources: readonly string[];
}

/** The guide's "*": Azure's any-address prefix. */
const ANY = '*';

function qlikSources(config: ResolvedConfig): string[] {
  if (config.network.allowAnySource) return [ANY];
  return config.network.allowedSourceCidrs.filter((cidr) => !isAnySource(cidr));
}

export function desiredRules(config: ResolvedConfig): InboundRule[] {
  const rule = (port: number, sources: string[]): InboundRule => ({ ...PORT_RULES[port]!, port, sources });
  const rules = qlikPorts(config).map((port) => rule(port, qlikSources(config)));
  if (config.network.rdp.enabled) rules.push(rule(3389, [...config.network.rdp.sourceCidrs]));
  return rules.sort((a, b) => a.priority - b.priority);
}

function toSecurityRule(rule: InboundRule): SecurityRule {
  return {
    name: rule.name,
    description: `Qlik Sense on Azure (qlik-azure): TCP ${rule.port}`,
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: String(rule.port),
    destinationAddressPrefix: '*',
    // One source goes in the singular field, as the portal writes it; several in the list.
    ...(rule.sources.length === 1 ? { sourceAddressPrefix: rule.sources[0] } : { sourceAddressPrefixes: [...rule.sources] }),
    access: 'Allow',
    priority: rule.priority,
    direction: 'Inbound',
  };
}

function sourcesOf(rule: SecurityRule): string[] {
  const list = rule.sourceAddressPrefixes?.length ? rule.sourceAddressPrefixes : rule.sourceAddressPrefix ? [rule.sourceAddressPrefix] : [];
  return [...list].sort();
}

/** How a live rule differs from the wanted one, as "field: live → wanted" items. */
function ruleMismatches(live: SecurityRule, wanted: InboundRule): string[] {
  const expected: [string, unknown, unknown][] = [
    ['direction', live.direction, 'Inbound'],
    ['access', live.access, 'Allow'],
    ['protocol', live.protocol, 'Tcp'],
    ['port', live.destinationPortRange, String(wanted.port)],
    ['priority', live.priority, wanted.priority],
    ['sources', sourcesOf(live).join(','), [...wanted.sources].sort().join(',')],
    ['destination', live.destinationAddressPrefix, '*'],
  ];
  return expected.filter(([, actual, want]) => String(actual).toLowerCase() !== String(want).toLowerCase()).map(([field, actual, want]) => `${field} ${String(actual)} → ${String(want)}`);
}

/** The rules this tool writes, by their fixed names; any other rule (Defender just-in-time, an admin's own) is left alone. */
function isToolRule(rule: SecurityRule): boolean {
  return Object.values(PORT_RULES).some((owned) => owned.name.toLowerCase() === rule.name?.toLowerCase());
}

/** Every difference between this tool's live rules and the config, naming the rule; other rules are not compared. */
export function ruleDifferences(live: readonly SecurityRule[] | undefined, wanted: readonly InboundRule[]): string[] {
  const byName = new Map((live ?? []).map((rule) => [rule.name?.toLowerCase(), rule]));
  const differences = wanted.flatMap((rule) => {
    const found = byName.get(rule.name.toLowerCase());
    if (!found) return [`rule ${rule.name} (TCP ${rule.port}) missing`];
    return ruleMismatches(found, rule).map((mismatch) => `rule ${rule.name}: ${mismatch}`);
  });
  const extra = (live ?? []).filter((rule) => isToolRule(rule) && !wanted.some((w) => w.name.toLowerCase() === rule.name?.toLowerCase()));
  return [...differences, ...extra.map((rule) => `rule ${rule.name} (${rule.direction} ${rule.destinationPortRange}) is not in the config: removed`)];
}

const readNsg = (ctx: StepContext) => readOptional(async () => (await ctx.azure.network()).networkSecurityGroups.get(ctx.config.names.resourceGroup, ctx.config.names.nsg));

function describeRules(config: ResolvedConfig): string {
  return desiredRules(config).map((rule) => `${rule.port} from ${rule.sources.join(', ')}`).join('; ');
}

export const nsgStep = managedResourceStep<NetworkSecurityGroup>({
  label: (ctx) => `network security group ${ctx.config.names.nsg}`,
  summary: (ctx) => `${ctx.config.names.nsg}: ${describeRules(ctx.config)}`,
  read: readNsg,
  compare: (ctx, nsg) => ({
    differences: [...ruleDifferences(nsg.securityRules, desiredRules(ctx.config)), ...tagDifferences(nsg.tags, deploymentTags(ctx.config))],
    refusals: [],
  }),
  async write(ctx, live) {
    const client = await ctx.azure.network();
    const body: NetworkSecurityGroup = {
      location: live?.location ?? ctx.config.location,
      tags: mergedTags(live?.tags, deploymentTags(ctx.config)),
      // The group's other rules are sent back as they are: a PUT without them would delete them.
      securityRules: [...(live?.securityRules ?? []).filter((rule) => !isToolRule(rule)), ...desiredRules(ctx.config).map(toSecurityRule)],
    };
    const { resourceGroup, nsg } = ctx.config.names;
    return awaitOperation(ctx, `network security group ${nsg}`, client.networkSecurityGroups.createOrUpdate(resourceGroup, nsg, body, lroOptions(ctx)));
  },
  async settle(ctx, nsg) {
    if (ctx.config.network.allowAnySource) {
      ctx.note(`ports ${qlikPorts(ctx.config).join(', ')} are open to any address on the internet (network.allowAnySource), as the guide has it; list your users' ranges in network.allowedSourceCidrs to close them`);
    }
    return nsg;
  },
  outputs: (_ctx, nsg) => ({ nsgId: required(nsg.id, 'network security group id') }),
});

/** Step 12: the rules as Azure has them, compared one by one with the config. */
export const nsgRulesCheck: StepImplementation = azureStep({
  plan: async (ctx) => ({ change: 'check', summary: describeRules(ctx.config) }),
  async apply(ctx) {
    const nsg = await readNsg(ctx);
    if (!nsg) throw new StepError(`network security group ${ctx.config.names.nsg} does not exist`, { advice: "Run 'qlik-azure apply --from-step 5'" });
    const differences = ruleDifferences(nsg.securityRules, desiredRules(ctx.config));
    if (differences.length > 0) {
      throw new StepError(`the inbound rules of ${ctx.config.names.nsg} differ from the config: ${differences.join('; ')}`, {
        code: 'NsgRuleMismatch',
        advice: 'Someone changed the rules after step 5. Fix: run `qlik-azure apply --from-step 5` to restore them (or change the config to match)',
      });
    }
    const others = (nsg.securityRules ?? []).filter((rule) => !isToolRule(rule)).map((rule) => rule.name);
    if (others.length > 0) ctx.note(`rules not made by qlik-azure are left as they are: ${others.join(', ')}`);
    return { change: 'checked', outputs: { rules: desiredRules(ctx.config).map((rule) => rule.name) } };
  },
});
