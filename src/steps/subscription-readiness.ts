/**
 * Before the first write: is the subscription ready for what the selected steps write? One GET per
 * resource provider namespace answers both questions:
 * - Registration. Microsoft.Compute, Network and Storage are not registered on a new subscription, and
 *   every write to them fails with 409 MissingSubscriptionRegistration. Missing ones are registered
 *   (POST .../providers/{namespace}/register) and waited for until `Registered`, as Terraform's azurerm
 *   provider does (learn.microsoft.com: azure-resource-manager/management/resource-providers-and-types,
 *   azure-services-resource-providers; notes §3.4). An identity that may not register is told the exact
 *   `az provider register` commands; `--no-register-providers` / azure.registerProviders: false skips it.
 * - api-versions. The clients send fixed api-versions (api-versions.ts); sovereign clouds offer older
 *   ones (hashicorp/terraform-provider-azurerm#32301, #32402), where every write would fail with
 *   NoRegisteredProviderFound. The run stops first, naming what the cloud offers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider } from '@azure/arm-resources';
import { SDK_API_VERSIONS, splitResourceType, type WrittenResourceType } from '../azure/api-versions.js';
import type { AzureServices } from '../azure/services.js';

/** What each step writes, by guide number (reads need no registration). */
const STEP_WRITES: Readonly<Record<number, readonly WrittenResourceType[]>> = {
  1: ['Microsoft.Resources/resourceGroups'],
  5: ['Microsoft.Network/networkSecurityGroups'],
  13: ['Microsoft.Storage/storageAccounts'],
  16: ['Microsoft.Network/virtualNetworks'],
  25: ['Microsoft.Network/networkInterfaces'],
  26: ['Microsoft.Network/publicIPAddresses'],
  29: ['Microsoft.Compute/virtualMachines'],
  // Everything done on the VM goes through managed Run Command.
  ...Object.fromEntries([34, 38, 40, 41, 42, 43, 44, 45, 46, 48].map((step) => [step, ['Microsoft.Compute/virtualMachines/runCommands'] as const])),
};

export function resourceTypesWrittenBy(steps: readonly number[]): WrittenResourceType[] {
  return [...new Set(steps.flatMap((step) => STEP_WRITES[step] ?? []))];
}

export interface ReadinessOptions {
  readonly azure: AzureServices;
  readonly steps: readonly number[];
  readonly location: string;
  /** false: never register; a missing registration stops the run with the commands to run instead. */
  readonly registerProviders: boolean;
  /** One line per stage, for the run's output. */
  readonly progress: (message: string) => void;
  readonly signal?: AbortSignal;
  /** Give up waiting for a registration after this long. Default 15 minutes. */
  readonly registrationTimeoutMs?: number;
}

/** The subscription is not ready and the tool will not (or may not) make it so; the message says what to do. */
export class SubscriptionNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriptionNotReadyError';
  }
}

const sameText = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
/** Provider listings name regions by display name ("West Europe", "USGov Virginia"); configs by short name. */
const regionKey = (name: string) => name.toLowerCase().replace(/\s+/g, '');

/** What is wrong with the api-version or region of each written type, one line each. */
function offerProblems(providers: ReadonlyMap<string, Provider>, types: readonly WrittenResourceType[], location: string): string[] {
  return types.flatMap((resourceType) => {
    const { namespace, type } = splitResourceType(resourceType);
    const offered = providers.get(namespace)?.resourceTypes?.find((candidate) => sameText(candidate.resourceType, type));
    const sent = SDK_API_VERSIONS[resourceType];
    if (!offered) return [`${resourceType} is not offered in this cloud`];
    const problems: string[] = [];
    const versions = offered.apiVersions ?? [];
    if (!versions.includes(sent)) problems.push(`${resourceType}: qlik-azure sends api-version ${sent}; this cloud offers ${versions.slice(0, 6).join(', ') || 'none'}${versions.length > 6 ? ', ...' : ''}`);
    const locations = offered.locations ?? [];
    // An empty list means the type is global (not tied to a region).
    if (locations.length > 0 && !locations.some((name) => regionKey(name) === regionKey(location))) {
      problems.push(`${resourceType} is not offered in ${location}; it is in ${locations.map(regionKey).join(', ')}`);
    }
    return problems;
  });
}

function registerCommands(namespaces: readonly string[], subscriptionId: string): string {
  return namespaces.map((namespace) => `  az provider register --namespace ${namespace} --subscription ${subscriptionId} --wait`).join('\n');
}

function isAuthorizationFailure(error: unknown): boolean {
  const { statusCode, code } = error as { statusCode?: number; code?: string };
  return statusCode === 403 || code === 'AuthorizationFailed';
}

/** Throttling (429), a server error or a dropped connection: Azure may answer the same request next time. */
function isTransient(error: unknown): boolean {
  const { statusCode, code } = error as { statusCode?: number; code?: string };
  return statusCode === 429 || (statusCode !== undefined && statusCode >= 500) || ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'REQUEST_SEND_ERROR'].includes(code ?? '');
}

/** Attempts of one provider request when Azure's answer is transient; the SDK has already retried each up to 3 times. */
const TRANSIENT_ATTEMPTS = 5;

/**
 * A provider request, tried again after a growing pause while Azure's answer is transient (the SDK's own retry
 * skips a 429 whose Retry-After is 0 or missing). Still failing: a stop that says so, and that the same command
 * goes on from here, since nothing was written.
 */
async function withTransientRetry<T>(options: Pick<ReadinessOptions, 'azure' | 'signal'>, what: string, request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (attempt === TRANSIENT_ATTEMPTS) {
        throw new SubscriptionNotReadyError(`Azure kept answering ${what} with a passing error (${(error as Error).message.split('\n')[0]}) after ${attempt} attempts; nothing was written. Fix: wait a minute, then run the command again`);
      }
      await sleep(Math.max(options.azure.connection.pollIntervalMs, 1) * 2 ** attempt, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}

async function readProviders(azure: AzureServices, namespaces: readonly string[], signal?: AbortSignal): Promise<Map<string, Provider>> {
  const client = await azure.resources();
  const read = await Promise.all(namespaces.map(async (namespace) => [namespace, await withTransientRetry({ azure, signal }, `the read of provider ${namespace}`, () => client.providers.get(namespace))] as const));
  return new Map(read);
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/** Registers the namespaces (403: the commands to run instead) and waits until Azure reads `Registered` for each. */
async function register(options: ReadinessOptions, namespaces: readonly string[]): Promise<void> {
  const { azure } = options;
  const client = await azure.resources();
  const started = Date.now();
  options.progress(`Registering ${namespaces.join(', ')} with subscription ${azure.subscriptionId} (a new subscription has them unregistered; Azure takes a minute or more)`);
  for (const namespace of namespaces) {
    try {
      await withTransientRetry(options, `the registration of ${namespace}`, () => client.providers.register(namespace));
    } catch (error) {
      if (!isAuthorizationFailure(error)) throw error;
      throw new SubscriptionNotReadyError(`Your identity may not register resource providers with subscription ${azure.subscriptionId} (Azure: AuthorizationFailed for ${namespace}/register/action). Ask someone with the Contributor or Owner role to run:\n${registerCommands(namespaces, azure.subscriptionId)}\nthen run the command again; or pass --no-register-providers to skip this check`);
    }
  }
  const timeoutMs = options.registrationTimeoutMs ?? 15 * 60_000;
  let waiting = [...namespaces];
  while (waiting.length > 0) {
    if (Date.now() - started > timeoutMs) {
      throw new SubscriptionNotReadyError(`${waiting.join(', ')} did not finish registering within ${seconds(timeoutMs)}. Check with 'az provider show --namespace ${waiting[0]} --query registrationState', then run the command again`);
    }
    await sleep(Math.max(azure.connection.pollIntervalMs, 1), undefined, options.signal ? { signal: options.signal } : {});
    const states = await readProviders(azure, waiting, options.signal);
    waiting = waiting.filter((namespace) => states.get(namespace)?.registrationState !== 'Registered');
  }
  options.progress(`Registered ${namespaces.join(', ')} (${seconds(Date.now() - started)})`);
}

/**
 * Checks the providers the steps write to, registering missing ones unless told not to; throws
 * SubscriptionNotReadyError when the run cannot go on, before anything is written.
 */
export async function prepareSubscription(options: ReadinessOptions): Promise<void> {
  const types = resourceTypesWrittenBy(options.steps);
  if (types.length === 0) return;
  const namespaces = [...new Set(types.map((type) => splitResourceType(type).namespace))];
  const providers = await readProviders(options.azure, namespaces, options.signal);
  const problems = offerProblems(providers, types, options.location);
  if (problems.length > 0) {
    throw new SubscriptionNotReadyError(`This cloud does not offer what qlik-azure would create:\n${problems.map((line) => `  ${line}`).join('\n')}\nFix: choose a region that offers these types, or use a qlik-azure release whose Azure SDK clients use an api-version this cloud offers`);
  }
  const unregistered = namespaces.filter((namespace) => providers.get(namespace)?.registrationState !== 'Registered');
  if (unregistered.length === 0) return;
  if (!options.registerProviders) {
    throw new SubscriptionNotReadyError(`${unregistered.join(', ')} ${unregistered.length === 1 ? 'is' : 'are'} not registered with subscription ${options.azure.subscriptionId}, and registering was turned off (--no-register-providers or azure.registerProviders: false). Every write would fail with MissingSubscriptionRegistration. Fix: have someone allowed to register run:\n${registerCommands(unregistered, options.azure.subscriptionId)}`);
  }
  await register(options, unregistered);
}
