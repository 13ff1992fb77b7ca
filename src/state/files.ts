/**
 * The rules for files in the state folder: temporary names that say which process made them (so a
 * later run can tell a dead process's leftovers from a live one's), and whether a process runs.
 */
import { basename } from 'node:path';

const TEMPORARY_SUFFIX = /\.tmp-(\d+)$/;

/** `<path>.tmp-<pid>`: the file a write goes to before it is renamed or linked into place. */
export function temporaryPath(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** The pid that made a temporary file, or undefined when the name is not one of ours. */
export function temporaryOwner(path: string): number | undefined {
  const match = TEMPORARY_SUFFIX.exec(basename(path));
  return match ? Number(match[1]) : undefined;
}

export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
