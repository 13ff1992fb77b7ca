/** Maps what went wrong before or around the engine to a message and an exit code. */
import { ConfigError } from '../config/errors.js';
import { SecretLeakError } from '../config/secrets.js';
import { SelectionError } from '../engine/selection.js';
import { LockedError } from '../state/lock.js';
import { FileWriteError } from '../state/atomic-write.js';
import { StateFolderError } from '../state/files.js';
import { StateFormatError } from '../state/schema.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';

export function reportFailure(output: Output, error: unknown): ExitCode {
  const { code, message: reason } = classify(error);
  // A state write that failed leaves the last whole state on disk: once the cause is fixed, resume carries on.
  const message = error instanceof FileWriteError || error instanceof SecretLeakError ? `${reason}\nThen continue with: ${output.resumeCommand}` : reason;
  if (output.json) output.data({ v: 1, type: 'error', exitCode: code, message });
  else output.error(message);
  return code;
}

function classify(error: unknown): { code: ExitCode; message: string } {
  if (error instanceof ConfigError || error instanceof SelectionError || error instanceof StateFormatError || error instanceof StateFolderError) return { code: EXIT.invalidInput, message: error.message };
  if (error instanceof LockedError) return { code: EXIT.locked, message: error.message };
  if (error instanceof SecretLeakError) return { code: EXIT.failed, message: error.message };
  if (error instanceof Error) return { code: EXIT.failed, message: error.message };
  return { code: EXIT.failed, message: String(error) };
}

/** Runs a command body and turns any escape into a documented exit code. */
export async function guarded(output: Output, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    return reportFailure(output, error);
  }
}
