/**
 * The default backend: `<state-dir>/<deployment>/` on this machine, a 0700 folder of 0600 files. The lock
 * is state.lock (lock.ts); every write is atomic and keeps the previous version as state.json.backup.
 */
import { constants, existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { checkDeploymentName } from '../config/rules.js';
import { writeFileAtomic } from './atomic-write.js';
import type { StateBackend, StatePaths, StateSession } from './backend.js';
import { ensurePrivateFolder, isProcessRunning, refuseSymlink, temporaryOwner } from './files.js';
import { acquireLock, parseHolder, UNKNOWN_HOLDER, type LockHolder } from './lock.js';

/**
 * Where a deployment's files are. The one place a deployment name becomes a path, so the one place it is
 * checked: a name from --deployment (or a folder listing) never reaches outside the state dir.
 */
export function statePaths(stateDir: string, deployment: string): StatePaths {
  const problem = checkDeploymentName(deployment);
  if (problem) throw new ConfigError([{ field: '--deployment', message: problem }]);
  const directory = join(stateDir, deployment);
  return { deployment, directory, state: join(directory, 'state.json'), lock: join(directory, 'state.lock') };
}

/** The deployment's folder, made 0700 or checked to be private (as the state dir above it), before anything is written there. */
export async function ensureStateFolder(stateDir: string, deployment: string): Promise<StatePaths> {
  const paths = statePaths(stateDir, deployment);
  await ensurePrivateFolder(stateDir, { sharedParent: true });
  await ensurePrivateFolder(paths.directory);
  return paths;
}

/** Removes what writers killed or failed before us left: `*.tmp-<pid>` files whose process is gone. */
async function removeStaleTemporaries(directory: string): Promise<void> {
  for (const name of await readdir(directory)) {
    const owner = temporaryOwner(name);
    if (owner !== undefined && owner !== process.pid && !isProcessRunning(owner)) await rm(join(directory, name), { force: true });
  }
}

async function readPlainFile(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') await refuseSymlink(path);
    throw error;
  }
}

/** Files beside the state in a private folder: 0600, and never through a link planted at the path. */
export async function writeLocalArtifact(directory: string, name: string, content: string): Promise<string> {
  const path = join(directory, name);
  await ensurePrivateFolder(directory);
  await writeFileAtomic(path, content);
  return path;
}

export class LocalStateBackend implements StateBackend {
  readonly kind = 'local';
  readonly paths: StatePaths;
  readonly #stateDir: string;

  constructor(stateDir: string, deployment: string) {
    this.#stateDir = stateDir;
    this.paths = statePaths(stateDir, deployment);
  }

  read(): Promise<string | undefined> {
    return readPlainFile(this.paths.state);
  }

  async open(command: string): Promise<StateSession> {
    await ensureStateFolder(this.#stateDir, this.paths.deployment);
    const lock = await acquireLock(this.paths.lock, command);
    try {
      await removeStaleTemporaries(this.paths.directory);
      const text = await this.read();
      const state = this.paths.state;
      return {
        ...(lock.staleTakenOver ? { staleTakenOver: lock.staleTakenOver } : {}),
        text,
        write: async (next) => {
          await writeFileAtomic(state, next, { keepBackup: true });
          await chmod(state, 0o600);
        },
        release: () => lock.release(),
        // Its own temporary files removed and the lock released, so the next command neither waits nor
        // warns about a stale lock.
        abandon: () => {
          removeOwnTemporariesNow(this.paths.directory);
          lock.releaseNow();
        },
      };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async forceUnlock(): Promise<LockHolder | undefined> {
    const text = await readFile(this.paths.lock, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    await rm(this.paths.lock, { force: true });
    return parseHolder(text) ?? UNKNOWN_HOLDER;
  }

  writeArtifact(name: string, content: string): Promise<string> {
    return writeLocalArtifact(this.paths.directory, name, content);
  }

  readArtifact(name: string): Promise<string | undefined> {
    return readPlainFile(join(this.paths.directory, name));
  }

  simulatedWhenUnrecorded(): boolean {
    return existsSync(join(this.paths.directory, 'simulation.json'));
  }
}

function removeOwnTemporariesNow(directory: string): void {
  for (const name of readdirSync(directory)) {
    if (temporaryOwner(name) === process.pid) rmSync(join(directory, name), { force: true });
  }
}
