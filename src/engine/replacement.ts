/**
 * Settings that name what a deployment built. Changed after the resources exist, they do not rename them:
 * Azure cannot rename a resource group, move a resource to another region or give a VM another computer
 * name, so the config would describe a second set of resources beside the first (Terraform says the
 * change "forces replacement"). The config is compared with the copy the state recorded at the last run,
 * for the steps the journal says are done; settings Azure changes in place (rules, tags, the DNS label)
 * are not here and stay updates.
 */
import type { ResolvedConfig } from '../config/derive.js';
import { RUNNABLE_STEPS, type StepNumber } from './catalogue.js';
import { isAdopted, isDone, type Journal } from './journal.js';

/** The resources the Azure steps make, each with the step that makes it and the steps that read it back. */
type ResourceKind = 'group' | 'nsg' | 'storage' | 'vnet' | 'nic' | 'publicIp' | 'vm';

/** Steps 34-48 act on the VM through Run Command: a new VM starts them afresh. */
const ON_THE_VM: readonly StepNumber[] = RUNNABLE_STEPS.filter((entry) => entry.number >= 34).map((entry) => entry.number);

const RESOURCES: Readonly<Record<ResourceKind, { readonly steps: readonly StepNumber[]; label(config: ResolvedConfig): string }>> = {
  group: { steps: [1], label: (c) => `resource group ${c.names.resourceGroup}` },
  nsg: { steps: [5, 12], label: (c) => `network security group ${c.names.nsg}` },
  storage: { steps: [13], label: (c) => `storage account ${c.names.storageAccount}` },
  vnet: { steps: [16], label: (c) => `virtual network ${c.names.vnet}` },
  nic: { steps: [25], label: (c) => `network interface ${c.names.nic}` },
  publicIp: { steps: [26, 30], label: (c) => `public IP ${c.names.publicIp} (its address changes)` },
  vm: { steps: [29, 30, ...ON_THE_VM], label: (c) => `VM ${c.names.vm} with its disks and the Qlik Sense installed on it` },
};

const EVERYTHING: readonly ResourceKind[] = ['group', 'nsg', 'storage', 'vnet', 'nic', 'publicIp', 'vm'];

interface Identity {
  /** The config key a user edits. */
  readonly setting: string;
  read(config: ResolvedConfig): string | undefined;
  /** What a new value replaces: a network interface cannot move to another virtual network, and a VM keeps its NIC. */
  readonly replaces: readonly ResourceKind[];
}

const IDENTITIES: readonly Identity[] = [
  { setting: 'subscriptionId', read: (c) => c.subscriptionId, replaces: EVERYTHING },
  { setting: 'location', read: (c) => c.location, replaces: EVERYTHING },
  { setting: 'resourceGroup', read: (c) => c.names.resourceGroup, replaces: EVERYTHING },
  { setting: 'network.nsgName', read: (c) => c.names.nsg, replaces: ['nsg'] },
  { setting: 'storage.accountName', read: (c) => c.names.storageAccount, replaces: ['storage'] },
  { setting: 'network.vnetName', read: (c) => c.names.vnet, replaces: ['vnet', 'nic', 'vm'] },
  { setting: 'network.publicIpName', read: (c) => c.names.publicIp, replaces: ['publicIp'] },
  { setting: 'vm.name', read: (c) => c.names.vm, replaces: ['vm'] },
  { setting: 'vm.computerName', read: (c) => c.names.computerName, replaces: ['vm'] },
  { setting: 'vm.adminUsername', read: (c) => c.vm.adminUsername, replaces: ['vm'] },
  { setting: 'vm.image', read: (c) => c.vm.image, replaces: ['vm'] },
];

export interface Replacement {
  readonly setting: string;
  readonly from: string;
  readonly to: string;
  /** The built resources the new value would leave behind, as the state recorded them. */
  readonly resources: readonly string[];
  /** Done steps whose work the new value undoes. */
  readonly steps: readonly StepNumber[];
}

/**
 * What the config's changes to identifying settings would replace. Empty when nothing was built, when the
 * state recorded no config, or when only settings Azure changes in place differ. Adopted steps
 * (--existing-vm) are left out: their resources keep the names they were found with.
 */
export function findReplacements(recorded: ResolvedConfig | undefined, config: ResolvedConfig, journal: Pick<Journal, 'entry'>): Replacement[] {
  if (!recorded) return [];
  const built = (step: StepNumber) => isDone(journal, step) && !isAdopted(journal, step);
  const replacements: Replacement[] = [];
  for (const identity of IDENTITIES) {
    const from = identity.read(recorded);
    const to = identity.read(config);
    // An unset subscription in a simulated run means the simulator's; setting it later is not a move.
    if (from === undefined || to === undefined || from === to) continue;
    const kinds = identity.replaces.filter((kind) => built(RESOURCES[kind].steps[0]!));
    if (kinds.length === 0) continue;
    const steps = [...new Set(kinds.flatMap((kind) => RESOURCES[kind].steps))].filter(built).sort((a, b) => a - b);
    replacements.push({ setting: identity.setting, from, to, resources: kinds.map((kind) => RESOURCES[kind].label(recorded)), steps });
  }
  return replacements;
}

/** "resourceGroup: rg-a → rg-b forces replacement of resource group rg-a, … (done steps 1, 5, …)" */
export function describeReplacement(replacement: Replacement, options: { withSetting?: boolean } = {}): string {
  const change = `${replacement.from} → ${replacement.to} forces replacement of ${replacement.resources.join(', ')} (done steps ${replacement.steps.join(', ')})`;
  return options.withSetting === false ? change : `${replacement.setting}: ${change}`;
}
