/**
 * One command at a time per deployment. The lock file names its holder; a lock whose process is gone
 * (same host, pid not running) is stale and taken over with a note.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly startedAt: string;
}

export class LockedError extends Error {
  readonly holder: LockHolder;
  constructor(path: string, holder: LockHolder) {
    super(`the deployment is locked by '${holder.command}' (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}). Fix: wait for it to finish; if that process is gone for good, delete ${path}`);
    this.name = 'LockedError';
    this.holder = holder;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Lock {
  readonly staleTakenOver?: LockHolder;
  release(): Promise<void>;
}

export async function acquireLock(path: string, command: string): Promise<Lock> {
  const holder: LockHolder = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
  let staleTakenOver: LockHolder | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${JSON.stringify(holder)}\n`);
      await handle.close();
      return { ...(staleTakenOver ? { staleTakenOver } : {}), release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const existing = await readHolder(path);
      if (existing && (existing.host !== holder.host || isRunning(existing.pid))) throw new LockedError(path, existing);
      staleTakenOver = existing ?? { pid: 0, host: 'unknown', command: 'unknown', startedAt: 'unknown' };
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}: another process keeps creating it`);
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return undefined; // a lock file cut short by a crash is as stale as one whose process is gone
  }
}
