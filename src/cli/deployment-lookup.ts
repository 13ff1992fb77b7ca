/** Finding which deployment a command means when it needs only the state: --deployment, the config, or the only one there. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { checkDeploymentName } from '../config/rules.js';
import type { GlobalOptions } from './options.js';
import { configPath } from './config-path.js';
import { loadDeploymentConfig } from './session.js';

export async function deploymentName(options: GlobalOptions): Promise<string> {
  if (options.deployment) return options.deployment;
  if (configPath(options)) return (await loadDeploymentConfig(options)).deployment;
  const found = existsSync(options.stateDir)
    ? (await readdir(options.stateDir, { withFileTypes: true })).filter((d) => d.isDirectory() && !checkDeploymentName(d.name) && existsSync(join(options.stateDir, d.name, 'state.json'))).map((d) => d.name)
    : [];
  if (found.length === 1) return found[0]!;
  throw new ConfigError([{
    field: '--deployment',
    message: found.length === 0
      ? `no deployment found in ${options.stateDir}. Fix: pass --deployment NAME and --state-dir DIR, or run from the folder where you ran 'qlik-azure init'`
      : `${options.stateDir} holds several deployments (${found.join(', ')}). Fix: pass --deployment NAME`,
  }]);
}
