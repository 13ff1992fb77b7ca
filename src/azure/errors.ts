/**
 * Turns what the SDK throws into what a user can act on: Azure's code, its message, and advice.
 */
import { StepError, type StepErrorInfo } from '../engine/step.js';

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

export type AdviceRule = (code: string, message: string) => string | undefined;

const ADVICE: Record<string, AdviceRule> = {
  AuthorizationFailed: () => 'Your identity lacks a role on the subscription or resource group. Fix: ask for Contributor (or Virtual Machine Contributor + Network Contributor + Storage Account Contributor) on the subscription, then run `qlik-azure resume`',
  ResourceGroupBeingDeleted: () => 'The resource group is still being deleted. Fix: wait until the deletion finishes, then run `qlik-azure resume`',
  MissingSubscriptionRegistration: (_code, message) => `A resource provider is not registered on the subscription. Fix: az provider register --namespace ${/namespace '([^']+)'/i.exec(message)?.[1] ?? '<namespace>'}`,
  RequestDisallowedByPolicy: () => 'An Azure Policy forbids this resource as configured. Fix: ask your Azure administrator which policy applies, or change the setting the policy names',
  Throttled: () => 'Azure is throttling requests. The tool already retried. Fix: wait a minute, then run `qlik-azure resume`',
};

export function registerAdvice(code: string, rule: AdviceRule): void {
  ADVICE[code] = rule;
}

function withAdvice(code: string | undefined, message: string): StepErrorInfo {
  const advice = code ? ADVICE[code]?.(code, message) : undefined;
  return { message, ...(code ? { code } : {}), ...(advice ? { advice } : {}) };
}

export function describeError(error: unknown): StepErrorInfo {
  if (error instanceof StepError) return { message: error.message, ...(error.code ? { code: error.code } : {}), ...(error.advice ? { advice: error.advice } : {}) };
  if (isRestError(error)) {
    const code = error.code ?? (error.statusCode === 429 ? 'Throttled' : undefined);
    return withAdvice(code, error.message);
  }
  if (error instanceof Error) {
    const lro = LRO_FAILURE.exec(error.message);
    if (lro) return withAdvice(lro[1], lro[2]!.trim());
    return { message: error.message };
  }
  return { message: String(error) };
}
