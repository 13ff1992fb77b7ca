/**
 * Write-then-rename, so a reader (or a crash) only ever sees the old file or the new one, never half.
 * Only plain files are written: a symbolic link at the path (or at its backup) is refused, and the
 * temporary file is created exclusively without following links. A failure names the file and why.
 */
import { constants } from 'node:fs';
import { copyFile, open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { refuseSymlink, temporaryPath } from './files.js';

/** A write that the file system refused, told as a person would need it: which file, why, and the fix. */
export class FileWriteError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, cause: NodeJS.ErrnoException) {
    const code = cause.code;
    const [why, fix] = code === 'ENOSPC' || code === 'EDQUOT'
      ? ['the disk is full', `free some space on the disk that holds ${dirname(path)}`]
      : code === 'EROFS'
        ? ['the file system is read-only', `pass a --state-dir on a writable disk`]
        : code === 'EACCES' || code === 'EPERM'
          ? ['permission denied', `make ${dirname(path)} writable by you`]
          : [cause.message, `check ${dirname(path)}`];
    super(`cannot write ${path}: ${why}${code ? ` (${code})` : ''}. Fix: ${fix}`, { cause });
    this.name = 'FileWriteError';
    this.path = path;
    this.code = code;
  }
}

export async function writeFileAtomic(path: string, content: string, options: { keepBackup?: boolean } = {}): Promise<void> {
  await refuseSymlink(path);
  const backup = `${path}.backup`;
  if (options.keepBackup) await refuseSymlink(backup);
  const temporary = temporaryPath(path);
  try {
    await writeTemporary(temporary, content, path);
    if (options.keepBackup) await replaceBackup(path, backup);
    await rename(temporary, path);
  } catch (error) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: without force a missing file only makes rm reject, which the catch swallows
    await rm(temporary, { force: true }).catch(() => undefined);
    throw asWriteError(path, error);
  }
  await syncDirectory(dirname(path));
}

async function writeTemporary(temporary: string, content: string, path: string): Promise<void> {
  // A leftover of this pid is from a process that is gone (it was us before a restart); O_EXCL and
  // O_NOFOLLOW then make sure the file written is a new plain file, not something planted there.
  await rm(temporary, { force: true });
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    injectedWriteFault(path);
    await handle.writeFile(content);
    await handle.sync();
    // Stryker disable next-line BlockStatement: an unclosed handle leaks a descriptor until exit; the file is the same
  } finally {
    await handle.close();
  }
}

/** The previous version, copied beside it under a temporary name and renamed: the backup is never half written. */
async function replaceBackup(path: string, backup: string): Promise<void> {
  const temporary = temporaryPath(backup);
  await rm(temporary, { force: true });
  try {
    await copyFile(path, temporary, constants.COPYFILE_EXCL);
    await rename(temporary, backup);
  } catch (error) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: without force a missing file only makes rm reject, which the catch swallows
    await rm(temporary, { force: true }).catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function asWriteError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: every error inside the try comes from node:fs with a string code, never a FileWriteError
  return typeof code === 'string' && !(error instanceof FileWriteError) ? new FileWriteError(path, error as NodeJS.ErrnoException) : error;
}

// Stryker disable all: the directory fsync makes the rename survive a power loss, which no test on a running system can observe
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
// Stryker restore all

/**
 * Test hook for what cannot be arranged on a shared machine (a full disk): QLIK_AZURE_TEST_WRITE_FAULT
 * `<file name>:<n>:<errno code>` makes the n-th and later writes of that file fail as the kernel would,
 * after the temporary file exists. Everything around it (clean-up, messages, resume) is the real code.
 */
const writesByName = new Map<string, number>();

function injectedWriteFault(path: string): void {
  // Stryker disable next-line all: the test hook itself (off unless the variable is set); its rules are the tests' own input
  const rule = /^([^:]+):(\d+):(E[A-Z]+)$/.exec(process.env.QLIK_AZURE_TEST_WRITE_FAULT ?? '');
  if (!rule || rule[1] !== basename(path)) return;
  const count = (writesByName.get(rule[1]) ?? 0) + 1;
  // Stryker disable next-line all: the test hook's counter; the tests fail the first write (n = 1)
  writesByName.set(rule[1], count);
  if (count >= Number(rule[2])) throw Object.assign(new Error(`${rule[3]}: injected fault, write '${path}'`), { code: rule[3] });
}
