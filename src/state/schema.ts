/**
 * The state file: the user's record of a deployment. Human-readable JSON, versioned, with a lineage that
 * identifies the deployment and a serial that counts writes (as Terraform's state does).
 *
 * A state is checked in full when it is read: people edit it, copy it between folders and restore backups,
 * and an entry of the wrong shape would otherwise surface as a crash in the middle of a run.
 */
import { z } from 'zod';
import type { ResolvedConfig } from '../config/derive.js';
import type { JournalEntry } from '../engine/journal.js';

export const STATE_SCHEMA_VERSION = 1;

export interface DeploymentState {
  readonly schemaVersion: typeof STATE_SCHEMA_VERSION;
  readonly lineage: string;
  readonly serial: number;
  readonly deployment: string;
  readonly toolVersion: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Made with --simulate: its journal describes the simulator's Azure, never the real one (absent in older states). */
  readonly simulated?: boolean;
  /** The configuration of the latest run; it holds no secrets. */
  readonly config?: ResolvedConfig;
  /** Keyed by guide step number. */
  readonly journal: Readonly<Record<string, JournalEntry>>;
}

export class StateFormatError extends Error {}

/** A step output's value; also in the `--json` documents (cli/machine-output.ts). */
export const outputValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
const attempt = z.number().int().min(1);

export const journalEntrySchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending'), plannedAt: z.string(), attemptsSoFar: z.number().int().min(0) }),
  z.object({ status: z.literal('running'), startedAt: z.string(), attempt }),
  z.object({
    status: z.literal('done'), startedAt: z.string(), finishedAt: z.string(), attempt,
    change: z.enum(['create', 'update', 'unchanged', 'skip', 'checked']),
    outputs: z.record(z.string(), outputValueSchema),
  }),
  z.object({
    status: z.literal('failed'), startedAt: z.string(), finishedAt: z.string(), attempt,
    error: z.object({ message: z.string(), code: z.string().optional(), advice: z.string().optional() }),
  }),
]);

/** The envelope; the journal's entries are checked one by one, so a problem names its step. */
const envelopeSchema = z.object({
  schemaVersion: z.literal(STATE_SCHEMA_VERSION),
  lineage: z.string().min(1),
  serial: z.number().int().min(0),
  deployment: z.string(),
  toolVersion: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  simulated: z.boolean().optional(),
  // The config is the latest run's copy: only what status and the ownership check read is required of it.
  config: z.looseObject({ deployment: z.string(), names: z.record(z.string(), z.string()) }).optional(),
  journal: z.record(z.string(), z.unknown()),
});

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
}

const STEP_KEY = /^(?:[1-9]|[1-3]\d|4[0-8])$/;

/** Parses and checks a state file's text; `deployment` is the deployment the caller expects it to describe. */
export function parseState(text: string, path: string, deployment?: string): DeploymentState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StateFormatError(`${path} is not valid JSON. Fix: restore ${path}.backup, which holds the previous write`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('journal' in value)) {
    throw new StateFormatError(`${path} is not a qlik-azure state file. Fix: point --state-dir at the folder qlik-azure made, or restore ${path}.backup`);
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version !== STATE_SCHEMA_VERSION) {
    throw new StateFormatError(`${path} has schema version ${String(version)}; this qlik-azure reads version ${STATE_SCHEMA_VERSION}. Fix: use the qlik-azure version that wrote it`);
  }
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) {
    throw new StateFormatError(`${path} is damaged (${describe(envelope.error)}). Fix: restore ${path}.backup, which holds the previous write`);
  }
  const state = envelope.data;
  for (const [step, entry] of Object.entries(state.journal)) {
    const checked = STEP_KEY.test(step) ? journalEntrySchema.safeParse(entry) : undefined;
    if (!checked?.success) {
      const why = checked ? describe(checked.error) : 'the guide\'s steps are numbered 1-48';
      throw new StateFormatError(`${path}: the journal entry for step ${step} (${JSON.stringify(entry).slice(0, 120)}) is not a valid record: ${why}. Fix: restore ${path}.backup if it holds a whole state, or delete the entry "${step}" from the journal; step ${step} then runs again on the next apply`);
    }
  }
  const owners = [state.deployment, state.config?.deployment].filter((name): name is string => name !== undefined);
  const stranger = owners.find((name) => name !== (deployment ?? state.deployment));
  if (stranger !== undefined) {
    throw new StateFormatError(`${path} belongs to deployment '${stranger}', not '${deployment ?? state.deployment}'. Fix: move it back to the folder of '${stranger}', or pass --deployment ${stranger}`);
  }
  return state as DeploymentState;
}
