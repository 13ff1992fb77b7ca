/**
 * `init --example`: the example config and secrets template, written into the current folder, so a
 * newcomer (who ran the CLI through npx, with the examples inside node_modules) has files to edit.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/errors.js';
import { DEFAULT_CONFIG_FILE } from './config-path.js';

/** dist/cli/ → the package's examples/ folder, which package.json ships. */
const EXAMPLES = new URL('../../examples/', import.meta.url);
export const EXAMPLE_SECRETS_FILE = 'secrets.yaml';

async function copyNew(source: string, target: string): Promise<void> {
  try {
    await copyFile(fileURLToPath(new URL(source, EXAMPLES)), target, constants.COPYFILE_EXCL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new ConfigError([{ field: '--example', message: `${target} already exists; it is left as it is. Fix: move it away first, or edit it` }]);
  }
}

/** Writes both files or, when either exists, neither. */
export async function writeExampleFiles(): Promise<readonly string[]> {
  await copyNew('qlik-azure.yaml', DEFAULT_CONFIG_FILE);
  try {
    await copyNew('secrets.example.yaml', EXAMPLE_SECRETS_FILE);
  } catch (error) {
    await rm(DEFAULT_CONFIG_FILE, { force: true });
    throw error;
  }
  await chmod(EXAMPLE_SECRETS_FILE, 0o600);
  return [DEFAULT_CONFIG_FILE, EXAMPLE_SECRETS_FILE];
}
