/**
 * Where a deployment's state lives. The store (store.ts) owns everything about the state itself: its
 * schema, the journal, the refusal of secrets. A backend only moves text: it reads the state, takes the
 * lock, writes under that lock keeping the previous version, and writes the files kept beside the state
 * (the RDP file, the account table). Two backends: a local folder (local-backend.ts, the default) and an
 * Azure blob container (azblob-backend.ts).
 */
import type { LockHolder } from './lock.js';

/**
 * The files the steps keep beside the state (step 35's RDP file, step 39's account table): what `state
 * migrate` carries over. A list, not "everything in the folder": secrets.yaml and the simulator's world stay
 * on this machine.
 */
export function artifactNames(deployment: string): string[] {
  return [`${deployment}.rdp`, 'accounts.md', 'accounts.csv'];
}

/** The state's places, as the user can find them: file paths, or azblob:// URLs. */
export interface StatePaths {
  readonly deployment: string;
  readonly directory: string;
  readonly state: string;
  readonly lock: string;
}

/** The lock, held: the only way to write the state. */
export interface StateSession {
  /** The holder of a lock that was left behind (a killed run) and taken over. */
  readonly staleTakenOver?: LockHolder;
  /** The state's text as it was when the lock was taken; undefined when there is none yet. */
  readonly text: string | undefined;
  /** Replaces the state, keeping the previous version beside it; refused once the lock is lost. */
  write(text: string): Promise<void>;
  release(): Promise<void>;
  /** Lets go at once, for a process about to exit (a second Ctrl-C): nothing awaited. */
  abandon(): void;
}

export interface StateBackend {
  readonly kind: 'local' | 'azblob';
  readonly paths: StatePaths;
  /** The state's text without locking (status, plan); undefined when there is none. */
  read(): Promise<string | undefined>;
  /** Takes the lock (or refuses with LockedError naming its holder) for one command. */
  open(command: string): Promise<StateSession>;
  /** Breaks the lock whoever holds it; the holder it named, or undefined when it was not locked. */
  forceUnlock(): Promise<LockHolder | undefined>;
  /** Writes a file kept beside the state; where it went, for the user. */
  writeArtifact(name: string, content: string): Promise<string>;
  /** A file kept beside the state; undefined when there is none. */
  readArtifact(name: string): Promise<string | undefined>;
  /** Whether a state written before `simulated` was recorded describes the simulator's world. */
  simulatedWhenUnrecorded(): boolean;
}
