/**
 * What a user reads when the state file cannot be written, and what is left on disk: the old file whole,
 * no temporary file. The kernel's refusal is injected after the temporary file exists
 * (QLIK_AZURE_TEST_WRITE_FAULT, src/state/atomic-write.ts), since a full disk cannot be arranged here;
 * everything around it is the real code on real files.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileWriteError, writeFileAtomic } from '../../src/state/atomic-write.js';

afterEach(() => {
  delete process.env.QLIK_AZURE_TEST_WRITE_FAULT;
});

async function refusedWrite(code: string) {
  const dir = await mkdtemp(join(tmpdir(), 'qa-write-'));
  // One name per case: the hook counts writes per file name for the whole process.
  const name = `state-${code}.json`;
  const path = join(dir, name);
  await writeFile(path, '{"serial":1}\n');
  process.env.QLIK_AZURE_TEST_WRITE_FAULT = `${name}:1:${code}`;
  const error = await writeFileAtomic(path, '{"serial":2}\n', { keepBackup: true }).then(() => undefined, (e: unknown) => e);
  return { dir, path, error: error as FileWriteError };
}

describe('a refused state write', () => {
  it.each([
    ['ENOSPC', 'the disk is full', 'free some space on the disk that holds <dir>'],
    ['EDQUOT', 'the disk is full', 'free some space on the disk that holds <dir>'],
    ['EROFS', 'the file system is read-only', 'pass a --state-dir on a writable disk'],
    ['EACCES', 'permission denied', 'make <dir> writable by you'],
    ['EPERM', 'permission denied', 'make <dir> writable by you'],
  ])('%s: names the file, says why (%s) and the fix', async (code, why, fix) => {
    const { dir, path, error } = await refusedWrite(code);
    expect(error).toBeInstanceOf(FileWriteError);
    expect(error.name).toBe('FileWriteError');
    expect(error.message).toBe(`cannot write ${path}: ${why} (${code}). Fix: ${fix.replace('<dir>', dir)}`);
    expect(error.path).toBe(path);
    expect(error.code).toBe(code);
  });

  it("passes on the system's own words for any other refusal", async () => {
    const { dir, path, error } = await refusedWrite('EIO');
    expect(error.message).toBe(`cannot write ${path}: EIO: injected fault, write '${path}' (EIO). Fix: check ${dir}`);
  });

  it('leaves the previous file whole and no temporary file behind', async () => {
    const { dir, path } = await refusedWrite('ENOSPC');
    expect(await readFile(path, 'utf8')).toBe('{"serial":1}\n');
    expect((await readdir(dir)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('writes the file and keeps the previous version as the backup when nothing refuses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-write-'));
    const path = join(dir, 'state.json');
    await writeFileAtomic(path, 'one\n', { keepBackup: true });
    await writeFileAtomic(path, 'two\n', { keepBackup: true });
    expect(await readFile(path, 'utf8')).toBe('two\n');
    expect(await readFile(`${path}.backup`, 'utf8')).toBe('one\n');
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'state.json.backup']);
  });
});
