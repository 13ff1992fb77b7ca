/** Asking before changing anything: only on a terminal; elsewhere --yes is required. */
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import type { Output } from './output.js';

export const CANNOT_CONFIRM: ConfigIssue = { field: '--yes', message: 'this run cannot ask for confirmation (no terminal, CI, or --json). Fix: review `qlik-azure plan`, then pass --yes' };

export async function confirmOrRefuse(output: Output, options: { yes?: boolean; simulate?: boolean }, question: string): Promise<boolean> {
  if (options.yes) return true;
  if (!output.interactive) {
    throw new ConfigError([CANNOT_CONFIRM]);
  }
  const { confirm } = await import('@inquirer/prompts');
  // Enter declines a real change; under --simulate nothing real is created, so Enter goes ahead.
  return confirm({ message: question, default: options.simulate === true });
}
