/** Which config file a command reads; a module of its own so that deciding costs no heavy imports. */
import { existsSync } from 'node:fs';
import type { GlobalOptions } from './options.js';

export const DEFAULT_CONFIG_FILE = 'qlik-azure.yaml';

export function configPath(options: Pick<GlobalOptions, 'config'>): string | undefined {
  if (options.config) return options.config;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
}
