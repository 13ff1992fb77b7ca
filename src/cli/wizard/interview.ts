/** The wizard's questions in order, then the review and the files. */
import { stringify } from 'yaml';
import { validateConfig } from '../../config/load.js';
import type { CostOptions } from '../cost.js';
import type { GlobalOptions } from '../options.js';
import { commandFor, type Output } from '../output.js';
import { DEFAULT_CONFIG_FILE } from '../config-path.js';
import { generatedSecretsPath } from '../session.js';
import { TOOL_VERSION } from '../version.js';
import { terminalAsk } from './ask.js';
import { askAzure } from './azure.js';
import { lookingUp, type WizardContext } from './context.js';
import { inSchemaOrder, type Draft } from './draft.js';
import { writeConfigFile, writeWizardSecrets } from './files.js';
import { askNetwork } from './network.js';
import { askQlik } from './qlik.js';
import { askSecrets, showGenerated } from './secrets.js';
import { askVm } from './vm.js';

export interface WizardResult {
  readonly configFile: string;
  readonly secretsFile?: string;
}

async function askEverything(context: WizardContext): Promise<Draft> {
  let draft: Draft = {};
  draft = await askAzure(context, draft);
  draft = await askNetwork(context, draft);
  draft = await askVm(context, draft);
  return inSchemaOrder(await askQlik(context, draft));
}

export async function interview(output: Output, options: GlobalOptions & CostOptions & { myIp?: boolean }): Promise<WizardResult | undefined> {
  const opening = import('../../azure/subscriptions.js').then(({ openAzureCatalog }) => openAzureCatalog(options, `qlik-azure/${TOOL_VERSION}`));
  const catalog = await lookingUp(output, options.simulate ? 'Starting the local Azure simulator' : 'Preparing Azure sign-in', opening);
  const context: WizardContext = { ask: await terminalAsk(), output, catalog, cloud: options.cloud, myIp: options.myIp, cost: { currency: options.currency, simulate: options.simulate } };
  let draft: Draft;
  try {
    draft = await askEverything(context);
  } finally {
    await catalog.close();
  }
  // Every answer was checked as it came; this checks the whole document once more, as a run will.
  const config = validateConfig(draft as Record<string, unknown>);
  const secretsFile = generatedSecretsPath(options, config.deployment);
  const secrets = await askSecrets(context, config, secretsFile);

  output.line();
  output.line(output.style.bold(`Review: ${DEFAULT_CONFIG_FILE} (no secrets; every other setting takes its default)`));
  output.line(stringify(draft).trimEnd().split('\n').map((line) => `  ${line}`).join('\n'));
  if (!await context.ask.yesNo({ message: `Write ${DEFAULT_CONFIG_FILE}${secrets ? ` and ${secretsFile}` : ''}, then show the plan?`, default: true })) {
    output.line('Nothing written, nothing created.');
    return undefined;
  }
  const configFile = await writeConfigFile(context, DEFAULT_CONFIG_FILE, draft, secretsFile);
  if (!configFile) {
    output.line(`Kept the existing ${DEFAULT_CONFIG_FILE}; nothing created. Run \`qlik-azure init\` to use it.`);
    return undefined;
  }
  if (secrets) {
    await writeWizardSecrets(options, config.deployment, secrets.values);
    showGenerated(context, config, secrets, secretsFile);
  }
  output.line(output.style.green(`Wrote ${configFile}${secrets ? ` and ${secretsFile} (mode 0600)` : ''}.`));
  output.line(output.style.dim(`Later runs: ${commandFor('apply', { ...options, config: configFile, secretsFile })}`));
  output.line();
  return { configFile, secretsFile };
}
