/**
 * Group 1, Azure: the subscription, the VM size (asked here because the region list depends on it),
 * the region, and the one deployment name every resource name derives from.
 */
import { publicDnsName } from '../../azure/clouds.js';
import type { RegionInfo, SubscriptionInfo } from '../../azure/subscriptions.js';
import { recommendVmSize, VM_SIZES } from '../../qlik/sizing.js';
import { wholeNumber, type Choice } from './ask.js';
import { heading, lookingUp, type WizardContext } from './context.js';
import { reviewCost } from './cost.js';
import { checkAnswer, derivedNames, setIn, type Draft } from './draft.js';

async function chooseSubscription(context: WizardContext, draft: Draft): Promise<Draft> {
  const { ask, output, catalog } = context;
  let subscriptions: SubscriptionInfo[] = [];
  try {
    subscriptions = await lookingUp(output, `Listing your subscriptions (${catalog.source})`, catalog.subscriptions());
  } catch {
    output.line(output.style.dim('  Fix for next time: sign in with `az login` (or pick --auth). For now, type the subscription id.'));
  }
  if (subscriptions.length === 1) {
    const only = subscriptions[0]!;
    output.line(`  Subscription: ${only.name} (${only.id}), the only one this sign-in can use`);
    return setIn(draft, ['subscriptionId'], only.id);
  }
  if (subscriptions.length === 0) {
    const id = await ask.text({ message: 'Subscription id (az account show --query id -o tsv prints yours)', check: (answer) => checkAnswer(draft, ['subscriptionId'], answer, 'paste the 36-character id, like 00000000-0000-0000-0000-000000000000') });
    return setIn(draft, ['subscriptionId'], id);
  }
  const id = await ask.choose({
    message: 'Subscription',
    choices: subscriptions.map((s) => ({ value: s.id, name: `${s.name}  ${s.id}${s.isDefault ? '  (az default)' : ''}` })),
    default: subscriptions.find((s) => s.isDefault)?.id ?? subscriptions[0]!.id,
  });
  return setIn(draft, ['subscriptionId'], id);
}

async function chooseSize(context: WizardContext, draft: Draft): Promise<Draft> {
  const { ask, output } = context;
  output.line(output.style.dim('  Sizing: Qlik\'s engine keeps apps in memory, so memory follows users and apps.'));
  const users = Number(await ask.text({ message: 'How many users at the same time, at peak?', default: '25', check: wholeNumber }));
  const apps = Number(await ask.text({ message: 'How many apps?', default: '10', check: wholeNumber }));
  const recommended = recommendVmSize(users, apps);
  const choices: Choice<string>[] = VM_SIZES.map((size) => ({
    value: size.name,
    name: `${size.name.padEnd(18)} ${String(size.vcpus).padStart(2)} vCPUs ${String(size.memoryGb).padStart(4)} GB${size.name === recommended.name ? '  (recommended)' : ''}`,
    ...(size.note ? { description: size.note } : {}),
  }));
  const size = await ask.choose({ message: `VM size (recommended for ${users} users and ${apps} apps: ${recommended.name})`, choices, default: recommended.name });
  return setIn(draft, ['vm', 'size'], size);
}

/** A first guess at a nearby region from the machine's time zone; the user confirms it. */
function nearbyRegion(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  const byContinent: Record<string, string> = { Europe: 'westeurope', America: 'eastus', Asia: 'southeastasia', Australia: 'australiaeast', Africa: 'southafricanorth' };
  return byContinent[zone.split('/')[0] ?? ''] ?? 'westeurope';
}

async function chooseRegion(context: WizardContext, draft: Draft, subscriptionId: string, size: string): Promise<Draft> {
  const { ask, output, catalog } = context;
  let regions: RegionInfo[] = [];
  try {
    regions = await lookingUp(output, `Checking which regions offer ${size} to this subscription (Azure's size list is long)`, catalog.regionsOffering(subscriptionId, size));
  } catch {
    output.line(output.style.dim(`  Type the region; step 23 checks that ${size} is offered there before anything is created.`));
  }
  // Only regions the config accepts: the schema knows Azure's public regions by short name.
  const usable = regions.filter((region) => !checkAnswer(draft, ['location'], region.name));
  if (usable.every((region) => region.restriction)) {
    const location = await ask.text({ message: 'Region (short name, e.g. westeurope)', default: nearbyRegion(), check: (answer) => checkAnswer(draft, ['location'], answer) });
    return setIn(draft, ['location'], location);
  }
  const guess = nearbyRegion();
  const location = await ask.choose({
    message: `Region (${usable.filter((r) => !r.restriction).length} offer ${size})`,
    choices: usable.map((region) => ({ value: region.name, name: `${region.displayName} (${region.name})`, ...(region.restriction ? { disabled: region.restriction } : {}) })),
    default: usable.find((r) => r.name === guess && !r.restriction)?.name ?? usable.find((r) => !r.restriction)!.name,
  });
  return setIn(draft, ['location'], location);
}

/** The names Azure will see, derived the way a run derives them. */
function showDerivedNames(context: WizardContext, draft: Draft): void {
  const names = derivedNames(draft);
  if (!names) return;
  const { output } = context;
  const row = (label: string, value: string) => output.line(`    ${output.style.dim(label.padEnd(16))}${value}`);
  output.line('  Every name derives from it:');
  row('resource group', names.resourceGroup);
  row('virtual machine', `${names.vm}  (Windows computer name ${names.computerName})`);
  row('network', `${names.vnet}, ${names.nsg}, ${names.publicIp}, ${names.nic}`);
  row('storage account', names.storageAccount);
  row('address', `https://${publicDnsName(names.dnsLabel, String(draft.location), context.cloud)}`);
}

export async function askAzure(context: WizardContext, start: Draft): Promise<Draft> {
  heading(context.output, 'Azure', 'where it runs and what it is called');
  let draft = await chooseSubscription(context, start);
  draft = await chooseSize(context, draft);
  draft = await chooseRegion(context, draft, String(draft.subscriptionId), String((draft.vm as Draft).size));
  const deployment = await context.ask.text({
    message: 'Deployment name (3-32 lowercase letters, digits, hyphens)',
    default: 'qlik-sense',
    check: (answer) => checkAnswer(draft, ['deployment'], answer),
  });
  draft = setIn(draft, ['deployment'], deployment);
  showDerivedNames(context, draft);
  return reviewCost(context, draft);
}
