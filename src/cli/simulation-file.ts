/**
 * `<state-dir>/<deployment>/simulation.json`: the simulated Azure and VM of one deployment, so that every
 * --simulate command (resume after Ctrl-C, a second apply, destroy) sees the world the last one left.
 * Written atomically, 0600, and refused like state.json if it would hold a secret value.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { assertNoSecrets } from '../config/secrets.js';
import { machinesProblems, type QlikVmSnapshot } from '../simulator/qlik-vm-snapshot.js';
import { snapshotProblems, type SimulatorSnapshot } from '../simulator/snapshot.js';
import { writeFileAtomic } from '../state/atomic-write.js';

/** Bump when SimulatorSnapshot or the machines' shape changes: an older file then starts a fresh simulation. */
export const SIMULATION_SCHEMA_VERSION = 1;

/** Which deployment the world belongs to: a file made for other ids is not loaded. */
export interface SimulationOwner {
  readonly deployment: string;
  readonly subscriptionId: string;
}

export interface SimulationDocument extends SimulationOwner {
  readonly schemaVersion: typeof SIMULATION_SCHEMA_VERSION;
  readonly savedAt: string;
  readonly simulator: SimulatorSnapshot;
  readonly machines: QlikVmSnapshot;
}

export function simulationPath(stateDir: string, deployment: string): string {
  return join(stateDir, deployment, 'simulation.json');
}

/**
 * The saved world, or why none is loaded (a warning; undefined when there simply is no file yet). A file of
 * this version and deployment whose content has the wrong shape is refused (ConfigError, exit 3): starting
 * from it would fail half-way, and starting empty without a word would hide that the world was lost.
 */
export async function readSimulation(path: string, owner: SimulationOwner): Promise<{ document?: SimulationDocument; warning?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const fresh = (why: string) => ({ warning: `${path} ${why}; the simulation starts from an empty Azure` });
  let document: Partial<SimulationDocument>;
  try {
    document = JSON.parse(text) as Partial<SimulationDocument>;
  } catch {
    return fresh('is not valid JSON');
  }
  if (document.schemaVersion !== SIMULATION_SCHEMA_VERSION) {
    return fresh(`has schema version ${String(document.schemaVersion)}, this qlik-azure reads version ${SIMULATION_SCHEMA_VERSION}`);
  }
  if (document.deployment !== owner.deployment || document.subscriptionId !== owner.subscriptionId) {
    return fresh(`belongs to deployment '${String(document.deployment)}' in subscription ${String(document.subscriptionId)}`);
  }
  const problems = [...snapshotProblems(document.simulator), ...machinesProblems(document.machines)];
  if (problems.length > 0) {
    throw new ConfigError([{ field: path, message: `is not a simulated world qlik-azure can load: ${problems.join('; ')}. Fix: delete ${path}; the next --simulate command starts from an empty Azure, and apply creates the deployment in it again` }]);
  }
  return { document: document as SimulationDocument };
}

function blobContents(document: SimulationDocument): string[] {
  return Object.values(document.simulator.blobs.accounts).flatMap((containers) => Object.values(containers).flatMap((container) =>
    Object.values(container.blobs).map((blob) => Buffer.from(blob.contentBase64, 'base64').toString('utf8'))));
}

export async function writeSimulation(path: string, document: SimulationDocument, secretValues: readonly string[]): Promise<void> {
  const text = `${JSON.stringify(document)}\n`;
  // Blob contents are stored base64-encoded, where a secret would not show: a blob of staged Run Command
  // inputs (protected values too long for a command line) lives in the simulated account while its script runs.
  assertNoSecrets(`${text}${blobContents(document).join('\n')}`, secretValues, path);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, text);
}

/**
 * Saves after every change, coalesced: at most one write runs and one waits, so a run killed at any
 * moment leaves the world as of its last few requests (SIGKILL and a second Ctrl-C skip close()).
 */
export class SimulationRecorder {
  #running: Promise<void> | undefined;
  #again = false;
  #failed = false;

  constructor(private readonly save: () => Promise<void>, private readonly warn: (message: string) => void) {}

  changed(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => { this.#running = undefined; });
  }

  /** Waits for pending writes, then writes once more: the final world. */
  async close(): Promise<void> {
    await this.#running;
    await this.#saveOnce();
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#saveOnce();
    } while (this.#again);
  }

  async #saveOnce(): Promise<void> {
    try {
      await this.save();
    } catch (error) {
      // Said once: a run must not fail because its simulation could not be kept.
      if (!this.#failed) this.warn(`the simulation is not saved: ${(error as Error).message}`);
      this.#failed = true;
    }
  }
}
