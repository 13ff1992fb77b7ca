// Microsoft.Network/networkSecurityGroups with inline securityRules (also addressable
// as child resources). Rules are validated as a whole collection, as NRP does.

import { ArmError, asArray, asObject, asString, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import type { Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { validateSecurityRules } from '../validation.js';
import { NETWORK, beginNetworkWrite, inlineChildRoutes, networkDelete, type InlineChildren } from './network-common.js';
import { beginPut, fullType, properties, resourceRoutes, saveResource, type ResourceType } from './tracked.js';

const NSG: ResourceType = { provider: NETWORK, type: 'networkSecurityGroups' };
const RULE_TYPE = `${fullType(NSG)}/securityRules`;

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

function putNsg(ctx: RequestContext): SimResponse {
  const { name, id, location, existing, props, previous = {}, envelope } = beginPut(ctx, NSG);
  const rules = asArray(props.securityRules).map((r) => ruleBody(id, r));
  validateSecurityRules(rules);
  const body: ArmBody = {
    ...envelope,
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

function refuseInUse(nsg: StoredResource): void {
  const user = inUseBy(nsg.body);
  if (user) {
    throw new ArmError(
      400,
      'InUseNetworkSecurityGroupCannotBeDeleted',
      `Network security group ${nsg.id} cannot be deleted because it is in use by the following resources: ${user}. In order to delete the Network security group, remove the association with the resource(s).`,
    );
  }
}

const RULES: InlineChildren = {
  parent: NSG,
  collection: 'securityRules',
  timed: 'networkSecurityGroupCreate',
  build: (ctx, nsg, name, _previous, siblings) => {
    const rule = ruleBody(nsg.id, { ...ctx.body, name });
    validateSecurityRules([...siblings, rule]);
    return rule;
  },
};

export const networkSecurityGroupRoutes: Route[] = [
  ...resourceRoutes(NSG, { put: putNsg, delete: networkDelete(NSG, 'networkDelete', refuseInUse) }),
  ...inlineChildRoutes(RULES),
];
