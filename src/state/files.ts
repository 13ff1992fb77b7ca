/**
 * The rules for files in the state folder: a private folder of plain files (no symbolic links), and
 * temporary names that say which process made them, so a later run can tell a dead process's leftovers
 * from a live one's.
 */
import { lstat, mkdir } from 'node:fs/promises';
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
    // Stryker disable next-line ConditionalExpression,StringLiteral: EPERM means another user's live process; the tests run as root, where kill(pid, 0) never answers it
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state folder is not what it must be: private to its owner, holding plain files only. */
export class StateFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFolderError';
  }
}

/** Refuses a symbolic link where the tool writes a file: writing would replace, or go through to, whatever it points at. */
export async function refuseSymlink(path: string): Promise<void> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info?.isSymbolicLink()) {
    throw new StateFolderError(`${path} is a symbolic link; qlik-azure keeps only plain files in its state folder, so it will not write there. Fix: remove the link (rm ${path}) and put the file itself there, or run again to write a new one`);
  }
}

/**
 * Makes `path` (0700) or checks the folder that is there: a real folder, owned by this user, that no one
 * else may write to. Otherwise another user could replace the state or read what is put there later.
 * `sharedParent` allows a sticky world-writable folder (like /tmp), where others cannot rename what is ours.
 */
export async function ensurePrivateFolder(path: string, options: { sharedParent?: boolean } = {}): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const info = await lstat(path);
  // Stryker disable next-line LogicalOperator: mkdir has already failed (EEXIST) on any non-folder that is not a symbolic link, so && refuses the same paths
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new StateFolderError(`${path} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; qlik-azure keeps its state only in a real folder. Fix: remove it, or pass another --state-dir`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new StateFolderError(`${path} belongs to another user (uid ${info.uid}); qlik-azure keeps its state only in a folder of yours. Fix: pass another --state-dir`);
  }
  const sticky = (info.mode & 0o1000) !== 0;
  if (process.platform !== 'win32' && (info.mode & 0o022) !== 0 && !(options.sharedParent && sticky)) {
    throw new StateFolderError(`${path} is writable by other users (mode ${(info.mode & 0o777).toString(8)}), who could replace the state or the secrets in it. Fix: chmod 700 ${path}`);
  }
}
