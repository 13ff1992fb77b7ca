/**
 * The state file: the user's record of a deployment. Human-readable JSON, versioned, with a lineage that
 * identifies the deployment and a serial that counts writes (as Terraform's state does).
 */
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
  /** The configuration of the latest run; it holds no secrets. */
  readonly config?: ResolvedConfig;
  /** Keyed by guide step number. */
  readonly journal: Readonly<Record<string, JournalEntry>>;
}

export class StateFormatError extends Error {}

export function parseState(text: string, path: string): DeploymentState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StateFormatError(`${path} is not valid JSON. Fix: restore ${path}.backup, which holds the previous write`);
  }
  const state = value as Partial<DeploymentState>;
  if (typeof state !== 'object' || state === null || typeof state.lineage !== 'string' || typeof state.journal !== 'object') {
    throw new StateFormatError(`${path} is not a qlik-azure state file`);
  }
  if (state.schemaVersion !== STATE_SCHEMA_VERSION) {
    throw new StateFormatError(`${path} has schema version ${String(state.schemaVersion)}; this qlik-azure reads version ${STATE_SCHEMA_VERSION}. Fix: use the qlik-azure version that wrote it`);
  }
  return state as DeploymentState;
}
