/**
 * Maps what went wrong before or around the engine to a message and an exit code. People read one
 * message; `--json` readers get one `error` event per problem, each with a stable `code` (README,
 * "Output for machines"), the `field` it is about, the `message` and the `fix` apart.
 */
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { SecretLeakError } from '../config/secrets.js';
import { SelectionError } from '../engine/selection.js';
import { JournalWriteFailure } from '../engine/runner.js';
import { LockedError } from '../state/lock.js';
import { FileWriteError } from '../state/atomic-write.js';
import { StateFolderError } from '../state/files.js';
import { StateFormatError } from '../state/schema.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';

/** The `code` of a `--json` error event. Stable: a code keeps its meaning while the stream's `v` stays 1. */
export const ERROR_CODES = [
  'config_invalid', 'secrets_invalid', 'flag_invalid', 'environment_invalid', 'cannot_ask', 'confirmation_mismatch',
  'sign_in_failed', 'simulation_mismatch', 'steps_invalid', 'state_invalid', 'state_folder_unsafe', 'locked',
  'state_write_failed', 'secret_refused', 'failed',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One `error` event of the `--json` stream (schemas/events.schema.json). */
export interface ErrorEvent {
  readonly v: 1;
  readonly type: 'error';
  readonly exitCode: ExitCode;
  readonly code: ErrorCode;
  readonly field?: string;
  /** The config or settings file the problem is in. */
  readonly file?: string;
  readonly message: string;
  readonly fix?: string;
  /** The command that continues the run once the cause is fixed. */
  readonly resumeCommand?: string;
}

/** Flags whose problems are of their own kind; any other flag's problem is `flag_invalid`. */
const FIELD_CODES: Readonly<Record<string, ErrorCode>> = {
  '--yes': 'cannot_ask',
  '--confirm': 'cannot_ask',
  confirmation: 'confirmation_mismatch',
  '--auth': 'sign_in_failed',
  '--simulate': 'simulation_mismatch',
};

function issueCode(issue: ConfigIssue): ErrorCode {
  const known = FIELD_CODES[issue.field];
  if (known) return known;
  if (issue.field.startsWith('secrets.') || issue.field.startsWith('--secrets')) return 'secrets_invalid';
  if (issue.field.startsWith('-')) return 'flag_invalid';
  if (/^[A-Z][A-Z0-9_]+$/.test(issue.field)) return 'environment_invalid';
  return 'config_invalid';
}

/** "what is wrong. Fix: what to do" as the two parts a program can show apart. */
export function splitFix(text: string): { message: string; fix?: string } {
  const at = text.indexOf('Fix: ');
  if (at < 0) return { message: text };
  return { message: text.slice(0, at).replace(/[\s.:]+$/, ''), fix: text.slice(at + 'Fix: '.length).trim() };
}

function classify(error: unknown): { exitCode: ExitCode; code: ErrorCode } {
  if (error instanceof ConfigError) return { exitCode: EXIT.invalidInput, code: 'config_invalid' };
  if (error instanceof SelectionError) return { exitCode: EXIT.invalidInput, code: 'steps_invalid' };
  if (error instanceof StateFormatError) return { exitCode: EXIT.invalidInput, code: 'state_invalid' };
  if (error instanceof StateFolderError) return { exitCode: EXIT.invalidInput, code: 'state_folder_unsafe' };
  if (error instanceof LockedError) return { exitCode: EXIT.locked, code: 'locked' };
  if (error instanceof FileWriteError || error instanceof JournalWriteFailure) return { exitCode: EXIT.failed, code: 'state_write_failed' };
  if (error instanceof SecretLeakError) return { exitCode: EXIT.failed, code: 'secret_refused' };
  return { exitCode: EXIT.failed, code: 'failed' };
}

/** The error as `--json` events: one per configuration problem, otherwise one. */
export function errorEvents(error: unknown, resumeCommand?: string): ErrorEvent[] {
  const { exitCode, code } = classify(error);
  if (error instanceof ConfigError) {
    return error.issues.map((issue) => {
      const file = issue.file ?? error.source;
      return { v: 1, type: 'error', exitCode, code: issueCode(issue), field: issue.field, ...(file ? { file } : {}), ...splitFix(issue.message) };
    });
  }
  const text = error instanceof Error ? error.message : String(error);
  return [{ v: 1, type: 'error', exitCode, code, ...splitFix(text), ...(resumeCommand ? { resumeCommand } : {}) }];
}

/** Whether the run can go on from where it stopped once the cause is fixed: the last whole state is on disk. */
function resumable(error: unknown): boolean {
  return error instanceof FileWriteError || error instanceof SecretLeakError || error instanceof JournalWriteFailure;
}

export function reportFailure(output: Output, error: unknown): ExitCode {
  const resumeCommand = resumable(error) ? output.resumeCommand : undefined;
  const events = errorEvents(error, resumeCommand);
  if (output.json) {
    for (const event of events) output.data(event);
  } else {
    const reason = error instanceof Error ? error.message : String(error);
    output.error(resumeCommand ? `${reason}\nThen continue with: ${resumeCommand}` : reason);
  }
  return events[0]!.exitCode;
}

/** Runs a command body and turns any escape into a documented exit code. */
export async function guarded(output: Output, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    return reportFailure(output, error);
  }
}
