/**
 * The deployment configuration: the one source of truth for its TypeScript types, its validation
 * and its JSON Schema (`qlik-azure config schema`). Secrets are not here: see secrets.ts.
 */
import { z } from 'zod';
import { counted } from './words.js';
import { DEFAULT_IMAGE, REFUSED_IMAGES, WINDOWS_IMAGES } from '../qlik/images.js';
import { DEFAULT_VM_SIZE } from '../qlik/sizing.js';
import { checkAzblobUrl } from './azblob-url.js';
import { DEPLOYMENT_TAG } from './derive.js';
import {
  checkAdminUsername, checkCidr, checkComputerName, checkDeploymentName, checkDnsLabel, checkHostName, checkLocalAccountName,
  checkLocation, checkNetworkResourceName, checkResourceGroupName, checkStorageAccountName, checkSubnetInAddressSpace,
  checkTagName, checkTagValue, checkVirtualNetworkName, checkVmName, isAnySource, TAG_LIMITS,
  type RuleCheck,
} from './rules.js';

function refineWith(check: RuleCheck) {
  return (value: string, ctx: z.RefinementCtx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

function ruled(check: RuleCheck, description: string) {
  return z.string().describe(description).superRefine(refineWith(check));
}

const sourceCidr = z.string().superRefine((value, ctx) => {
  if (isAnySource(value)) return; // allowed only with network.allowAnySource, checked below
  const problem = checkCidr(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const networkSchema = z.object({
  vnetName: ruled(checkVirtualNetworkName, 'Virtual network name (default: <deployment>-vnet)').optional(),
  vnetAddressSpace: z.string().describe('Address space of the virtual network').default('10.0.0.0/16').superRefine(refineWith(checkCidr)),
  subnetName: ruled(checkNetworkResourceName, 'Subnet for the Qlik node').default('default'),
  subnetPrefix: z.string().describe('Subnet prefix, inside vnetAddressSpace').default('10.0.0.0/24').superRefine(refineWith(checkCidr)),
  nsgName: ruled(checkNetworkResourceName, 'Network security group name (default: <deployment>-nsg)').optional(),
  allowedSourceCidrs: z.array(sourceCidr).describe('Addresses allowed to reach Qlik Sense (443, 4244; 80 and 4248 with HTTP). The guide opens them to everyone; this tool does not, unless allowAnySource is true.').default([]),
  allowAnySource: z.boolean().describe('Open the Qlik ports to any source address (the guide\'s "*"). Prints a warning.').default(false),
  enableHttp: z.boolean().describe('Also serve HTTP (ports 80 and 4248, and allowHttp on the Qlik proxy)').default(false),
  rdp: z.object({
    enabled: z.boolean().describe('Open RDP (3389). The tool never needs it.').default(false),
    sourceCidrs: z.array(sourceCidr).describe('Addresses allowed to use RDP; required when enabled').default([]),
  }).strict().default({ enabled: false, sourceCidrs: [] }),
  publicIpName: ruled(checkNetworkResourceName, 'Public IP name (default: <deployment>-ip)').optional(),
  dnsLabel: ruled(checkDnsLabel, 'DNS label: <label>.<location>.cloudapp.azure.com; cloudapp.chinacloudapi.cn or cloudapp.usgovcloudapi.net in the sovereign clouds (default: <deployment>)').optional(),
}).strict().superRefine((network, ctx) => {
  if (!checkCidr(network.vnetAddressSpace) && !checkCidr(network.subnetPrefix)) {
    const outside = checkSubnetInAddressSpace(network.subnetPrefix, network.vnetAddressSpace);
    if (outside) ctx.addIssue({ code: 'custom', path: ['subnetPrefix'], message: outside });
  }
  const anySources = network.allowedSourceCidrs.filter(isAnySource);
  if (anySources.length > 0 && !network.allowAnySource) {
    ctx.addIssue({ code: 'custom', path: ['allowedSourceCidrs'], message: `'${anySources[0]}' opens Qlik Sense to the whole internet. Fix: list your own address ranges, or set network.allowAnySource: true to accept that deliberately` });
  }
  if (network.allowedSourceCidrs.length === 0 && !network.allowAnySource) {
    ctx.addIssue({ code: 'custom', path: ['allowedSourceCidrs'], message: 'no source addresses are allowed to reach Qlik Sense. Fix: list the address ranges of your users, e.g. [203.0.113.0/24]' });
  }
  if (network.rdp.enabled && network.rdp.sourceCidrs.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['rdp', 'sourceCidrs'], message: 'RDP is enabled but no source address is named. Fix: list the addresses allowed to use RDP (never "*")' });
  }
  const rdpAny = network.rdp.sourceCidrs.find(isAnySource);
  if (rdpAny) {
    ctx.addIssue({ code: 'custom', path: ['rdp', 'sourceCidrs'], message: `'${rdpAny}' would open RDP to the whole internet. Fix: name your own address ranges` });
  }
});

const imageSku = z.string().describe(`Windows Server image SKU: ${Object.keys(WINDOWS_IMAGES).join(', ')}`)
  .default(DEFAULT_IMAGE)
  .superRefine((value, ctx) => {
    if (value in WINDOWS_IMAGES) return;
    const refusal = REFUSED_IMAGES[value.toLowerCase()];
    ctx.addIssue({
      code: 'custom',
      message: refusal
        ? `${refusal}. Fix: use '${DEFAULT_IMAGE}'`
        : `'${value}' is not an image this tool installs Qlik Sense on. Fix: use one of ${Object.keys(WINDOWS_IMAGES).join(', ')}`,
    });
  });

const vmSchema = z.object({
  name: ruled(checkVmName, 'VM resource name (default: <deployment>-vm)').optional(),
  computerName: ruled(checkComputerName, 'Windows computer name, at most 15 characters; Qlik Sense uses it as its hostname (default: derived from the deployment)').optional(),
  size: z.string().describe('VM size, e.g. Standard_D4s_v5 (≈ the guide\'s DS3) or Standard_E4s_v5 (≈ DS12)').default(DEFAULT_VM_SIZE)
    .superRefine((value, ctx) => {
      if (!/^(Standard|Basic)_[A-Za-z0-9_]+$/.test(value)) ctx.addIssue({ code: 'custom', message: `'${value}' is not an Azure VM size name. Fix: use a name like 'Standard_D4s_v5'` });
    }),
  image: imageSku,
  adminUsername: ruled(checkAdminUsername, 'Local administrator created with the VM').default('qlikadmin'),
  osDiskType: z.enum(['Premium_LRS', 'StandardSSD_LRS']).describe('Managed OS disk type').default('Premium_LRS'),
  dataDiskSizeGb: z.number().int().min(0).max(32767).describe('Size of a data disk for Qlik\'s shared persistence folder; 0 for none').default(0),
  licenseType: z.enum(['None', 'Windows_Server']).describe('Windows_Server: Azure Hybrid Benefit, your own Windows Server licences with Software Assurance; the VM is billed at the base compute rate. None: the Windows licence is in the VM\'s price').default('None'),
}).strict();

const installerSha256 = z.string().regex(/^[A-Fa-f0-9]{64}$/, 'expected 64 hexadecimal characters').describe('SHA-256 of the installer, verified on the VM').optional();

const installerSchema = z.discriminatedUnion('source', [
  z.object({
    source: z.literal('url').describe('Download the installer on the VM from a URL'),
    // https only: over http anyone on the way could swap the installer, which then runs as a local administrator.
    url: z.url({ protocol: /^https$/, error: 'is not an https:// link. Fix: use the https:// download link (a SAS link works); plain http:// is refused, since the installer runs as an administrator' })
      .describe('https:// download link for Qlik_Sense_setup.exe (a SAS link works)'),
    sha256: installerSha256,
  }).strict(),
  z.object({
    source: z.literal('file').describe('Upload a local installer file through the storage account'),
    path: z.string().min(1).describe('Local path of Qlik_Sense_setup.exe; the CLI uploads it to the deployment\'s storage account'),
    sha256: installerSha256,
  }).strict(),
]);

const qlikSchema = z.object({
  releaseName: z.string().describe('Release the installer is, e.g. "Qlik Sense November 2025"; a node with it already installed is left alone. Unset: a node keeps the one release it has, or gets the release of the installer; the VM reports which').optional(),
  installer: installerSchema.optional(),
  serviceAccount: ruled(checkLocalAccountName, 'Windows account the Qlik services run as').default('qservice'),
  adminAccount: ruled(checkLocalAccountName, 'Qlik administrator account (becomes RootAdmin)').default('QSAdmin'),
  localUsers: z.object({
    prefix: ruled(checkLocalAccountName, 'Name prefix of the local users').default('QlikUser'),
    count: z.number().int().min(0).max(100).describe('How many local users to create').default(2),
  }).strict().superRefine((users, ctx) => {
    // The users are <prefix>1..<prefix><count>: the longest must still be a Windows account name.
    const longest = `${users.prefix}${users.count}`;
    if (users.count > 0 && !checkLocalAccountName(users.prefix) && longest.length > 20) {
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: `makes the user name '${longest}', which has ${counted(longest.length, 'character')}; Windows local account names have at most 20. Fix: shorten the prefix to ${counted(20 - String(users.count).length, 'character')}` });
    }
  }).default({ prefix: 'QlikUser', count: 2 }),
  license: z.object({
    method: z.enum(['signed-key', 'serial']).describe('signed license key, or serial + control number').default('signed-key'),
    model: z.enum(['professional', 'token']).describe('Professional/analyzer access, or token-based user access').default('professional'),
    owner: z.string().describe('License owner name (serial method)').optional(),
    organization: z.string().describe('License organization (serial method)').optional(),
  }).strict().superRefine((license, ctx) => {
    if (license.method === 'serial' && (!license.owner || !license.organization)) {
      ctx.addIssue({ code: 'custom', path: ['owner'], message: 'a serial-number license needs the owner and organization it was issued to. Fix: set qlik.license.owner and qlik.license.organization' });
    }
  }).prefault({}),
  sharedFolder: z.string().describe('Shared persistence folder on the VM').default('C:\\QlikShare'),
  hostWhiteList: z.array(ruled(checkHostName, 'A host name')).describe('Extra host names for the virtual proxy white list').default([]),
  formLogin: z.boolean().describe('Form login on the default virtual proxy, for users outside a domain').default(false),
  certificate: z.object({
    pfxFile: z.string().min(1).describe('A trusted certificate (PFX) for the Qlik proxy (guide step 48)'),
    keepHttp: z.boolean().describe('Keep HTTP as a fallback').default(false),
  }).strict().optional(),
}).strict();

/** How to reach Azure: sign-in details and what the tool may do to the subscription itself. */
const azureSchema = z.object({
  tenantId: z.string().regex(/^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/, 'expected a tenant id (a GUID) or a domain such as contoso.onmicrosoft.com')
    .describe('Microsoft Entra tenant to sign in to, for a subscription in another tenant than your default (--tenant overrides)').optional(),
  managedIdentityClientId: z.uuid().describe('Client id of a user-assigned managed identity, for --auth managed-identity (default: the system-assigned identity)').optional(),
  registerProviders: z.boolean().describe('Register Microsoft.Compute, Microsoft.Network and Microsoft.Storage with the subscription when they are not (needs the providers\' register action); false for least-privilege identities (also --no-register-providers)').default(true),
}).strict();

/** Where the state lives: this machine (default), or a blob container a team shares (--state overrides). */
const stateSchema = z.object({
  backend: z.enum(['local', 'azblob']).describe('local: <state-dir>/<deployment>; azblob: the blob container of url, locked with a blob lease').default('local'),
  url: z.string().describe('For backend azblob: azblob://<storage account>/<container>[/<prefix>]').optional(),
}).strict().superRefine((state, ctx) => {
  if (state.backend === 'azblob' && !state.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'is required with backend: azblob. Fix: set url: azblob://<storage account>/<container>[/<prefix>]' });
  if (state.backend === 'local' && state.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'is only read with backend: azblob. Fix: set backend: azblob, or remove url' });
  const problem = state.url === undefined ? undefined : checkAzblobUrl(state.url);
  if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
});

export const configSchema = z.object({
  deployment: ruled(checkDeploymentName, 'Deployment name; every resource name derives from it'),
  subscriptionId: z.uuid().describe('Azure subscription id').optional(),
  location: ruled(checkLocation, 'Azure region short name, e.g. westeurope'),
  resourceGroup: ruled(checkResourceGroupName, 'Resource group (default: rg-<deployment>)').optional(),
  tags: z.record(z.string(), z.string().superRefine(refineWith(checkTagValue))).describe('Tags added to every resource: at most 49, names up to 128 characters without < > % & \\ ? /, values up to 256').default({})
    .superRefine((tags, ctx) => {
      for (const name of Object.keys(tags)) {
        const problem = name === DEPLOYMENT_TAG
          ? `is the tag qlik-azure sets to mark what it created; destroy trusts it. Fix: remove it from tags`
          : checkTagName(name);
        if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      }
      const allowed = TAG_LIMITS.maxTags - 1; // the deployment tag is the 50th
      const count = Object.keys(tags).length;
      if (count > allowed) ctx.addIssue({ code: 'custom', message: `has ${count} tags; Azure allows 50 tags on a resource and qlik-azure adds ${DEPLOYMENT_TAG}, so at most ${allowed}. Fix: remove ${count - allowed}` });
    }),
  azure: azureSchema.prefault({}),
  network: networkSchema.prefault({}),
  storage: z.object({
    accountName: ruled(checkStorageAccountName, 'Storage account name (default: derived, globally unique)').optional(),
  }).strict().default({}),
  vm: vmSchema.prefault({}),
  qlik: qlikSchema.prefault({}),
  state: stateSchema.prefault({}),
}).strict().superRefine((config, ctx) => {
  // Keeping HTTP beside the trusted certificate needs the HTTP ports open, or the proxy would serve HTTP nobody can reach.
  if (config.qlik.certificate?.keepHttp && !config.network.enableHttp) {
    ctx.addIssue({ code: 'custom', path: ['qlik', 'certificate', 'keepHttp'], message: 'keeps HTTP as a fallback, but network.enableHttp is false, so ports 80 and 4248 stay closed. Fix: set network.enableHttp: true, or keepHttp: false' });
  }
});

/** The configuration as written in qlik-azure.yaml (defaults optional). */
export type DeploymentConfigInput = z.input<typeof configSchema>;
/** The configuration after defaults. */
export type DeploymentConfig = z.output<typeof configSchema>;

export function configJsonSchema(): object {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'qlik-azure deployment configuration',
  };
}
