/**
 * A reader that leaves early (`qlik-azure apply --json | head -3`) closes the pipe: the next write to
 * standard output (or error) fails with EPIPE. That must not end the process on the spot (the lock, a
 * half-written temporary file and steps in flight would be left behind) nor pass for success. Instead
 * the output is marked closed: nothing more is written, a run stops scheduling as on a first Ctrl-C, the
 * steps in flight finish and are recorded, the lock is released, and the command exits with
 * EXIT.outputClosed (141, as a shell reports a process ended by SIGPIPE).
 */
import { EXIT } from './exit-codes.js';

const closed = new AbortController();

/** Aborted once standard output or standard error has been closed by its reader. */
export const outputClosed: AbortSignal = closed.signal;

/** Installs the EPIPE handling on both streams; once per process, before anything is written. */
export function watchOutputStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // After the first EPIPE, later writes fail too (the stream is destroyed): nobody reads them.
      if (error.code === 'EPIPE' || closed.signal.aborted) {
        closed.abort();
        return;
      }
      throw error;
    });
  }
}

/** The exit code once the command is done: a run whose reader left is not a success, nor a Ctrl-C. */
export function exitCodeAfter(code: number): number {
  return outputClosed.aborted && (code === EXIT.ok || code === EXIT.interrupted) ? EXIT.outputClosed : code;
}
