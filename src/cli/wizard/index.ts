/**
 * `qlik-azure init` on a terminal without a config: asks, writes qlik-azure.yaml (no secrets) and the
 * secrets file, and hands back to init, which shows the plan and asks before creating anything.
 * This module stays small so the first line appears at once; the questions load after it.
 */
import { EXIT } from '../exit-codes.js';
import type { CostOptions } from '../cost.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';

/** Ctrl-C leaves at once: nothing exists yet, because files are written only after the review. */
function leaveOnInterrupt(output: Output): never {
  output.line();
  output.line('Cancelled: nothing was created and no file was written.');
  process.exit(EXIT.interrupted);
}

const isPromptExit = (error: unknown) => error instanceof Error && error.name === 'ExitPromptError';

export async function runWizard(output: Output, options: GlobalOptions & CostOptions & { myIp?: boolean }): Promise<{ configFile: string; secretsFile?: string } | undefined> {
  const { style } = output;
  output.line(style.bold('qlik-azure init: Qlik Sense Enterprise on Azure, following the Qlik Sense on Azure Deployment Guide'));
  output.line(`About 20 questions in 5 groups; Enter accepts the default shown in (parentheses). Nothing is created until you confirm the plan.`);
  output.line(style.dim('Ctrl-C leaves at any time.'));
  if (options.simulate) output.line(style.yellow('SIMULATION: a local Azure simulator answers; nothing real is created.'));
  // Prompts take Ctrl-C as a key; this catches it while an Azure lookup runs.
  const onSignal = () => leaveOnInterrupt(output);
  process.once('SIGINT', onSignal);
  try {
    const { interview } = await import('./interview.js');
    return await interview(output, options);
  } catch (error) {
    if (isPromptExit(error)) leaveOnInterrupt(output);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
