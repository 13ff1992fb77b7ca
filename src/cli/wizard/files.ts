/** Writing what the wizard decided: qlik-azure.yaml without secrets, and the secrets file (0600). */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { writeSecretsFile } from '../../config/secret-sources.js';
import type { SecretName } from '../../config/secrets.js';
import { ensureStateFolder } from '../../state/store.js';
import type { GlobalOptions } from '../options.js';
import { generatedSecretsPath } from '../session.js';
import type { WizardContext } from './context.js';
import type { Draft } from './draft.js';

/** Writes the config; an existing file is replaced only when the user says so. Undefined when kept. */
export async function writeConfigFile(context: WizardContext, path: string, draft: Draft, secretsFile: string): Promise<string | undefined> {
  const text = [
    `# Written by \`qlik-azure init\` on ${new Date().toISOString().slice(0, 10)}. Settings not listed take their defaults:`,
    '# `qlik-azure config schema` lists every one. Secrets are never here; they are in',
    `# ${secretsFile} (or pass --secrets-file).`,
    stringify(draft),
  ].join('\n');
  try {
    await writeFile(path, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (!await context.ask.yesNo({ message: `${path} already exists. Replace it?`, default: false })) return undefined;
    await writeFile(path, text);
  }
  return path;
}

/** Writes the wizard's secrets to the deployment's secrets file (generatedSecretsPath), in its private folder. */
export async function writeWizardSecrets(options: GlobalOptions, deployment: string, values: Partial<Record<SecretName, string>>): Promise<void> {
  const text = `# Secrets for qlik-azure, written by \`qlik-azure init\`. Keep this file private (mode 0600);\n# move them into a password manager when the deployment is done.\n${stringify(values)}`;
  await ensureStateFolder(options.stateDir, deployment);
  await writeSecretsFile(generatedSecretsPath(options, deployment), text);
}
