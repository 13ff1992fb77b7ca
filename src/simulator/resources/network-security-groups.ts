// Microsoft.Network/networkSecurityGroups with inline securityRules (also addressable
// as child resources). Rules are validated as a whole collection, as NRP does.

import { ArmError, asArray, asObject, asString, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { REGIONS } from '../catalog.js';
import { route, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { requireLocation, validateSecurityRules } from '../validation.js';
import { NETWORK, alreadyGone, beginNetworkDelete, beginNetworkWrite } from './network-common.js';
import { requireResourceGroupForWrite } from './resource-groups.js';
import {
  findResource,
  fullType,
  listInGroup,
  listInSubscription,
  properties,
  requireResource,
  resourceIdFor,
  saveResource,
  templates,
  type ResourceType,
} from './tracked.js';

export const NSG: ResourceType = { provider: NETWORK, type: 'networkSecurityGroups' };
const RULE_TYPE = `${fullType(NSG)}/securityRules`;
const paths = templates(NSG);
const RULES = `${paths.item}/securityRules`;

/** The six rules every NSG carries (priorities 65000-65500), as ARM returns them. */
const DEFAULT_RULES: [string, string, number, string, string, string][] = [
  ['AllowVnetInBound', 'Inbound', 65000, 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowAzureLoadBalancerInBound', 'Inbound', 65001, 'Allow', 'AzureLoadBalancer', '*'],
  ['DenyAllInBound', 'Inbound', 65500, 'Deny', '*', '*'],
  ['AllowVnetOutBound', 'Outbound', 65000, 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowInternetOutBound', 'Outbound', 65001, 'Allow', '*', 'Internet'],
  ['DenyAllOutBound', 'Outbound', 65500, 'Deny', '*', '*'],
];

function ruleBody(nsgId: string, input: Record<string, unknown>, type = RULE_TYPE): ArmBody {
  const name = asString(input.name) ?? '';
  return {
    name,
    id: `${nsgId}/${type === RULE_TYPE ? 'securityRules' : 'defaultSecurityRules'}/${name}`,
    type,
    properties: { sourcePortRange: '*', ...asObject(input.properties), provisioningState: 'Succeeded' },
  };
}

function defaultRules(nsgId: string): ArmBody[] {
  return DEFAULT_RULES.map(([name, direction, priority, access, source, destination]) =>
    ruleBody(
      nsgId,
      {
        name,
        properties: {
          protocol: '*',
          sourcePortRange: '*',
          destinationPortRange: '*',
          sourceAddressPrefix: source,
          destinationAddressPrefix: destination,
          access,
          priority,
          direction,
        },
      },
      `${fullType(NSG)}/defaultSecurityRules`,
    ),
  );
}

function rulesOf(nsg: ArmBody): ArmBody[] {
  return asArray(properties(nsg).securityRules) as ArmBody[];
}

function putNsg(ctx: RequestContext): SimResponse {
  requireResourceGroupForWrite(ctx);
  const location = requireLocation(ctx.body, REGIONS, fullType(NSG));
  const name = ctx.params.name ?? '';
  const id = resourceIdFor(ctx, NSG, name);
  const existing = findResource(ctx, NSG);
  const props = asObject(ctx.body.properties);
  const rules = asArray(props.securityRules).map((r) => ruleBody(id, r));
  validateSecurityRules(rules);
  const previous = existing ? properties(existing.body) : {};
  const body: ArmBody = {
    name,
    id,
    type: fullType(NSG),
    location,
    ...(ctx.body.tags ? { tags: ctx.body.tags } : {}),
    properties: {
      resourceGuid: previous.resourceGuid ?? ctx.sim.random.guid(),
      securityRules: rules,
      defaultSecurityRules: defaultRules(id),
      ...(previous.networkInterfaces ? { networkInterfaces: previous.networkInterfaces } : {}),
      ...(previous.subnets ? { subnets: previous.subnets } : {}),
    },
  };
  saveResource(ctx, NSG, name, body);
  return beginNetworkWrite(ctx, body, location, !existing, 'networkSecurityGroupCreate');
}

function inUseBy(nsg: ArmBody): string | undefined {
  const props = properties(nsg);
  return asString([...asArray(props.networkInterfaces), ...asArray(props.subnets)][0]?.id);
}

function deleteNsg(ctx: RequestContext): SimResponse {
  const nsg = findResource(ctx, NSG);
  if (!nsg) return alreadyGone;
  const user = inUseBy(nsg.body);
  if (user) {
    throw new ArmError(
      400,
      'InUseNetworkSecurityGroupCannotBeDeleted',
      `Network security group ${nsg.id} cannot be deleted because it is in use by the following resources: ${user}. In order to delete the Network security group, remove the association with the resource(s).`,
    );
  }
  return beginNetworkDelete(ctx, String(nsg.body.location), 'networkDelete', () => ctx.sim.store.delete(nsg.id));
}

function findRule(nsg: StoredResource, name: string): ArmBody | undefined {
  return rulesOf(nsg.body).find((r) => asString(r.name)?.toLowerCase() === name.toLowerCase());
}

function putRule(ctx: RequestContext): SimResponse {
  requireResourceGroupForWrite(ctx);
  const nsg = requireResource(ctx, NSG);
  const ruleName = ctx.params.ruleName ?? '';
  const previous = findRule(nsg, ruleName);
  const rule = ruleBody(nsg.id, { ...ctx.body, name: ruleName });
  const rules = [...rulesOf(nsg.body).filter((r) => r !== previous), rule];
  validateSecurityRules(rules);
  properties(nsg.body).securityRules = rules;
  return beginNetworkWrite(ctx, rule, String(nsg.body.location), !previous, 'networkSecurityGroupCreate');
}

function getRule(ctx: RequestContext): SimResponse {
  const nsg = requireResource(ctx, NSG);
  const rule = findRule(nsg, ctx.params.ruleName ?? '');
  if (!rule) throw new ArmError(404, 'NotFound', `Resource ${nsg.id}/securityRules/${ctx.params.ruleName ?? ''} not found.`);
  return { status: 200, body: rule };
}

function deleteRule(ctx: RequestContext): SimResponse {
  const nsg = requireResource(ctx, NSG);
  const rule = findRule(nsg, ctx.params.ruleName ?? '');
  if (!rule) return alreadyGone;
  return beginNetworkDelete(ctx, String(nsg.body.location), 'networkDelete', () => {
    properties(nsg.body).securityRules = rulesOf(nsg.body).filter((r) => r !== rule);
  });
}

export const networkSecurityGroupRoutes: Route[] = [
  route('GET', paths.subscriptionCollection, (ctx) => listInSubscription(ctx, NSG)),
  route('GET', paths.collection, (ctx) => listInGroup(ctx, NSG)),
  route('PUT', paths.item, putNsg),
  route('GET', paths.item, (ctx) => ({ status: 200, body: requireResource(ctx, NSG).body })),
  route('DELETE', paths.item, deleteNsg),
  route('GET', RULES, (ctx) => ({ status: 200, body: { value: rulesOf(requireResource(ctx, NSG).body) } })),
  route('PUT', `${RULES}/{ruleName}`, putRule),
  route('GET', `${RULES}/{ruleName}`, getRule),
  route('DELETE', `${RULES}/{ruleName}`, deleteRule),
];
