/**
 * The state store: `<state-dir>/<deployment>/state.json`, 0600, locked while a command runs, every write
 * atomic with the previous version kept as state.json.backup, and refused if it would contain a secret.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { existsSync } from 'node:fs';
import { chmod, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/derive.js';
import { ConfigError } from '../config/errors.js';
import { checkDeploymentName } from '../config/rules.js';
import { assertNoSecrets } from '../config/secrets.js';
import type { StepNumber } from '../engine/catalogue.js';
import type { Journal, JournalEntry } from '../engine/journal.js';
import type { StepErrorInfo, StepResult } from '../engine/step.js';
import { writeFileAtomic } from './atomic-write.js';
import { ensurePrivateFolder, isProcessRunning, refuseSymlink, temporaryOwner } from './files.js';
import { acquireLock, type Lock } from './lock.js';
import { parseState, STATE_SCHEMA_VERSION, type DeploymentState } from './schema.js';

export interface StatePaths {
  readonly deployment: string;
  readonly directory: string;
  readonly state: string;
  readonly lock: string;
}

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

/** Reads a deployment's state without locking (for status); undefined when there is none. */
export async function readState(paths: StatePaths): Promise<DeploymentState | undefined> {
  let text: string;
  try {
    const handle = await open(paths.state, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // Stryker disable next-line ConditionalExpression: refuseSymlink passes anything but a symbolic link, and the error is raised after it either way
    if (code === 'ELOOP') await refuseSymlink(paths.state);
    throw error;
  }
  return parseState(text, paths.state, paths.deployment);
}

/**
 * Simulated and real deployments never share a state: a journal of the simulator's Azure would make a real
 * run skip steps it never did (and the reverse). States written before `simulated` was recorded count as
 * simulated when the folder holds the simulator's world (simulation.json).
 */
export function assertSameWorld(state: DeploymentState | undefined, paths: StatePaths, simulated: boolean): void {
  if (!state) return;
  const recorded = state.simulated ?? existsSync(join(paths.directory, 'simulation.json'));
  if (recorded === simulated) return;
  const message = recorded
    ? `deployment '${paths.deployment}' in ${paths.directory} is simulated (made with --simulate); this command would talk to real Azure. Fix: add --simulate to act on the simulated deployment, or use another --state-dir (or --deployment) for a real one`
    : `deployment '${paths.deployment}' in ${paths.directory} is a real Azure deployment; --simulate would act on a simulated one in its place. Fix: remove --simulate to act on the real deployment, or use another --state-dir (or --deployment) to simulate`;
  throw new ConfigError([{ field: '--simulate', message }]);
}

/** Removes what writers killed or failed before us left: `*.tmp-<pid>` files whose process is gone. */
async function removeStaleTemporaries(directory: string): Promise<void> {
  for (const name of await readdir(directory)) {
    const owner = temporaryOwner(name);
    if (owner !== undefined && owner !== process.pid && !isProcessRunning(owner)) await rm(join(directory, name), { force: true });
  }
}

function attemptsOf(entry: JournalEntry | undefined): number {
  if (!entry) return 0;
  return entry.status === 'pending' ? entry.attemptsSoFar : entry.attempt;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What a link's query is replaced by in the state: a SAS there is a credential to the blob. */
export const REDACTED_QUERY = '<redacted>';

/** The query of the configured installer link (a SAS, typically), which the state must never hold. */
export function configSecretValues(config: ResolvedConfig): string[] {
  const installer = config.qlik.installer;
  const query = installer?.source === 'url' ? installer.url.split('?').slice(1).join('?') : '';
  return query.length >= 4 ? [query] : [];
}

/** Scheme, host and path only: user info and query may carry credentials. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search ? `?${REDACTED_QUERY}` : ''}`;
}

/** The config as the state records it: the installer link without its query. */
function configForState(config: ResolvedConfig): ResolvedConfig {
  const installer = config.qlik.installer;
  if (installer?.source !== 'url') return config;
  return { ...config, qlik: { ...config.qlik, installer: { ...installer, url: withoutQuery(installer.url) } } };
}

export class StateStore implements Journal {
  readonly paths: StatePaths;
  readonly lock: Lock;
  #state: DeploymentState;
  #writes: Promise<void> = Promise.resolve();
  #secretValues: readonly string[];

  private constructor(paths: StatePaths, lock: Lock, state: DeploymentState, secretValues: readonly string[]) {
    this.paths = paths;
    this.lock = lock;
    this.#state = state;
    this.#secretValues = secretValues;
  }

  static async open(options: { stateDir: string; deployment: string; command: string; toolVersion: string; /** --simulate; left out (tests of the store alone) = not checked */ simulated?: boolean; secretValues?: readonly string[] }): Promise<StateStore> {
    const paths = await ensureStateFolder(options.stateDir, options.deployment);
    const lock = await acquireLock(paths.lock, options.command);
    try {
      await removeStaleTemporaries(paths.directory);
      const existing = await readState(paths);
      if (options.simulated !== undefined) assertSameWorld(existing, paths, options.simulated);
      const now = new Date().toISOString();
      const world = options.simulated === undefined ? {} : { simulated: options.simulated };
      const state: DeploymentState = existing ? { ...existing, ...world } : {
        schemaVersion: STATE_SCHEMA_VERSION,
        lineage: randomUUID(),
        serial: 0,
        deployment: options.deployment,
        toolVersion: options.toolVersion,
        createdAt: now,
        updatedAt: now,
        ...world,
        journal: {},
      };
      return new StateStore(paths, lock, state, options.secretValues ?? []);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  get state(): DeploymentState {
    return this.#state;
  }

  entry(step: StepNumber): JournalEntry | undefined {
    return this.#state.journal[String(step)];
  }

  /** Applies a change and writes it; writes are queued so they land in order. */
  update(change: (draft: Mutable<DeploymentState>) => void): Promise<void> {
    const next = structuredClone(this.#state) as Mutable<DeploymentState>;
    change(next);
    next.serial = this.#state.serial + 1;
    next.updatedAt = new Date().toISOString();
    const text = `${JSON.stringify(next, null, 2)}\n`;
    // Checked before memory changes, so a refused write leaves memory and disk telling the same story.
    assertNoSecrets(text, this.#secretValues, this.paths.state);
    this.#state = next;
    const write = this.#writes.then(() => writeFileAtomic(this.paths.state, text, { keepBackup: true }));
    this.#writes = write.catch(() => undefined);
    // Stryker disable next-line ArrowFunction: writeFileAtomic already creates the file 0600; the chmod repairs a mode changed by hand between runs
    return write.then(() => chmod(this.paths.state, 0o600));
  }

  recordConfig(config: ResolvedConfig, toolVersion: string): Promise<void> {
    // From now on a write that would hold the link's query is refused, like one holding a password.
    this.#secretValues = [...this.#secretValues, ...configSecretValues(config)];
    return this.update((draft) => {
      draft.config = configForState(config);
      draft.toolVersion = toolVersion;
    });
  }

  #setEntry(step: StepNumber, entry: JournalEntry): Promise<void> {
    return this.update((draft) => {
      draft.journal = { ...draft.journal, [String(step)]: entry };
    });
  }

  markPending(steps: readonly StepNumber[]): Promise<void> {
    const plannedAt = new Date().toISOString();
    return this.update((draft) => {
      const journal = { ...draft.journal };
      for (const step of steps) {
        const previous = journal[String(step)];
        if (previous?.status !== 'done') journal[String(step)] = { status: 'pending', plannedAt, attemptsSoFar: attemptsOf(previous) };
      }
      draft.journal = journal;
    });
  }

  markRunning(step: StepNumber): Promise<void> {
    const attempt = attemptsOf(this.entry(step)) + 1;
    return this.#setEntry(step, { status: 'running', startedAt: new Date().toISOString(), attempt });
  }

  markDone(step: StepNumber, result: StepResult): Promise<void> {
    const running = this.#runningEntry(step);
    return this.#setEntry(step, { status: 'done', startedAt: running.startedAt, finishedAt: new Date().toISOString(), attempt: running.attempt, change: result.change, outputs: result.outputs });
  }

  markFailed(step: StepNumber, error: StepErrorInfo): Promise<void> {
    const running = this.#runningEntry(step);
    return this.#setEntry(step, { status: 'failed', startedAt: running.startedAt, finishedAt: new Date().toISOString(), attempt: running.attempt, error });
  }

  /** Forgets steps (destroy), so a later apply creates them again. */
  forget(steps: readonly StepNumber[]): Promise<void> {
    return this.update((draft) => {
      draft.journal = Object.fromEntries(Object.entries(draft.journal).filter(([step]) => !steps.includes(Number(step))));
    });
  }

  #runningEntry(step: StepNumber): { startedAt: string; attempt: number } {
    const entry = this.entry(step);
    if (entry?.status === 'running') return entry;
    return { startedAt: new Date().toISOString(), attempt: 1 };
  }

  async close(): Promise<void> {
    await this.#writes;
    await this.lock.release();
  }
}
