/**
 * `qlik-azure init`: with a config (or without a terminal) it plans and applies like `apply`; on a
 * terminal without a config it first runs the wizard, which writes qlik-azure.yaml.
 */
import { EXIT } from '../exit-codes.js';
import { guarded, splitFix, type ErrorEvent } from '../failures.js';
import { createOutput, type Output } from '../output.js';
import { configPath, DEFAULT_CONFIG_FILE } from '../config-path.js';
import type { ApplyOptions } from './apply.js';

export interface InitOptions extends ApplyOptions {
  dryRun?: boolean;
  example?: boolean;
  /** --my-ip / --no-my-ip: the wizard's lookup of this computer's public address, agreed or refused in advance. */
  myIp?: boolean;
  currency?: string;
}

async function writeExamples(output: Output): Promise<number> {
  return guarded(output, async () => {
    const { writeExampleFiles, EXAMPLE_SECRETS_FILE } = await import('../example-files.js');
    const written = await writeExampleFiles();
    output.line(`Wrote ${written.join(' and ')} (mode 0600) from the examples. Each key is explained in ${DEFAULT_CONFIG_FILE}.`);
    output.line(`Try it now, nothing real is created:  npx qlik-azure plan --simulate --secrets-file ${EXAMPLE_SECRETS_FILE}`);
    output.line(`For Azure: set subscriptionId, replace every value in ${EXAMPLE_SECRETS_FILE} (its example values work only with --simulate), then  npx qlik-azure apply --secrets-file ${EXAMPLE_SECRETS_FILE}`);
    return EXIT.ok;
  });
}

export async function initCommand(options: InitOptions): Promise<number> {
  const output = createOutput(options);
  if (options.example) return writeExamples(output);
  const found = configPath(options);
  // Without a word, a qlik-azure.yaml left from an earlier init would turn the wizard into a deployment.
  if (found && !options.config && !output.json) {
    output.line(`Using ${found} from this folder (the wizard runs where there is none; --config FILE picks another).`);
  }
  if (!found) {
    if (!output.interactive) {
      const refusal = 'init needs answers and cannot ask here (no terminal, CI, or --json). Fix: pass --config FILE (see examples/qlik-azure.yaml) and --secrets-file FILE or --generate-secrets, with --yes';
      if (output.json) output.data({ v: 1, type: 'error', exitCode: EXIT.invalidInput, code: 'cannot_ask', field: '--config', ...splitFix(refusal) } satisfies ErrorEvent);
      else output.error(refusal);
      return EXIT.invalidInput;
    }
    const { runWizard } = await import('../wizard/index.js');
    const written = await runWizard(output, options);
    if (!written) return EXIT.ok;
    options.config = written.configFile;
    if (written.secretsFile) options.secretsFile = written.secretsFile;
  }
  // Loaded only now: the wizard's first line must not wait for the config schema and the engine.
  return options.dryRun ? (await import('./plan.js')).planCommand(options) : (await import('./apply.js')).applyCommand(options);
}
