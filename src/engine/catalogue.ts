/**
 * The guide's 48 numbered steps, each resolved to what this tool does for it. Portal clicks that only
 * lead to the next screen are folded into the step whose action covers them; a few are informational.
 * Titles and descriptions are our own words for the guide's steps.
 */

export type StepNumber = number;

interface EntryBase {
  readonly number: StepNumber;
  readonly title: string;
  /** What the guide has the administrator do, in brief. */
  readonly guide: string;
  /** What this tool does for it. */
  readonly tool: string;
}

/** A step the engine runs: it creates or changes something, or checks something. */
export interface RunnableEntry extends EntryBase {
  readonly kind: 'action' | 'verify';
  readonly dependsOn: readonly StepNumber[];
}

/** A guide step whose work happens inside another step's action. */
export interface FoldedEntry extends EntryBase {
  readonly kind: 'folded';
  readonly into: StepNumber;
}

/** A guide step with nothing to run: advice, or a portal habit the tool makes unnecessary. */
export interface InfoEntry extends EntryBase {
  readonly kind: 'info';
}

export type CatalogueEntry = RunnableEntry | FoldedEntry | InfoEntry;

const run = (number: StepNumber, kind: 'action' | 'verify', dependsOn: StepNumber[], title: string, guide: string, tool: string): RunnableEntry =>
  ({ number, kind, dependsOn, title, guide, tool });
const fold = (number: StepNumber, into: StepNumber, title: string, guide: string, tool: string): FoldedEntry =>
  ({ number, kind: 'folded', into, title, guide, tool });
const info = (number: StepNumber, title: string, guide: string, tool: string): InfoEntry =>
  ({ number, kind: 'info', title, guide, tool });

export const CATALOGUE: readonly CatalogueEntry[] = [
  run(1, 'action', [23], 'Resource group', 'Open Resource groups in the portal to start a new group', 'Creates the resource group, tagged qlik-azure:deployment=<name>'),
  fold(2, 1, 'Add a resource group', 'Press Add for a new group', 'Part of step 1'),
  fold(3, 1, 'Name, subscription and region', 'Pick the group name, the subscription and the region', 'Taken from config (deployment, subscriptionId, location)'),
  fold(4, 1, 'Create the group', 'Press Create', 'Part of step 1'),
  run(5, 'action', [1], 'Network security group', 'Open Network security groups to create one', 'Creates the NSG with the inbound rules of step 11 in one request'),
  fold(6, 5, 'Add a security group', 'Press Add', 'Part of step 5'),
  fold(7, 5, 'Name the security group', 'Name it, in the same group and region', 'Name from config (network.nsgName) or <deployment>-nsg'),
  fold(8, 5, 'Open the new security group', 'Select it to edit its settings', 'Part of step 5'),
  fold(9, 5, 'Inbound security rules', 'Open the inbound rules list', 'Part of step 5'),
  fold(10, 5, 'Add inbound rules', 'Press Add for each port', 'Part of step 5'),
  fold(11, 5, 'Open the Qlik ports', 'Allow 80, 443, 4244, 4248 and 3389 from any source', 'Rules for 443 and 4244 (80 and 4248 only with HTTP) from network.allowedSourceCidrs; 3389 only when RDP is enabled, from named addresses; "*" only with network.allowAnySource (warned)'),
  run(12, 'verify', [5], 'Confirm the inbound rules', 'Check that every rule is there', 'Reads the NSG back and compares every rule with the plan'),
  run(13, 'action', [1], 'Storage account', 'Open Storage accounts to create one', 'Creates a StorageV2 account (HTTPS only, TLS 1.2, no public blob access) for boot diagnostics, the staged installer and Run Command logs'),
  fold(14, 13, 'Add a storage account', 'Press Add', 'Part of step 13'),
  fold(15, 13, 'Unique storage name', 'Choose a unique, descriptive name', 'Name checked for availability first; an alternative is suggested when it is taken'),
  run(16, 'action', [1], 'Virtual network', 'Open Virtual networks to create one', 'Creates the VNet (network.vnetAddressSpace) with its subnet (network.subnetPrefix)'),
  fold(17, 16, 'Add a virtual network', 'Press Add', 'Part of step 16'),
  fold(18, 16, 'Name it, keep the defaults', 'Name the network and accept the default options', 'Names and prefixes from config'),
  fold(19, 29, 'Start a new virtual machine', 'Open Virtual machines and press Add', 'Part of step 29'),
  fold(20, 29, 'Windows Server image', 'Choose Windows Server 2012 R2 Datacenter', 'vm.image: Windows Server 2022 Datacenter Azure Edition by default (2012 R2 is out of support and refused)'),
  fold(21, 29, 'Deployment model', 'Choose Resource Manager', 'Always Resource Manager'),
  fold(22, 29, 'VM name and administrator', 'Enter the VM name, administrator name and password', 'vm.name, vm.computerName (15 characters at most), vm.adminUsername; the password from the secrets, checked against Azure\'s rules'),
  run(23, 'verify', [], 'VM size available', 'Choose a size', 'Checks that vm.size is offered to the subscription in the region and that the core quota has room, before anything is created'),
  fold(24, 23, 'Starting size', 'Start with DS3 or DS12', 'Default Standard_D4s_v5 (≈ DS3); Standard_E4s_v5 (≈ DS12) and the Dsv2 sizes are offered'),
  run(25, 'action', [5, 16, 26], 'Network interface', 'Pick the storage account, network and subnet', 'Creates the NIC in the subnet, with the public IP and the NSG of step 5'),
  run(26, 'action', [1], 'Static public IP', 'Set the public IP address to static', 'Creates a Standard, static public IP with the DNS label of step 32 (checked for availability)'),
  fold(27, 25, 'Security group on the VM', 'Select the network security group', 'The NIC carries the NSG'),
  info(28, 'No extensions, no availability set', 'Leave extensions and availability set empty', 'As the guide; boot diagnostics go to the step 13 account. Run Command needs no extension to be chosen'),
  run(29, 'action', [13, 23, 25], 'Deploy and start the VM', 'Create the VM and wait for it to start', 'Creates the VM with a managed OS disk (and an optional data disk) and waits until its VM agent is ready'),
  run(30, 'verify', [26, 29], 'Public address and DNS name', 'Open the VM\'s public IP settings', 'Reads back the static address and the FQDN <label>.<region>.cloudapp.azure.com (the sovereign clouds\' own zone there)'),
  fold(31, 26, 'Public IP configuration', 'Open the configuration pane', 'Part of step 26'),
  fold(32, 26, 'Unique DNS label', 'Enter a unique DNS name label', 'network.dnsLabel, checked with Azure\'s DNS availability check before the IP is created'),
  fold(33, 26, 'Save the DNS label', 'Save', 'Part of step 26'),
  run(34, 'verify', [29], 'Reach the VM', 'Connect to the VM (the start here when the VM already exists)', 'Checks that Run Command answers and the OS is supported; --existing-vm starts the journal here'),
  run(35, 'action', [30], 'RDP file', 'Download and open the RDP file', 'Writes <deployment>.rdp beside the state for administrators who want to look; the tool itself never needs RDP'),
  info(36, 'Sign in', 'Enter the public IP and the administrator\'s credentials', 'Not needed: the tool works through Run Command'),
  info(37, 'Certificate warning', 'Accept the VM\'s self-signed RDP certificate', 'Not needed; when you use the RDP file, expect this warning once'),
  run(38, 'action', [34], 'Service account and local users', 'Create the Qlik service account and local users by hand', 'Creates, idempotently, the service account (local administrator, password never expires), the Qlik administrator and the local users'),
  run(39, 'action', [38], 'Account table', 'Document the accounts in a table', 'Writes accounts.md and accounts.csv beside the state: names, roles, settings and where each secret lives, never the secret'),
  run(40, 'action', [13, 38], 'Install Qlik Sense', 'Run the Qlik Sense setup as a central node', 'Fetches the installer, verifies its checksum and runs the silent install as the service account (a one-shot scheduled task the script, run as LocalSystem, starts), hostname = computer name'),
  run(41, 'verify', [40], 'Repository ready', 'Open the QMC and wait for the services', 'Waits until the Qlik Repository Service answers. This step and 42–45 call it as the service account (a one-shot scheduled task): its client certificate lives in that account\'s store'),
  run(42, 'action', [41], 'License', 'Enter the license in the QMC', 'Applies the signed license key, or serial and control number, through the repository API'),
  run(43, 'action', [42], 'Access for users', 'Allocate tokens and add an access rule for every user', 'Gives the Qlik administrator access and adds a license rule ((user.name like "*")) for the local users'),
  run(44, 'action', [43], 'Qlik administrator', 'No text in the guide; its governance advice: do not administer as the built-in account', 'Makes the Qlik administrator account (qlik.adminAccount) RootAdmin'),
  run(45, 'action', [41, 30], 'Proxy and white list', 'Allow HTTP on the proxy and add the host names to the white list', 'Sets allowHttp when HTTP is enabled; adds the public IP, computer name, DNS name and qlik.hostWhiteList to the virtual proxy white list'),
  run(46, 'action', [34], 'Windows Firewall', 'Open 80, 443, 4244 and 4248 in Windows Firewall', 'Creates named inbound rules for the Qlik ports in use'),
  run(47, 'verify', [12, 43, 44, 45, 46, 48], 'Test from outside', 'Open the hub and the QMC from another machine', 'Probes https://<dns>/hub and /qmc from this machine and diagnoses what blocks them'),
  run(48, 'action', [45], 'Trusted certificate', 'Install a trusted certificate for iOS and other strict clients', 'With qlik.certificate: imports the PFX on the VM as LocalSystem, then as the service account sets it as the proxy\'s browser certificate; otherwise nothing to do'),
];

export function catalogueEntry(number: StepNumber): CatalogueEntry {
  const entry = CATALOGUE[number - 1];
  if (!entry || entry.number !== number) throw new RangeError(`step ${number} does not exist; the guide's steps are 1-48`);
  return entry;
}

export function isRunnable(entry: CatalogueEntry): entry is RunnableEntry {
  return entry.kind === 'action' || entry.kind === 'verify';
}

/** The runnable step that carries out `number`: itself, or the step it is folded into. */
export function hostStep(number: StepNumber): RunnableEntry | undefined {
  const entry = catalogueEntry(number);
  if (entry.kind === 'folded') return hostStep(entry.into);
  return isRunnable(entry) ? entry : undefined;
}

export const RUNNABLE_STEPS: readonly RunnableEntry[] = CATALOGUE.filter(isRunnable);
