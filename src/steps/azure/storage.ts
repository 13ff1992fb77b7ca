/**
 * Guide steps 13-15: the storage account for boot diagnostics, the staged installer and Run Command logs.
 * Names are global across Azure, so availability is checked before a create and a taken name comes back
 * with an alternative that is free.
 */
import type { StorageAccount } from '@azure/arm-storage';
import { awaitOperation, lroOptions, readOptional } from '../../azure/arm-helpers.js';
import { alternativeName } from '../../azure/errors.js';
import { StepError, type StepContext } from '../../engine/step.js';
import { deploymentTags, mergedTags, required, requireFreeName, sameText, tagDifferences } from './common.js';
import { managedResourceStep, type Comparison } from './reconcile.js';

const SKU = 'Standard_LRS';
const KIND = 'StorageV2';
const TLS = 'TLS1_2';

export const readStorageAccount = (ctx: StepContext) =>
  readOptional(async () => (await ctx.azure.storage()).storageAccounts.getProperties(ctx.config.names.resourceGroup, ctx.config.names.storageAccount));

function compare(ctx: StepContext, account: StorageAccount): Comparison {
  const refusals: string[] = [];
  if (!sameText(account.kind, KIND)) refusals.push(`kind ${account.kind} (wanted ${KIND})`);
  if (!sameText(account.sku?.name, SKU)) refusals.push(`sku ${account.sku?.name} (wanted ${SKU})`);
  const differences: string[] = [];
  if (account.enableHttpsTrafficOnly !== true) differences.push('HTTPS only: off → on');
  if (account.minimumTlsVersion !== TLS) differences.push(`minimum TLS: ${account.minimumTlsVersion ?? 'TLS1_0'} → ${TLS}`);
  if (account.allowBlobPublicAccess !== false) differences.push('public blob access: allowed → refused');
  return { differences: [...differences, ...tagDifferences(account.tags, deploymentTags(ctx.config))], refusals };
}

async function isFree(ctx: StepContext, name: string): Promise<boolean> {
  const result = await (await ctx.azure.storage()).storageAccounts.checkNameAvailability({ name, type: 'Microsoft.Storage/storageAccounts' });
  if (result.reason === 'AccountNameInvalid') {
    throw new StepError(`storage account name '${name}' is not valid: ${result.message ?? ''}`, { code: 'AccountNameInvalid', advice: 'Fix: set storage.accountName to 3-24 lowercase letters and digits, then run `qlik-azure resume`' });
  }
  return result.nameAvailable === true;
}

function requireFreeAccountName(ctx: StepContext): Promise<void> {
  const name = ctx.config.names.storageAccount;
  return requireFreeName({
    name,
    alternative: alternativeName(name, 24, ''),
    taken: `storage account name '${name}' is already taken (names are global across Azure)`,
    code: 'StorageAccountAlreadyTaken',
    setting: (free) => `storage: { accountName: ${free} }`,
    isFree: (candidate) => isFree(ctx, candidate),
    isOurs: async () => (await readStorageAccount(ctx)) !== undefined,
  });
}

export const storageStep = managedResourceStep<StorageAccount>({
  label: (ctx) => `storage account ${ctx.config.names.storageAccount}`,
  summary: (ctx) => `${ctx.config.names.storageAccount}: ${KIND}, ${SKU}, HTTPS only, ${TLS}, no public blob access`,
  read: readStorageAccount,
  compare,
  beforeCreate: requireFreeAccountName,
  async write(ctx, live) {
    const client = await ctx.azure.storage();
    const { resourceGroup, storageAccount } = ctx.config.names;
    const security = { enableHttpsTrafficOnly: true, minimumTlsVersion: TLS, allowBlobPublicAccess: false } as const;
    if (live) {
      // An existing account is patched: a create's body would be refused for settings it cannot change.
      return client.storageAccounts.update(resourceGroup, storageAccount, { ...security, tags: mergedTags(live.tags, deploymentTags(ctx.config)) });
    }
    const body = { sku: { name: SKU }, kind: KIND, location: ctx.config.location, tags: deploymentTags(ctx.config), ...security } as const;
    return awaitOperation(ctx, `storage account ${storageAccount}`, client.storageAccounts.create(resourceGroup, storageAccount, body, lroOptions(ctx)));
  },
  outputs: (ctx, account) => ({
    storageAccountId: required(account.id, 'storage account id'),
    storageAccountName: ctx.config.names.storageAccount,
    blobEndpoint: required(account.primaryEndpoints?.blob, 'blob endpoint'),
  }),
});
