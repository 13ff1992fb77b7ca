/**
 * What the wizard asks Azure before a config exists: the subscriptions the user can deploy to, and the
 * regions where a VM size is offered to one of them. The wizard receives an `AzureCatalog` and never
 * touches the SDK; tests hand it a fake.
 */
import { execFile } from 'node:child_process';
import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { cloudProfile } from './clouds.js';
import { lookUpPublicAddress, myIpUrl, type PublicAddressLookup } from './public-address.js';
import { clientOptions, createAzureServices } from './services.js';

export interface SubscriptionInfo {
  readonly id: string;
  readonly name: string;
  /** The subscription `az account show` would pick. */
  readonly isDefault: boolean;
}

export interface RegionInfo {
  /** Short name, as the config and the APIs take it. */
  readonly name: string;
  readonly displayName: string;
  /** Why the size cannot be deployed there by this subscription, when Azure restricts it. */
  readonly restriction?: string;
}

export interface AzureCatalog {
  /** Where the answers come from, for the wizard to say so. */
  readonly source: string;
  subscriptions(): Promise<SubscriptionInfo[]>;
  /** Regions that offer `vmSize`, restricted ones included with the reason. */
  regionsOffering(subscriptionId: string, vmSize: string): Promise<RegionInfo[]>;
  /** Where this computer's public address is looked up (only once the user agreed). */
  readonly publicAddress?: PublicAddressLookup;
  /** --simulate: what the simulator offers in place of an installer link and a license key. */
  readonly standIns?: { readonly installerUrl: string; readonly licenseKey: string };
  close(): Promise<void>;
}

export interface CatalogOptions {
  readonly auth: string;
  readonly cloud: string;
  readonly armEndpoint?: string | undefined;
  /** --tenant: the tenant to sign in to. */
  readonly tenant?: string | undefined;
  readonly simulate?: boolean | undefined;
}

interface ArmConnection {
  readonly credential: TokenCredential;
  readonly endpoint: string;
  readonly agent?: Agent | undefined;
  readonly userAgent: string;
}

const ARM_API_VERSION = '2022-12-01';

class AzureRequestError extends Error {
  constructor(what: string, status: number, body: string) {
    let detail = `HTTP ${status}`;
    try {
      const error = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
      if (error?.code) detail = `${error.code}: ${error.message ?? ''}`;
    } catch {
      // Not an ARM error body; the status says enough.
    }
    super(`Azure refused to ${what} (${detail})`);
    this.name = 'AzureRequestError';
  }
}

/**
 * GETs an ARM collection through the SDK's pipeline (token, retries, agent), following nextLink. The
 * SDK loads here, not at import: the wizard's first question should not wait for it.
 */
async function armList<T>(connection: ArmConnection, path: string, what: string): Promise<T[]> {
  const { ResourceManagementClient } = await import('@azure/arm-resources');
  const { createDefaultHttpClient, createPipelineRequest } = await import('@azure/core-rest-pipeline');
  const client = new ResourceManagementClient(connection.credential, clientOptions({ ...connection, subscriptionId: '', pollIntervalMs: 0 }));
  const http = createDefaultHttpClient();
  const items: T[] = [];
  let url: string | undefined = `${connection.endpoint.replace(/\/$/, '')}${path}?api-version=${ARM_API_VERSION}`;
  while (url) {
    const response = await client.pipeline.sendRequest(http, createPipelineRequest({ url, method: 'GET' }));
    if (response.status >= 400) throw new AzureRequestError(what, response.status, response.bodyAsText ?? '');
    const page = JSON.parse(response.bodyAsText ?? '{}') as { value?: T[]; nextLink?: string };
    items.push(...(page.value ?? []));
    url = page.nextLink;
  }
  return items;
}

async function armSubscriptions(connection: ArmConnection): Promise<SubscriptionInfo[]> {
  const listed = await armList<{ subscriptionId: string; displayName: string; state: string }>(connection, '/subscriptions', 'list your subscriptions');
  return listed.filter((s) => s.state === 'Enabled').map((s) => ({ id: s.subscriptionId, name: s.displayName, isDefault: false }));
}

async function armRegionsOffering(connection: ArmConnection, subscriptionId: string, vmSize: string): Promise<RegionInfo[]> {
  const services = createAzureServices({ ...connection, subscriptionId, pollIntervalMs: 0 });
  const compute = await services.compute();
  const offered = new Map<string, string | undefined>();
  // Azure filters SKUs by one location only; the whole list is what `az vm list-skus` reads too.
  for await (const sku of compute.resourceSkus.list()) {
    if (sku.resourceType !== 'virtualMachines' || sku.name?.toLowerCase() !== vmSize.toLowerCase()) continue;
    for (const location of sku.locations ?? []) {
      const restriction = sku.restrictions?.find((r) => r.type === 'Location' && r.values?.some((v) => v.toLowerCase() === location.toLowerCase()));
      offered.set(location.toLowerCase(), restriction ? `not offered to this subscription (${restriction.reasonCode ?? 'restricted'})` : undefined);
    }
  }
  const locations = await armList<{ name: string; displayName: string }>(connection, `/subscriptions/${subscriptionId}/locations`, 'list regions');
  const displayNames = new Map(locations.map((l) => [l.name.toLowerCase(), l.displayName]));
  return [...offered]
    .map(([name, restriction]) => ({ name, displayName: displayNames.get(name) ?? name, ...(restriction ? { restriction } : {}) }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** `az account list`: the subscriptions of the signed-in Azure CLI user, with their default marked. */
function azureCliSubscriptions(): Promise<SubscriptionInfo[]> {
  return new Promise((resolve, reject) => {
    // On Windows `az` is a .cmd script, which only a shell runs.
    execFile('az', ['account', 'list', '--output', 'json', '--only-show-errors'], { timeout: 60_000, shell: process.platform === 'win32', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new Error(missing ? 'the Azure CLI (az) is not installed or not on PATH' : `az account list failed: ${stderr.trim().split('\n')[0] || error.message}`));
        return;
      }
      try {
        const listed = JSON.parse(stdout) as { id: string; name: string; state: string; isDefault: boolean }[];
        resolve(listed.filter((s) => s.state === 'Enabled').map((s) => ({ id: s.id, name: s.name, isDefault: s.isDefault })));
      } catch {
        reject(new Error('az account list printed something that is not JSON'));
      }
    });
  });
}

function armCatalog(connection: ArmConnection, source: string, subscriptions: () => Promise<SubscriptionInfo[]>, close: () => Promise<void>): AzureCatalog {
  return {
    source,
    subscriptions,
    regionsOffering: (subscriptionId, vmSize) => armRegionsOffering(connection, subscriptionId, vmSize),
    close,
  };
}

function publicAddressAt(url: string, agent?: Agent): PublicAddressLookup {
  return { source: url, lookUp: () => lookUpPublicAddress(url, agent ? { agent } : {}) };
}

/** A catalog for the sign-in the user chose, or for an in-process simulator with --simulate. */
export async function openAzureCatalog(options: CatalogOptions, userAgent: string): Promise<AzureCatalog> {
  if (options.simulate) {
    const { startSimulator } = await import('../simulator/index.js');
    const { simulatorCredential } = await import('./credentials.js');
    const { MY_ADDRESS_PATH, SIMULATED_INSTALLER_URL, SIMULATED_LICENSE_KEY } = await import('../simulator/stand-ins.js');
    const simulator = await startSimulator();
    const connection = { credential: simulatorCredential(), endpoint: simulator.url, agent: simulator.httpsAgent(), userAgent };
    return {
      ...armCatalog(connection, 'the local Azure simulator', () => armSubscriptions(connection), () => simulator.close()),
      publicAddress: { ...publicAddressAt(`${simulator.url}${MY_ADDRESS_PATH}`, connection.agent), source: 'the simulator\'s stand-in for a "what is my IP" service' },
      standIns: { installerUrl: SIMULATED_INSTALLER_URL, licenseKey: SIMULATED_LICENSE_KEY },
    };
  }
  const { createCredential, isAuthKind } = await import('./credentials.js');
  if (!isAuthKind(options.auth)) throw new Error(`'${options.auth}' is not a sign-in method`);
  const endpoint = options.armEndpoint ?? cloudProfile(options.cloud).arm;
  const connection = { credential: await createCredential({ kind: options.auth, cloud: options.cloud, tenantId: options.tenant }), endpoint, userAgent };
  const viaCli = options.auth === 'cli';
  return {
    ...armCatalog(connection, viaCli ? 'az account list' : 'Azure Resource Manager', viaCli ? azureCliSubscriptions : () => armSubscriptions(connection), async () => undefined),
    publicAddress: publicAddressAt(myIpUrl()),
  };
}
