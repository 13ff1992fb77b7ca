/**
 * The state folder's rules on real files (src/state/files.ts, lock.ts, atomic-write.ts): what is refused
 * and what a lock file that is not a lock counts as. Each case is one a user can meet: a folder others can
 * write to, another user's folder, a symbolic link planted where the tool writes.
 */
import { chown, mkdir, mkdtemp, readdir, readFile, symlink, chmod, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileWriteError, writeFileAtomic } from '../../src/state/atomic-write.js';
import { ensurePrivateFolder, refuseSymlink, StateFolderError } from '../../src/state/files.js';
import { acquireLock } from '../../src/state/lock.js';

const scratch = () => mkdtemp(join(tmpdir(), 'qa-files-'));
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as Error & { code?: string });

describe('state folder', () => {
  it('refuses a folder others may write to, naming its mode and the chmod that fixes it', async () => {
    const folder = join(await scratch(), 'demo');
    await mkdir(folder);
    await chmod(folder, 0o777);
    const error = await failure(ensurePrivateFolder(folder));
    expect(error).toBeInstanceOf(StateFolderError);
    expect(error!.name).toBe('StateFolderError');
    expect(error!.message).toBe(`${folder} is writable by other users (mode 777), who could replace the state or the secrets in it. Fix: chmod 700 ${folder}`);
  });

  it('accepts a shared sticky parent like /tmp, but not a shared one without the sticky bit', async () => {
    const parent = join(await scratch(), 'shared');
    await mkdir(parent);
    await chmod(parent, 0o1777);
    await ensurePrivateFolder(parent, { sharedParent: true });
    await expect(ensurePrivateFolder(parent)).rejects.toThrow(StateFolderError);
    await chmod(parent, 0o777);
    await expect(ensurePrivateFolder(parent, { sharedParent: true })).rejects.toThrow('mode 777');
    await chmod(parent, 0o700);
    await ensurePrivateFolder(parent);
  });

  it("refuses another user's folder", async () => {
    const folder = join(await scratch(), 'theirs');
    await mkdir(folder, { mode: 0o700 });
    if (process.getuid?.() !== 0) return; // only root can give a folder away; the CI container runs as root
    await chown(folder, 4321, 4321);
    await expect(ensurePrivateFolder(folder)).rejects.toThrow(`${folder} belongs to another user (uid 4321); qlik-azure keeps its state only in a folder of yours. Fix: pass another --state-dir`);
  });

  it('refuses a symbolic link in place of the folder', async () => {
    const dir = await scratch();
    await mkdir(join(dir, 'real'), { mode: 0o700 });
    await symlink(join(dir, 'real'), join(dir, 'link'));
    await expect(ensurePrivateFolder(join(dir, 'link'))).rejects.toThrow(`${join(dir, 'link')} is a symbolic link; qlik-azure keeps its state only in a real folder`);
  });

  it('passes on what it cannot look at, other than a missing file', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'file'), 'x');
    expect(await failure(refuseSymlink(join(dir, 'file', 'state.json')))).toMatchObject({ code: 'ENOTDIR' });
    await refuseSymlink(join(dir, 'missing.json'));
  });
});

describe('state writes', () => {
  it('keeps no backup unless asked, and then refuses a symbolic link at the backup', async () => {
    const dir = await scratch();
    const path = join(dir, 'state.json');
    await writeFileAtomic(path, 'one\n');
    await writeFileAtomic(path, 'two\n');
    expect(await readdir(dir)).toEqual(['state.json']);
    await symlink(join(dir, 'elsewhere'), `${path}.backup`);
    await writeFileAtomic(path, 'three\n');
    expect(await readFile(path, 'utf8')).toBe('three\n');
    await expect(writeFileAtomic(path, 'four\n', { keepBackup: true })).rejects.toThrow(StateFolderError);
    expect(await readFile(path, 'utf8')).toBe('three\n');
  });

  it("keeps the system's error as the cause of the message", async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'file'), 'x');
    const error = await failure(writeFileAtomic(join(dir, 'sub', 'state.json'), 'x'));
    expect(error).toBeInstanceOf(FileWriteError);
    expect((error!.cause as { code?: string }).code).toBe('ENOENT');
  });
});

describe('lock files that are not locks', () => {
  it.each([
    ['a pid that is not a number', { pid: '12', host: 'other-host', command: 'apply', startedAt: 'x' }],
    ['no host', { pid: 12, command: 'apply', startedAt: 'x' }],
  ])('takes over a lock file with %s as stale, holder unknown, and leaves no claim file behind', async (_, content) => {
    const dir = await scratch();
    const path = join(dir, 'state.lock');
    await writeFile(path, JSON.stringify(content));
    const lock = await acquireLock(path, 'apply');
    expect(lock.staleTakenOver).toEqual({ pid: 0, host: 'unknown', command: 'unknown', startedAt: 'unknown' });
    expect(await readdir(dir)).toEqual(['state.lock']);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a symbolic link at the lock, and leaves what it points at alone', async () => {
    const dir = await scratch();
    const target = join(dir, 'precious.txt');
    await writeFile(target, 'keep me');
    await symlink(target, join(dir, 'state.lock'));
    await expect(acquireLock(join(dir, 'state.lock'), 'apply')).rejects.toThrow(StateFolderError);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    expect((await readdir(dir)).sort()).toEqual(['precious.txt', 'state.lock']);
  });
});
