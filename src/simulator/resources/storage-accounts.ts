// Microsoft.Storage/storageAccounts: global name availability, PUT = 202 with an
// empty body + Location + Retry-After, polled 202 -> 200 with the account itself
// (core-lro "ResourceLocation" mode), listKeys, and a blob endpoint on the simulator.

import { randomBytes } from 'node:crypto';
import { ArmError, asObject, asString, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { route, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { storageAccountNameProblem } from '../validation.js';
import { accepted, operationHeaders, startOperation } from './provisioning.js';
import {
  findResource,
  fullType,
  properties,
  requireResource,
  beginPut,
  resourceRoutes,
  type PutRequest,
  saveResource,
  setProvisioningState,
  templates,
  type ResourceType,
} from './tracked.js';

const STORAGE_ACCOUNT: ResourceType = { provider: 'Microsoft.Storage', type: 'storageAccounts' };
const paths = templates(STORAGE_ACCOUNT);
const SKUS = ['Standard_LRS', 'Standard_GRS', 'Standard_RAGRS', 'Standard_ZRS', 'Premium_LRS', 'Premium_ZRS', 'Standard_GZRS', 'Standard_RAGZRS'];
const KINDS = ['StorageV2', 'Storage', 'BlobStorage', 'BlockBlobStorage', 'FileStorage'];

/** Storage account names are global: any subscription, any resource group. */
function findAccountAnywhere(ctx: RequestContext, name: string): StoredResource | undefined {
  return ctx.sim.store.list(fullType(STORAGE_ACCOUNT)).find((a) => a.name === name);
}

/** Path-style endpoint on the simulator (https://127.0.0.1:PORT/<account>/), as Azurite serves it. */
function blobEndpoint(ctx: RequestContext, name: string): string {
  return `${ctx.sim.baseUrl}/${name}/`;
}

function checkNameAvailability(ctx: RequestContext): SimResponse {
  const name = asString(ctx.body.name) ?? '';
  const problem = storageAccountNameProblem(name);
  if (problem) return { status: 200, body: { nameAvailable: false, reason: 'AccountNameInvalid', message: problem } };
  if (findAccountAnywhere(ctx, name)) {
    return { status: 200, body: { nameAvailable: false, reason: 'AlreadyExists', message: `The storage account named ${name} is already taken.` } };
  }
  return { status: 200, body: { nameAvailable: true } };
}

function oneOf(value: unknown, allowed: string[], parameter: string): string {
  const match = allowed.find((a) => a.toLowerCase() === String(value).toLowerCase());
  if (!match) {
    throw new ArmError(400, 'InvalidValuesForRequestParameters', `Values for request parameters are invalid: ${parameter}. Allowed values: ${allowed.join(', ')}.`);
  }
  return match;
}

function accountBody(ctx: RequestContext, put: PutRequest): ArmBody {
  const { name, location, props, previous, envelope } = put;
  const skuName = oneOf(asObject(ctx.body.sku).name, SKUS, 'sku.name');
  const created = asString(previous?.creationTime) ?? new Date().toISOString();
  return {
    sku: { name: skuName, tier: skuName.startsWith('Premium') ? 'Premium' : 'Standard' },
    kind: oneOf(ctx.body.kind ?? 'StorageV2', KINDS, 'kind'),
    ...envelope,
    tags: asObject(ctx.body.tags),
    properties: {
      keyCreationTime: { key1: created, key2: created },
      privateEndpointConnections: [],
      minimumTlsVersion: 'TLS1_2',
      allowBlobPublicAccess: false,
      supportsHttpsTrafficOnly: true,
      accessTier: 'Hot',
      ...props,
      networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: 'Allow', ...asObject(props.networkAcls) },
      encryption: {
        services: { file: { keyType: 'Account', enabled: true }, blob: { keyType: 'Account', enabled: true } },
        keySource: 'Microsoft.Storage',
      },
      provisioningState: 'Succeeded',
      creationTime: created,
      primaryEndpoints: { blob: blobEndpoint(ctx, name) },
      primaryLocation: location,
      statusOfPrimary: 'available',
    },
  };
}

function putAccount(ctx: RequestContext): SimResponse {
  const put = beginPut(ctx, STORAGE_ACCOUNT);
  const { name, location, existing } = put;
  const problem = storageAccountNameProblem(name);
  if (problem) throw new ArmError(400, 'AccountNameInvalid', problem);
  const elsewhere = findAccountAnywhere(ctx, name);
  if (elsewhere && !existing) {
    const sameSubscription = elsewhere.subscriptionId.toLowerCase() === (ctx.params.subscriptionId ?? '').toLowerCase();
    throw sameSubscription
      ? new ArmError(409, 'StorageAccountInAnotherResourceGroup', `The account ${name} is already in another resource group in this subscription.`)
      : new ArmError(409, 'StorageAccountAlreadyTaken', `The storage account named ${name} is already taken.`);
  }
  const body = accountBody(ctx, put);
  const stored = saveResource(ctx, STORAGE_ACCOUNT, name, body);
  if (existing) return { status: 200, body };
  // Real accounts are not readable until created; the first GET sees "Creating".
  setProvisioningState(stored, 'Creating');
  const operation = startOperation(ctx, {
    family: 'storage',
    location,
    timed: 'storageAccountCreate',
    onEnd: (outcome) => {
      if (outcome.error) ctx.sim.store.delete(stored.id);
      else setProvisioningState(stored, 'Succeeded');
    },
    resultBody: () => stored.body,
  });
  return accepted(operationHeaders(ctx, operation, 'location'));
}

function patchAccount(ctx: RequestContext): SimResponse {
  const account = requireResource(ctx, STORAGE_ACCOUNT);
  if (ctx.body.tags !== undefined) account.body.tags = ctx.body.tags;
  Object.assign(properties(account.body), asObject(ctx.body.properties));
  return { status: 200, body: account.body };
}

/** Storage deletes are synchronous: 200 when removed, 204 when there was nothing. */
async function deleteAccount(ctx: RequestContext): Promise<SimResponse> {
  const account = findResource(ctx, STORAGE_ACCOUNT);
  if (!account) return { status: 204 };
  ctx.sim.store.delete(account.id);
  ctx.sim.blobs.dropAccount(account.name);
  await ctx.sim.latency.pause('storageAccountDelete');
  return { status: 200 };
}

const newKey = (): string => randomBytes(64).toString('base64');

function keysBody(account: StoredResource, keys: string[]): SimResponse {
  const created = asString(properties(account.body).creationTime);
  return {
    status: 200,
    body: { keys: keys.map((value, i) => ({ keyName: `key${i + 1}`, value, permissions: 'FULL', creationTime: created })) },
  };
}

/** Keys are random per simulator run; they only ever authenticate against this simulator. */
function listKeys(ctx: RequestContext): SimResponse {
  const account = requireResource(ctx, STORAGE_ACCOUNT);
  return keysBody(account, ctx.sim.blobs.accountKeys(account.name, () => [newKey(), newKey()]));
}

function regenerateKey(ctx: RequestContext): SimResponse {
  const account = requireResource(ctx, STORAGE_ACCOUNT);
  const index = ['key1', 'key2'].indexOf(String(ctx.body.keyName));
  if (index < 0) throw new ArmError(400, 'InvalidValuesForRequestParameters', 'Values for request parameters are invalid: keyName.');
  const keys = ctx.sim.blobs.accountKeys(account.name, () => [newKey(), newKey()]);
  keys[index] = newKey();
  return keysBody(account, keys);
}

export const storageAccountRoutes: Route[] = [
  route('POST', '/subscriptions/{subscriptionId}/providers/Microsoft.Storage/checkNameAvailability', checkNameAvailability),
  ...resourceRoutes(STORAGE_ACCOUNT, { put: putAccount, delete: deleteAccount }),
  route('PATCH', paths.item, patchAccount),
  route('POST', `${paths.item}/listKeys`, listKeys),
  route('POST', `${paths.item}/regenerateKey`, regenerateKey),
];
