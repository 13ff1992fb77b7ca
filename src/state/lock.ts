/**
 * One command at a time per deployment. The lock file names its holder; a lock whose process is gone
 * (same host, pid not running) is stale and taken over with a note.
 *
 * Every step is atomic, so of any number of processes started together exactly one holds the lock:
 * - a lock appears whole: it is written to `state.lock.tmp-<pid>` first and then hard-linked to
 *   `state.lock`, which fails if the name exists (a reader never sees an empty lock and calls it stale);
 * - a stale lock is removed only by the process that created `state.lock.takeover-<inode>` (link, so
 *   exclusive) and then found the same file (inode and content) still there. Whoever else saw the stale
 *   lock loses that race and looks again, finding the winner's lock.
 */
import { randomUUID } from 'node:crypto';
import { constants, readFileSync, unlinkSync } from 'node:fs';
import { link, lstat, open, readFile, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isProcessRunning, refuseSymlink, temporaryPath } from './files.js';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly startedAt: string;
}

export class LockedError extends Error {
  readonly holder: LockHolder;
  constructor(path: string, holder: LockHolder, extra = '', fix = `wait for it to finish; if that process is gone for good, run 'qlik-azure state force-unlock' (or delete ${path})`) {
    super(`the deployment is locked by '${holder.command}' (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})${extra}. Fix: ${fix}`);
    this.name = 'LockedError';
    this.holder = holder;
  }
}

export interface Lock {
  readonly staleTakenOver?: LockHolder;
  release(): Promise<void>;
  /** The same, synchronously: for a process about to exit at once (a second Ctrl-C), which cannot wait. */
  releaseNow(): void;
}

/** What is at the lock's path now: its inode and text, to tell one lock file from its successor. */
interface SeenLock {
  readonly ino: number;
  readonly text: string;
  readonly holder: LockHolder | undefined;
}

export const UNKNOWN_HOLDER: LockHolder = { pid: 0, host: 'unknown', command: 'unknown', startedAt: 'unknown' };
/** Losers of a takeover look again this many times (a takeover takes a few milliseconds). */
const ATTEMPTS = 50;

export async function acquireLock(path: string, command: string): Promise<Lock> {
  const holder: LockHolder & { readonly nonce: string } = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString(), nonce: randomUUID() };
  const text = `${JSON.stringify(holder)}\n`;
  const own = temporaryPath(path);
  await writeExclusive(own, text);
  let staleTakenOver: LockHolder | undefined;
  try {
    // Stryker disable next-line EqualityOperator,UpdateOperator: the attempts run out only under contention, exercised by test/core/state.test.ts 'lets exactly one of many processes take over a stale lock', which races real processes on the built dist/ (Stryker mutates src/ only); one process cannot race itself
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await linkIfAbsent(own, path)) {
        return { ...(staleTakenOver ? { staleTakenOver } : {}), release: () => releaseIfOurs(path, text), releaseNow: () => releaseNowIfOurs(path, text) };
      }
      const seen = await look(path);
      if (!seen) continue; // released meanwhile
      const existing = seen.holder;
      if (existing && (existing.host !== holder.host || isProcessRunning(existing.pid))) throw new LockedError(path, existing);
      const outcome = await takeOver(path, seen, own);
      // Stryker disable next-line ConditionalExpression: 'busy' needs another process mid-takeover, exercised by test/core/state.test.ts 'lets exactly one of many processes take over a stale lock', which races real processes on the built dist/ (Stryker mutates src/ only); one process cannot race itself
      if (outcome === 'removed') staleTakenOver = existing ?? UNKNOWN_HOLDER;
      else await pause(attempt);
    }
    // Stryker disable next-line StringLiteral: reached only under contention, exercised by test/core/state.test.ts 'lets exactly one of many processes take over a stale lock', which races real processes on the built dist/ (Stryker mutates src/ only); one process cannot race itself
    throw new Error(`could not take the lock ${path}: other processes keep taking it. Fix: run one qlik-azure command at a time for this deployment`);
  } finally {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: `own` always exists here (written above), so force changes nothing
    await rm(own, { force: true });
  }
}

/** Removes the stale lock `seen` if this process wins the right to; 'busy' when another process has it. */
async function takeOver(path: string, seen: SeenLock, own: string): Promise<'removed' | 'busy'> {
  const claim = `${path}.takeover-${seen.ino}`;
  // Stryker disable all: another process's claim and a lock replaced meanwhile are contention, exercised by test/core/state.test.ts 'lets exactly one of many processes take over a stale lock', which races real processes on the built dist/ (Stryker mutates src/ only); one process cannot race itself
  if (!(await linkIfAbsent(own, claim))) {
    const claimant = (await look(claim))?.holder;
    if (claimant && claimant.host === hostname() && !isProcessRunning(claimant.pid)) {
      throw new LockedError(path, seen.holder ?? UNKNOWN_HOLDER, `, and pid ${claimant.pid} died while taking that stale lock over; delete ${claim} too`);
    }
    return 'busy';
  }
  try {
    const now = await look(path);
    if (!now || now.ino !== seen.ino || now.text !== seen.text) return 'busy'; // already replaced: look again
    // Stryker restore all
    await unlink(path);
    return 'removed';
  } finally {
    await unlink(claim).catch(ignoreMissing);
  }
}

async function writeExclusive(path: string, text: string): Promise<void> {
  await rm(path, { force: true }); // our own pid's leftover: that process is gone, since we are it
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(text);
    // Stryker disable next-line BlockStatement: an unclosed handle leaks a descriptor until exit; the file is the same
  } finally {
    await handle.close();
  }
}

/** link() creates the name only if it does not exist (a symlink there counts as existing). */
async function linkIfAbsent(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: link() fails otherwise only on a broken file system (the tests cannot arrange EIO)
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function look(path: string): Promise<SeenLock | undefined> {
  try {
    const info = await lstat(path);
    // Stryker disable next-line ConditionalExpression: refuseSymlink passes a plain file, so calling it always (true) changes nothing
    if (info.isSymbolicLink()) await refuseSymlink(path);
    const text = await readFile(path, 'utf8');
    return { ino: info.ino, text, holder: parseHolder(text) };
    // Stryker disable next-line all: the lock vanishes between lstat and read only under contention, exercised by test/core/state.test.ts 'lets exactly one of many processes take over a stale lock', which races real processes on the built dist/ (Stryker mutates src/ only); one process cannot race itself
  } catch (error) {
    // Stryker disable next-line all: as above, contention only
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? value as LockHolder : undefined;
    // Stryker disable next-line BlockStatement: an empty catch returns undefined too
  } catch {
    return undefined; // a lock file cut short by a crash is as stale as one whose process is gone
  }
}

/** Removes the lock only while it is still this process's own (a takeover by mistake must not free another's). */
async function releaseIfOurs(path: string, text: string): Promise<void> {
  const now = await look(path).catch(() => undefined);
  if (now?.text === text) await unlink(path).catch(ignoreMissing);
}

function releaseNowIfOurs(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // Gone already, or unreadable: either way not ours to remove.
  }
}

// Stryker disable all: the claim or lock already removed by another process, and the back-off between attempts, are contention, exercised by test/core/state.test.ts 'lets exactly one of many processes take over a stale lock', which races real processes on the built dist/ (Stryker mutates src/ only); one process cannot race itself
function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(2 + attempt * 2, 50)));
}
// Stryker restore all
