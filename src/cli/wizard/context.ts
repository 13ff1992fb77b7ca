/** What every group of questions works with. */
import type { AzureCatalog } from '../../azure/subscriptions.js';
import type { CostOptions } from '../cost.js';
import type { Output } from '../output.js';
import type { Ask } from './ask.js';

export interface WizardContext {
  readonly ask: Ask;
  readonly output: Output;
  readonly catalog: AzureCatalog;
  /** --cloud: the DNS zone of the address shown. */
  readonly cloud?: string | undefined;
  /** --my-ip (true) / --no-my-ip (false): consent to look up this computer's public address, given in advance. */
  readonly myIp?: boolean | undefined;
  /** --currency and --simulate: where the monthly estimate's prices come from. */
  readonly cost: CostOptions;
}

export const GROUPS = ['Azure', 'Network', 'Virtual machine', 'Qlik Sense', 'Secrets'] as const;

export function heading(output: Output, group: (typeof GROUPS)[number], what: string): void {
  output.line();
  output.line(`${output.style.bold(`${GROUPS.indexOf(group) + 1}/${GROUPS.length} ${group}`)}  ${output.style.dim(what)}`);
}

/** Runs an Azure lookup under a spinner, so a slow answer never looks like a hang. */
export async function lookingUp<T>(output: Output, text: string, work: Promise<T>): Promise<T> {
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stdout, discardStdin: false, color: output.style.enabled ? 'cyan' : false }).start();
  try {
    const result = await work;
    spinner.stop();
    return result;
  } catch (error) {
    spinner.stopAndPersist({ symbol: output.style.yellow('!'), text: `${text}: ${error instanceof Error ? error.message : String(error)}` });
    throw error;
  }
}
