/** The global flags every command accepts, as commander hands them over. */
import { InvalidArgumentError } from 'commander';
import { RETAIL_CURRENCIES } from '../cost/currencies.js';

export interface GlobalOptions {
  config?: string;
  secretsFile?: string;
  secretsStdin?: boolean;
  deployment?: string;
  stateDir: string;
  /** --state azblob://<account>/<container>[/<prefix>]: a shared state (overrides the config's state). */
  state?: string;
  subscription?: string;
  auth: string;
  cloud: string;
  /** --tenant: Entra tenant to sign in to (overrides azure.tenantId). */
  tenant?: string;
  /** false with --no-register-providers. */
  registerProviders?: boolean;
  armEndpoint?: string;
  yes?: boolean;
  json?: boolean;
  color: boolean;
  verbose?: boolean;
  simulate?: boolean;
}

export interface StepRangeOptions {
  fromStep?: number;
  toStep?: number;
}

export function parseStepNumber(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError(`'${value}' is not a step number; the guide's steps are 1-48`);
  return number;
}

export function parseConcurrency(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 32) throw new InvalidArgumentError(`'${value}' is not a number of steps to run at once; use a whole number from 1 to 32`);
  return number;
}

/** --currency: a code the Azure Retail Prices API converts to, any case. */
export function parseCurrency(value: string): string {
  const code = value.trim().toUpperCase();
  if (!(RETAIL_CURRENCIES as readonly string[]).includes(code)) throw new InvalidArgumentError(`'${value}' is not a currency Azure's retail prices come in; use one of ${RETAIL_CURRENCIES.join(', ')}`);
  return code;
}
