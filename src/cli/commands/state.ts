/** `qlik-azure state force-unlock` and `qlik-azure state migrate --to …`: the state's lock and its place. */
import { ConfigError } from '../../config/errors.js';
import { isAzblobUrl } from '../../config/azblob-url.js';
import { LocalStateBackend } from '../../state/local-backend.js';
import { migrateState } from '../../state/store.js';
import { confirmOrRefuse } from '../confirm.js';
import { EXIT } from '../exit-codes.js';
import { guarded } from '../failures.js';
import type { GlobalOptions } from '../options.js';
import { createOutput } from '../output.js';
import { deploymentStateBackend, stateBackendAt } from '../state-backend.js';

export async function forceUnlockCommand(options: GlobalOptions): Promise<number> {
  const output = createOutput(options);
  return guarded(output, async () => {
    const backend = await deploymentStateBackend(options);
    const question = `Break the lock on ${backend.paths.lock}? A run that still holds it stops writing its state.`;
    if (!(await confirmOrRefuse(output, options, question))) {
      output.line('Nothing changed.');
      return EXIT.ok;
    }
    const holder = await backend.forceUnlock();
    if (output.json) output.data({ v: 1, type: 'force-unlock', lock: backend.paths.lock, holder: holder ?? null });
    else if (!holder) output.line(`${backend.paths.lock} was not locked; nothing to break.`);
    else output.line(`Broke the lock held by '${holder.command}' (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}).`);
    return EXIT.ok;
  });
}

export interface MigrateOptions extends GlobalOptions {
  to: string;
}

export async function migrateCommand(options: MigrateOptions): Promise<number> {
  const output = createOutput(options);
  return guarded(output, async () => {
    const from = await deploymentStateBackend(options);
    const deployment = from.paths.deployment;
    if (options.to !== 'local' && !isAzblobUrl(options.to)) {
      throw new ConfigError([{ field: '--to', message: `'${options.to}' is not a state backend. Fix: --to azblob://<storage account>/<container>[/<prefix>], or --to local (the --state-dir folder)` }]);
    }
    const to = options.to === 'local' ? new LocalStateBackend(options.stateDir, deployment) : await stateBackendAt(options.to, '--to', options, deployment);
    const { state, artifacts } = await migrateState(from, to);
    if (output.json) {
      output.data({ v: 1, type: 'migrated', deployment, from: from.paths.state, to: to.paths.state, serial: state.serial, artifacts });
      return EXIT.ok;
    }
    output.line(`Moved the state of '${deployment}' (serial ${state.serial}) from ${from.paths.state} to ${to.paths.state}${artifacts.length > 0 ? `, with ${artifacts.map((path) => path.split('/').pop()).join(', ')}` : ''}.`);
    output.line(options.to === 'local'
      ? `From now on run without --state (and set state.backend: local in the config, if it names azblob). ${from.paths.state} is left as it was: delete it once you no longer need it.`
      : `From now on pass --state ${options.to} (or set state.backend: azblob and state.url: ${options.to} in the config). ${from.paths.state} is left as it was: delete it once everyone uses the shared state.`);
    return EXIT.ok;
  });
}
