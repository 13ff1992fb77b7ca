/**
 * The state store: the deployment's state, locked while a command runs, every write keeping the previous
 * version, and refused if it would contain a secret. Where it lives is the backend's business (a local
 * folder by default, an Azure blob container for a team); what it holds and when it is written is decided
 * here, once, for both.
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedConfig } from '../config/derive.js';
import { ConfigError } from '../config/errors.js';
import { assertNoSecrets } from '../config/secrets.js';
import type { StepNumber } from '../engine/catalogue.js';
import type { Journal, JournalEntry } from '../engine/journal.js';
import type { StepErrorInfo, StepResult } from '../engine/step.js';
import { artifactNames, type StateBackend, type StatePaths, type StateSession } from './backend.js';
import { LocalStateBackend } from './local-backend.js';
import { parseState, STATE_SCHEMA_VERSION, type DeploymentState } from './schema.js';

export type { StatePaths } from './backend.js';
export { ensureStateFolder, statePaths } from './local-backend.js';

/** Reads a deployment's state without locking (for status, plan); undefined when there is none. */
export async function readState(backend: StateBackend): Promise<DeploymentState | undefined> {
  const text = await backend.read();
  return text === undefined ? undefined : parseState(text, backend.paths.state, backend.paths.deployment);
}

/**
 * Simulated and real deployments never share a state: a journal of the simulator's Azure would make a real
 * run skip steps it never did (and the reverse). States written before `simulated` was recorded count as
 * simulated when the folder holds the simulator's world (simulation.json).
 */
export function assertSameWorld(state: DeploymentState | undefined, backend: StateBackend, simulated: boolean): void {
  if (!state) return;
  const recorded = state.simulated ?? backend.simulatedWhenUnrecorded();
  if (recorded === simulated) return;
  const { deployment, directory } = backend.paths;
  const message = recorded
    ? `deployment '${deployment}' in ${directory} is simulated (made with --simulate); this command would talk to real Azure. Fix: add --simulate to act on the simulated deployment, or use another --state-dir (or --deployment) for a real one`
    : `deployment '${deployment}' in ${directory} is a real Azure deployment; --simulate would act on a simulated one in its place. Fix: remove --simulate to act on the real deployment, or use another --state-dir (or --deployment) to simulate`;
  throw new ConfigError([{ field: '--simulate', message }]);
}

/**
 * Moves a deployment's state (and the files beside it) from one backend to another, holding both locks:
 * refused while a run holds the source's, and refused when the destination already holds a state, which
 * it would overwrite. The source is left as it was.
 */
export async function migrateState(from: StateBackend, to: StateBackend): Promise<{ state: DeploymentState; artifacts: string[] }> {
  if (from.paths.state === to.paths.state) throw new ConfigError([{ field: '--to', message: `is where the state already is (${from.paths.state}). Fix: name the other backend` }]);
  const source = await from.open('state migrate');
  try {
    if (source.text === undefined) throw new ConfigError([{ field: '--deployment', message: `'${from.paths.deployment}' has no state at ${from.paths.state} to migrate. Fix: check --deployment, --state-dir or --state` }]);
    const state = parseState(source.text, from.paths.state, from.paths.deployment);
    const target = await to.open('state migrate');
    try {
      if (target.text !== undefined) {
        throw new ConfigError([{ field: '--to', message: `${to.paths.state} already holds a state of '${to.paths.deployment}'; migrating would overwrite it. Fix: use another container or prefix, or delete that state if it is a stale copy` }]);
      }
      await target.write(source.text);
      const artifacts: string[] = [];
      for (const name of artifactNames(from.paths.deployment)) {
        const content = await from.readArtifact(name);
        if (content !== undefined) artifacts.push(await to.writeArtifact(name, content));
      }
      return { state, artifacts };
    } finally {
      await target.release();
    }
  } finally {
    await source.release();
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

export interface OpenOptions {
  /** Where the state lives; left out = the local folder `<stateDir>/<deployment>`. */
  readonly backend?: StateBackend;
  readonly stateDir?: string;
  readonly deployment: string;
  readonly command: string;
  readonly toolVersion: string;
  /** --simulate; left out (tests of the store alone) = not checked */
  readonly simulated?: boolean;
  readonly secretValues?: readonly string[];
}

export class StateStore implements Journal {
  readonly backend: StateBackend;
  readonly lock: Pick<StateSession, 'staleTakenOver'>;
  readonly #session: StateSession;
  #state: DeploymentState;
  #writes: Promise<void> = Promise.resolve();
  #secretValues: readonly string[];

  private constructor(backend: StateBackend, session: StateSession, state: DeploymentState, secretValues: readonly string[]) {
    this.backend = backend;
    this.#session = session;
    this.lock = session.staleTakenOver ? { staleTakenOver: session.staleTakenOver } : {};
    this.#state = state;
    this.#secretValues = secretValues;
  }

  static async open(options: OpenOptions): Promise<StateStore> {
    const backend = options.backend ?? new LocalStateBackend(options.stateDir ?? '.qlik-azure', options.deployment);
    const session = await backend.open(options.command);
    try {
      const existing = session.text === undefined ? undefined : parseState(session.text, backend.paths.state, backend.paths.deployment);
      if (options.simulated !== undefined) assertSameWorld(existing, backend, options.simulated);
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
      return new StateStore(backend, session, state, options.secretValues ?? []);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  get paths(): StatePaths {
    return this.backend.paths;
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
    const write = this.#writes.then(() => this.#session.write(text));
    this.#writes = write.catch(() => undefined);
    return write;
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
    await this.#session.release();
  }

  /**
   * For a process that exits at once (a second Ctrl-C): a write in progress is dropped (the state keeps the
   * last whole write, whose journal says which steps were in flight) and the lock let go as far as the
   * backend can without waiting.
   */
  abandon(): void {
    this.#session.abandon();
  }
}
