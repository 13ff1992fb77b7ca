/**
 * Turns what the SDK throws into what a user can act on: Azure's code, its message, and advice.
 */
import { createHash } from 'node:crypto';
import { StepError, type StepErrorInfo } from '../engine/step.js';
import { VM_SIZES } from '../qlik/sizing.js';

interface RestErrorLike {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
}

function isRestError(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === 'RestError';
}

/** core-lro reports a failed operation as a plain Error: "The long-running operation has failed. <code>. <message>". */
const LRO_FAILURE = /^The long-running operation has failed\. ([A-Za-z]+)\. ([\s\S]*)$/;

/** Azure's error code and message, from a RestError or a failed long-running operation. */
export function azureError(error: unknown): { code?: string; message: string } | undefined {
  if (isRestError(error)) {
    const code = error.code ?? (error.statusCode === 429 ? 'Throttled' : undefined);
    return { ...(code ? { code } : {}), message: error.message };
  }
  const lro = error instanceof Error ? LRO_FAILURE.exec(error.message) : null;
  return lro ? { code: lro[1]!, message: lro[2]!.trim() } : undefined;
}

/** A deterministic variant of a taken name, so the advice is the same on every run. */
export function alternativeName(name: string, maxLength: number, separator: string): string {
  const suffix = createHash('sha256').update(name).digest('hex').slice(0, 4);
  return `${name.slice(0, maxLength - suffix.length - separator.length)}${separator}${suffix}`;
}

export type AdviceRule = (code: string, message: string) => string | undefined;

const RESUME = 'then run `qlik-azure resume`';

/** Fields of ARM's quota message: "... approved standardDSv5Family Cores quota ... Location: westeurope, Current Limit: 20, Current Usage: 20, Additional Required: 4, (Minimum) New Limit Required: 24". */
function quotaAdvice(_code: string, message: string): string | undefined {
  const family = /approved (\S+) Cores quota/i.exec(message)?.[1];
  const number = (label: string) => {
    const found = new RegExp(`${label}:\\s*(\\d+)`, 'i').exec(message)?.[1];
    return found === undefined ? undefined : Number(found);
  };
  const limit = number('Current Limit');
  const usage = number('Current Usage');
  const required = number('Additional Required');
  const location = /Location:\s*([a-z0-9]+)/i.exec(message)?.[1];
  if (!family || limit === undefined || usage === undefined || required === undefined) {
    return `The subscription's core quota is too small for this VM. Fix: request more cores (Azure portal → Subscriptions → Usage + quotas), or choose a smaller vm.size, ${RESUME}`;
  }
  const free = Math.max(0, limit - usage);
  const fitting = VM_SIZES.filter((size) => size.vcpus <= free).map((size) => size.name);
  const smaller = fitting.length > 0 ? `or set vm.size to one that fits the ${free} free cores (${fitting.join(', ')})` : `no size of ${family} fits the ${free} free cores, so choose one of another family only if its quota has room`;
  const where = family === 'cores' ? 'total regional vCPUs' : family;
  return `The VM needs ${required} cores of ${where}${location ? ` in ${location}` : ''}; the limit is ${limit} with ${usage} in use (${free} free), so the limit must be at least ${usage + required}. Fix: request an increase to ${usage + required} (Azure portal → Subscriptions → Usage + quotas → ${where} → New quota request, or \`az quota update\`), ${smaller}; ${RESUME}`;
}

function skuAdvice(_code: string, message: string): string {
  const location = /in location '([^']+)'/i.exec(message)?.[1] ?? '<location>';
  return `This VM size is not offered to your subscription in ${location}. Fix: set vm.size to a size offered there (\`az vm list-skus --location ${location} --resource-type virtualMachines --output table\` lists them; qlik-azure's step 23 checks before anything is created), or deploy to another location; ${RESUME}`;
}

function storageNameAdvice(_code: string, message: string): string {
  const name = /named (\S+) is already taken/i.exec(message)?.[1] ?? /account (\S+) is already/i.exec(message)?.[1];
  const suggestion = name ? ` such as '${alternativeName(name, 24, '')}'` : '';
  return `Storage account names are global across Azure, and this one belongs to someone else. Fix: set storage.accountName to another name${suggestion} (3-24 lowercase letters and digits), ${RESUME}`;
}

function dnsLabelAdvice(_code: string, message: string): string {
  const fqdn = /DNS record (\S+) is already used/i.exec(message)?.[1];
  const label = fqdn?.split('.')[0];
  const suggestion = label ? ` such as '${alternativeName(label, 63, '-')}'` : '';
  return `The DNS name label is taken in this region by another public IP. Fix: set network.dnsLabel to another label${suggestion}, ${RESUME}`;
}

/** The role that grants the action ARM names in "does not have authorization to perform action '<ns>/...'". */
function authorizationAdvice(_code: string, message: string): string {
  const action = /perform action '([^']+)'/i.exec(message)?.[1];
  const namespace = action?.split('/')[0]?.toLowerCase();
  const roles: Record<string, string> = {
    'microsoft.compute': 'Virtual Machine Contributor',
    'microsoft.network': 'Network Contributor',
    'microsoft.storage': 'Storage Account Contributor',
  };
  const role = namespace ? roles[namespace] : undefined;
  const needed = action ? `Your identity may not perform ${action}.` : 'Your identity lacks a role on the subscription or resource group.';
  return `${needed} Fix: ask for ${role ? `${role} (or Contributor)` : 'Contributor'} on the subscription or the resource group (Contributor covers everything qlik-azure does), ${RESUME}`;
}

const throttledAdvice: AdviceRule = () => `Azure is throttling requests. The tool already retried. Fix: wait a minute, ${RESUME}`;

const ADVICE: Record<string, AdviceRule> = {
  AuthorizationFailed: authorizationAdvice,
  ResourceGroupBeingDeleted: () => `The resource group is still being deleted. Fix: wait until the deletion finishes, ${RESUME}`,
  MissingSubscriptionRegistration: (_code, message) => `A resource provider is not registered on the subscription. Fix: az provider register --namespace ${/namespace '([^']+)'/i.exec(message)?.[1] ?? '<namespace>'}`,
  RequestDisallowedByPolicy: () => 'An Azure Policy forbids this resource as configured. Fix: ask your Azure administrator which policy applies, or change the setting the policy names',
  Throttled: throttledAdvice,
  SubscriptionRequestsThrottled: throttledAdvice,
  TooManyRequests: throttledAdvice,
  OperationNotAllowed: (code, message) => (/quota/i.test(message) ? quotaAdvice(code, message) : undefined),
  QuotaExceeded: quotaAdvice,
  SkuNotAvailable: skuAdvice,
  StorageAccountAlreadyTaken: storageNameAdvice,
  StorageAccountAlreadyExists: storageNameAdvice,
  AlreadyExists: storageNameAdvice,
  DnsRecordInUse: dnsLabelAdvice,
  InternalServerError: () => 'Azure had an internal error and the SDK\'s retries ran out. Fix: run `qlik-azure resume`; finished steps are not repeated',
  ServiceUnavailable: () => `Azure was unavailable and the SDK's retries ran out. Fix: wait a minute, ${RESUME}`,
};

const connectionAdvice: AdviceRule = () => `The connection to Azure failed and the SDK's retries ran out. Fix: check the network (and any proxy), ${RESUME}`;
for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']) ADVICE[code] = connectionAdvice;

export function registerAdvice(code: string, rule: AdviceRule): void {
  ADVICE[code] = rule;
}

function withAdvice(code: string | undefined, message: string): StepErrorInfo {
  const advice = code ? ADVICE[code]?.(code, message) : undefined;
  return { message, ...(code ? { code } : {}), ...(advice ? { advice } : {}) };
}

export function describeError(error: unknown): StepErrorInfo {
  if (error instanceof StepError) return { message: error.message, ...(error.code ? { code: error.code } : {}), ...(error.advice ? { advice: error.advice } : {}) };
  const azure = azureError(error);
  if (azure) return withAdvice(azure.code, azure.message);
  if (error instanceof Error) {
    // System errors (a reset connection) carry their code on the error itself.
    const code = (error as { code?: unknown }).code;
    return withAdvice(typeof code === 'string' ? code : undefined, error.message);
  }
  return { message: String(error) };
}
