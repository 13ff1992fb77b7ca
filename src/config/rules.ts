/**
 * Azure's and Qlik's naming and password rules, as pure checks.
 * Each check returns `undefined` when the value is fine, or a sentence that states the problem
 * and the fix; the schema attaches the field name. Sources: notes/azure-sdk-and-arm.md §4,
 * notes/qlik-install-and-qrs.md §1.1, and Azure's naming rules per resource type
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
 */
import { counted } from './words.js';

export type RuleCheck = (value: string) => string | undefined;

export const AZURE_LOCATIONS = [
  'australiacentral', 'australiaeast', 'australiasoutheast', 'austriaeast', 'belgiumcentral', 'brazilsouth',
  'canadacentral', 'canadaeast', 'centralindia', 'centralus', 'chilecentral', 'eastasia', 'eastus', 'eastus2',
  'francecentral', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast',
  'japanwest', 'koreacentral', 'koreasouth', 'malaysiawest', 'mexicocentral', 'newzealandnorth',
  'northcentralus', 'northeurope', 'norwayeast', 'polandcentral', 'qatarcentral', 'southafricanorth',
  'southcentralus', 'southeastasia', 'southindia', 'spaincentral', 'swedencentral', 'switzerlandnorth',
  'uaenorth', 'uksouth', 'ukwest', 'westcentralus', 'westeurope', 'westindia', 'westus', 'westus2', 'westus3',
  // Azure operated by 21Vianet and Azure Government, for --cloud AzureChinaCloud / AzureUSGovernment.
  'chinaeast', 'chinaeast2', 'chinaeast3', 'chinanorth', 'chinanorth2', 'chinanorth3',
  'usgovarizona', 'usgovtexas', 'usgovvirginia', 'usdodcentral', 'usdodeast',
] as const;

export const checkLocation: RuleCheck = (value) => {
  if ((AZURE_LOCATIONS as readonly string[]).includes(value)) return undefined;
  const folded = value.toLowerCase().replace(/[\s_-]/g, '');
  if ((AZURE_LOCATIONS as readonly string[]).includes(folded)) {
    return `'${value}' is a display name; Azure APIs take the short name. Fix: use '${folded}'`;
  }
  return `'${value}' is not an Azure region this tool knows. Fix: use a short region name such as 'westeurope' or 'eastus2' (az account list-locations -o table lists them)`;
};

const DEPLOYMENT_NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** The valid name closest to what was typed ('Qlik_Demo' → 'qlik-demo'), when there is one. */
function nearestDeploymentName(value: string): string | undefined {
  const candidate = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 32).replace(/-+$/, '');
  return DEPLOYMENT_NAME.test(candidate) ? candidate : undefined;
}

export const checkDeploymentName: RuleCheck = (value) => {
  if (DEPLOYMENT_NAME.test(value)) return undefined;
  const nearest = nearestDeploymentName(value);
  return `'${value}' is not a valid deployment name: it takes 3-32 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (it prefixes every Azure resource name). Fix: ${nearest ? `did you mean '${nearest}'?` : 'choose such a name'}`;
};

export const checkResourceGroupName: RuleCheck = (value) => {
  if (value.length < 1 || value.length > 90) return `'${value}' has ${counted(value.length, 'character')}; resource group names have 1-90. Fix: shorten it`;
  if (!/^[\p{L}\p{N}._()-]+$/u.test(value)) return `'${value}' contains characters Azure refuses. Fix: use letters, digits, '.', '_', '-', '(' and ')' only`;
  if (value.endsWith('.')) return `'${value}' ends with a period, which Azure refuses. Fix: remove the trailing '.'`;
  return undefined;
};

/** Names of NSGs, subnets and public IPs (Microsoft.Network): 1-80 characters. */
export const checkNetworkResourceName: RuleCheck = (value) => {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]$|^[A-Za-z0-9]$/.test(value)) {
    return `'${value}' is not a valid Azure resource name. Fix: use 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit and ending with a letter, digit or '_'`;
  }
  return undefined;
};

/** Microsoft.Network/virtualNetworks: as other network names, but 2-64 characters. */
export const checkVirtualNetworkName: RuleCheck = (value) => {
  if (value.length < 2 || value.length > 64) return `'${value}' has ${counted(value.length, 'character')}; virtual network names have 2-64. Fix: choose a name of 2-64 characters`;
  return checkNetworkResourceName(value);
};

/**
 * Microsoft.Compute/virtualMachines (Windows): 1-64 characters when the computer name is set apart, as
 * this tool does; no spaces, control characters, '_', '.' or other punctuation; not ending with '-'.
 */
export const checkVmName: RuleCheck = (value) => {
  if (value.length < 1 || value.length > 64) return `'${value}' has ${counted(value.length, 'character')}; Azure VM names have 1-64. Fix: choose a name of 64 characters or fewer`;
  if (!/^[A-Za-z0-9-]+$/.test(value)) return `'${value}' contains characters Azure refuses in a Windows VM name. Fix: use letters, digits and hyphens only`;
  if (value.endsWith('-')) return `'${value}' ends with a hyphen, which Azure refuses. Fix: end it with a letter or digit`;
  return undefined;
};

export const checkStorageAccountName: RuleCheck = (value) =>
  /^[a-z0-9]{3,24}$/.test(value)
    ? undefined
    : `'${value}' is not a valid storage account name. Fix: use 3-24 lowercase letters and digits only (no hyphens); the name must be unique across all of Azure`;

export const checkComputerName: RuleCheck = (value) => {
  if (value.length > 15) return `'${value}' has ${counted(value.length, 'character')}; Windows computer names have at most 15. Fix: choose a name of 15 characters or fewer, e.g. '${value.slice(0, 15).replace(/[.-]+$/, '')}'`;
  if (value.length === 0) return 'the computer name is empty. Fix: set a name of 1-15 characters';
  if (/[\\/"[\]:|<>+=;,?*@&\s~!#$%^()'{}_.]/.test(value)) return `'${value}' contains characters Windows refuses in a computer name. Fix: use letters, digits and hyphens only`;
  if (/^\d+$/.test(value)) return `'${value}' is all digits, which Windows refuses. Fix: include at least one letter`;
  if (value.endsWith('-')) return `'${value}' ends with a hyphen, which Windows refuses. Fix: end it with a letter or digit`;
  return undefined;
};

const RESERVED_ADMIN_NAMES = new Set([
  'administrator', 'admin', 'user', 'user1', 'test', 'user2', 'test1', 'user3', 'admin1', '1', '123', 'a',
  'actuser', 'adm', 'admin2', 'aspnet', 'backup', 'console', 'david', 'guest', 'john', 'owner', 'root',
  'server', 'sql', 'support', 'support_388945a0', 'sys', 'test2', 'test3', 'user4', 'user5',
]);

export const checkAdminUsername: RuleCheck = (value) => {
  if (RESERVED_ADMIN_NAMES.has(value.toLowerCase())) return `'${value}' is a name Azure reserves for VM administrators. Fix: choose another, e.g. 'qlikadmin'`;
  if (value.length < 1 || value.length > 20) return `'${value}' has ${counted(value.length, 'character')}; Windows administrator names have 1-20. Fix: shorten it`;
  if (value.endsWith('.')) return `'${value}' ends with a period, which Azure refuses. Fix: remove the trailing '.'`;
  if (/[\\/"[\]:|<>+=;,?*@\s]/.test(value)) return `'${value}' contains characters Windows refuses in a user name. Fix: use letters, digits, '.', '_' and '-'`;
  return undefined;
};

/** Accounts every Windows Server has: creating one of these names fails on the VM, after the Azure phase. */
const BUILT_IN_ACCOUNTS = new Set(['administrator', 'guest', 'defaultaccount', 'wdagutilityaccount', 'system', 'localsystem', 'networkservice', 'localservice']);

/** Local Windows account names created on the VM (service account, Qlik administrator, users). */
export const checkLocalAccountName: RuleCheck = (value) => {
  if (value.length < 1 || value.length > 20) return `'${value}' has ${counted(value.length, 'character')}; Windows local account names have 1-20. Fix: shorten it`;
  if (/[\\/"[\]:|<>+=;,?*@\s]/.test(value) || value.endsWith('.')) return `'${value}' is not a valid Windows account name. Fix: use letters, digits, '.', '_' and '-', not ending with '.'`;
  if (BUILT_IN_ACCOUNTS.has(value.toLowerCase())) return `'${value}' is a built-in Windows account, which the tool cannot create. Fix: choose another name`;
  return undefined;
};

/** A host name for the Qlik proxy's white list: one name per entry (RFC 1123 labels), or an IPv4 address. */
export const checkHostName: RuleCheck = (value) => {
  if (/[,;]/.test(value)) return `'${value}' holds several names. Fix: write one host name per entry, as a list`;
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/; // RFC 1123
  if (value.length > 253 || !value.split('.').every((part) => label.test(part))) {
    return `'${value}' is not a host name. Fix: use letters, digits, hyphens and dots, e.g. 'qlik.example.com'`;
  }
  return undefined;
};

/**
 * Azure's tag limits (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations):
 * at most 50 tags per resource; names up to 512 characters (128 on storage accounts, and every resource here
 * gets the same tags), values up to 256; names must not contain < > % & \\ ? /.
 */
export const TAG_LIMITS = { maxTags: 50, maxNameLength: 128, maxValueLength: 256 } as const;

export const checkTagName: RuleCheck = (value) => {
  if (value.length === 0) return 'a tag name is empty. Fix: name every tag';
  if (value.length > TAG_LIMITS.maxNameLength) return `the tag name has ${counted(value.length, 'character')}; Azure allows at most ${TAG_LIMITS.maxNameLength} on storage accounts, which get the same tags. Fix: shorten it`;
  const refused = [...new Set(value.match(/[<>%&\\?/]/g) ?? [])];
  if (refused.length > 0) return `the tag name contains ${refused.map((c) => `'${c}'`).join(' ')}, which Azure refuses in tag names. Fix: avoid < > % & \\ ? /`;
  return undefined;
};

export const checkTagValue: RuleCheck = (value) =>
  value.length > TAG_LIMITS.maxValueLength
    ? `the tag value has ${counted(value.length, 'character')}; Azure allows at most ${TAG_LIMITS.maxValueLength}. Fix: shorten it`
    : undefined;

const DENIED_PASSWORDS = new Set([
  'abc@123', 'p@$$w0rd', 'p@ssw0rd', 'p@ssword123', 'pa$$word', 'pass@word1', 'password!', 'password1',
  'password22', 'iloveyou!',
]);

/** Azure's Windows VM password rule: 12-123 characters, three of four character classes, not on the deny list. */
export const checkWindowsPassword: RuleCheck = (value) => {
  if (value.length < 12 || value.length > 123) return `the password has ${counted(value.length, 'character')}; Azure requires 12-123. Fix: use a longer passphrase`;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[\W_]/].filter((re) => re.test(value)).length;
  if (classes < 3) return 'the password uses fewer than 3 of the 4 character classes (lowercase, uppercase, digit, symbol). Fix: mix at least three of them';
  if (DENIED_PASSWORDS.has(value.toLowerCase())) return 'the password is on Azure\'s list of refused common passwords. Fix: choose another';
  return undefined;
};

/** The service account's password goes on the Qlik installer's command line, which refuses these quotes. */
export const checkServiceAccountPassword: RuleCheck = (value) => {
  const refused = [...new Set(value.match(/["';]/g) ?? [])];
  if (refused.length > 0) return `the password contains ${refused.map((c) => `'${c}'`).join(' ')}, which the Qlik installer refuses on its command line. Fix: avoid " ' ;`;
  return checkWindowsPassword(value);
};

/** The Qlik repository database password is written into spc.cfg and the installer's command line. */
export const checkRepositoryPassword: RuleCheck = (value) => {
  const refused = [...new Set(value.match(/["';:/\\.><,]/g) ?? [])];
  if (refused.length > 0) return `the password contains ${refused.map((c) => `'${c}'`).join(' ')}, which the Qlik installer refuses in repository passwords. Fix: avoid " ' ; : / \\ . > < ,`;
  if (value.length < 12) return `the password has ${counted(value.length, 'character')}. Fix: use at least 12`;
  return undefined;
};

export const checkDnsLabel: RuleCheck = (value) =>
  /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/.test(value)
    ? undefined
    : `'${value}' is not a valid DNS label. Fix: use 3-63 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit`;

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/**
 * An IPv4 address or CIDR range, with the host bits zero: '203.0.113.5/24' is refused with the range it
 * likely means, since Azure stores a range by its network address and the user may have meant one host.
 * The one rule for the config and the wizard (which validates answers with the config schema).
 */
export function checkCidr(value: string): string | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(value);
  const address = match ? parseIpv4(match[1]!) : parseIpv4(value);
  const bits = match ? Number(match[2]) : 32;
  if (address === undefined || bits > 32) return `'${value}' is not an IPv4 address or CIDR. Fix: write it like '203.0.113.0/24' or '198.51.100.7'`;
  if (bits < 32 && address % 2 ** (32 - bits) !== 0) {
    const network = address - (address % 2 ** (32 - bits));
    const text = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return `'${value}' has host bits set: did you mean '${text}/${bits}'? Fix: write the range by its first address, '${text}/${bits}'`;
  }
  return undefined;
}

/** The first and last address of an IPv4 CIDR already checked by checkCidr. */
function cidrRange(value: string): { first: number; last: number; bits: number } {
  const [address, bits = '32'] = value.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = parseIpv4(address!)!;
  return { first: first - (first % size), last: first - (first % size) + size - 1, bits: Number(bits) };
}

/**
 * The subnet must lie inside the virtual network's address space (ARM: NetcfgSubnetRangeOutsideVnet) and be
 * no smaller than /29, the smallest IPv4 subnet Azure offers (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq).
 * Both values are valid CIDRs.
 */
export function checkSubnetInAddressSpace(subnet: string, addressSpace: string): string | undefined {
  const inner = cidrRange(subnet);
  const outer = cidrRange(addressSpace);
  if (inner.bits > 29) return `'${subnet}' is smaller than /29, the smallest subnet Azure creates. Fix: use a /29 or larger, e.g. '${subnet.split('/')[0]}/24'`;
  if (inner.first < outer.first || inner.last > outer.last) return `'${subnet}' is not inside network.vnetAddressSpace ${addressSpace}. Fix: choose a prefix within ${addressSpace}, or widen the address space`;
  return undefined;
}

export function isAnySource(value: string): boolean {
  return value === '*' || value === '0.0.0.0/0' || value.toLowerCase() === 'internet' || value.toLowerCase() === 'any';
}
