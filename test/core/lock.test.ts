/**
 * The deployment lock in this process, on real files: what a refused command tells the user, and a lock
 * file cut short by a crash. (test/core/state.test.ts races real processes for a stale lock.)
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockedError } from '../../src/state/lock.js';

async function lockPath() {
  return join(await mkdtemp(join(tmpdir(), 'qa-lock-')), 'state.lock');
}

describe('deployment lock', () => {
  it('tells the second command who holds the lock and how to get past it', async () => {
    const path = await lockPath();
    const first = await acquireLock(path, 'apply');
    expect(first.staleTakenOver).toBeUndefined();
    const refused = await acquireLock(path, 'destroy').then(() => undefined, (e: unknown) => e as LockedError);
    expect(refused).toBeInstanceOf(LockedError);
    expect(refused!.name).toBe('LockedError');
    expect(refused!.holder).toMatchObject({ pid: process.pid, host: hostname(), command: 'apply' });
    expect(refused!.message).toBe(`the deployment is locked by 'apply' (pid ${process.pid} on ${hostname()}, since ${refused!.holder.startedAt}). Fix: wait for it to finish; if that process is gone for good, run 'qlik-azure state force-unlock' (or delete ${path})`);
    await first.release();
    await (await acquireLock(path, 'destroy')).release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('takes over a lock file cut short by a crash, naming its holder unknown', async () => {
    const path = await lockPath();
    await writeFile(path, '{"pid": 12');
    const lock = await acquireLock(path, 'apply');
    expect(lock.staleTakenOver).toEqual({ pid: 0, host: 'unknown', command: 'unknown', startedAt: 'unknown' });
    await lock.release();
  });

  it('refuses a lock held on another host even when no such pid runs here', async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: 999_999_999, host: 'other-host', command: 'resume', startedAt: 'earlier' }));
    await expect(acquireLock(path, 'apply')).rejects.toThrow("the deployment is locked by 'resume' (pid 999999999 on other-host, since earlier)");
  });

  it('release leaves a lock alone that is no longer its own', async () => {
    const path = await lockPath();
    const lock = await acquireLock(path, 'apply');
    const successor = JSON.stringify({ pid: process.pid, host: hostname(), command: 'resume', startedAt: 'later' });
    await writeFile(path, successor);
    await lock.release();
    expect(await readdir(join(path, '..'))).toEqual(['state.lock']);
  });
});
