import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stepContextFactory } from '../../src/cli/session.js';
import { assertNoSecrets, Secret, SecretLeakError } from '../../src/config/secrets.js';
import { RUNNABLE_STEPS } from '../../src/engine/catalogue.js';
import { FileWriteError } from '../../src/state/atomic-write.js';
import { LockedError } from '../../src/state/lock.js';
import { StateFormatError } from '../../src/state/schema.js';
import { LocalStateBackend } from '../../src/state/local-backend.js';
import { readState, statePaths, StateStore } from '../../src/state/store.js';
import { assertBuilt, ROOT } from '../support/cli.js';
import { BASE_CONFIG, resolveConfig } from '../steps/support.js';

async function stateDir() {
  return mkdtemp(join(tmpdir(), 'qa-state-'));
}

/** The pid of a process that has ended. */
const deadPid = () => new Promise<number>((resolve) => {
  const child = spawn(process.execPath, ['-e', '0']);
  child.on('exit', () => resolve(child.pid!));
});

const open = (dir: string, extra: { secretValues?: string[] } = {}) =>
  StateStore.open({ stateDir: dir, deployment: 'demo', command: 'apply', toolVersion: '0.0.0', ...extra });

describe('state store', () => {
  it('writes owner-only JSON atomically, keeps the previous version as a backup, and counts writes', async () => {
    const dir = await stateDir();
    const store = await open(dir);
    await store.markPending([1]);
    await store.markRunning(1);
    await store.markDone(1, { change: 'create', outputs: { resourceGroupId: '/subscriptions/x/resourceGroups/rg-demo' } });
    await store.close();
    const state = JSON.parse(await readFile(join(dir, 'demo', 'state.json'), 'utf8'));
    const backup = JSON.parse(await readFile(join(dir, 'demo', 'state.json.backup'), 'utf8'));
    expect(state.serial).toBe(3);
    expect(backup.serial).toBe(2);
    expect(backup.lineage).toBe(state.lineage);
    expect(state.journal['1']).toMatchObject({ status: 'done', attempt: 1, outputs: { resourceGroupId: '/subscriptions/x/resourceGroups/rg-demo' } });
    expect((await stat(join(dir, 'demo', 'state.json'))).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'demo', 'state.lock'))).toBe(false);
  });

  it('refuses a second command while one holds the lock, naming the holder', async () => {
    const dir = await stateDir();
    const first = await open(dir);
    await expect(open(dir)).rejects.toThrow(LockedError);
    await expect(open(dir)).rejects.toThrow(new RegExp(`pid ${process.pid} on ${hostname()}`));
    await first.close();
    await (await open(dir)).close();
  });

  it('takes over a lock whose process is gone, and says so', async () => {
    const dir = await stateDir();
    const dead = await deadPid();
    const store = await open(dir);
    await store.close();
    await writeFile(join(dir, 'demo', 'state.lock'), JSON.stringify({ pid: dead, host: hostname(), command: 'apply', startedAt: 'earlier' }));
    const next = await open(dir);
    expect(next.lock.staleTakenOver).toMatchObject({ pid: dead, command: 'apply' });
    await next.close();
  });

  it('lets exactly one of many processes take over a stale lock, every time (issue 12 item 3)', async () => {
    assertBuilt();
    const dir = await stateDir();
    const lock = join(dir, 'state.lock');
    const dead = await deadPid();
    const children = Array.from({ length: 6 }, () => spawn(process.execPath, [join(ROOT, 'test/fixtures/lock-contender.mjs'), lock], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const lines = children.map((child) => {
      const said: string[] = [];
      let wake: (() => void) | undefined;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        said.push(...chunk.split('\n').filter(Boolean));
        wake?.();
      });
      // The next line this contender says.
      return async () => {
        while (said.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
        return said.shift()!;
      };
    });
    const all = (word?: string) => {
      if (word) for (const child of children) child.stdin.write(`${word}\n`);
      return Promise.all(lines.map((next) => next()));
    };
    await all(); // every contender loaded and waiting
    for (let round = 0; round < 20; round++) {
      await writeFile(lock, JSON.stringify({ pid: dead, host: hostname(), command: 'apply', startedAt: 'earlier' }));
      const outcomes = await all('go');
      expect(outcomes.filter((o) => o.startsWith('won')), `round ${round}: ${outcomes.join(', ')}`).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'locked')).toHaveLength(children.length - 1);
      await all('release');
      expect(existsSync(lock)).toBe(false);
    }
    await Promise.all(children.map((child) => new Promise((resolve) => { child.on('exit', resolve); child.stdin.end(); })));
  }, 60_000);

  it('records the installer link without its SAS query, and refuses any later write holding that query', async () => {
    const dir = await stateDir();
    const store = await open(dir);
    const query = 'sv=2024-11-04&se=2026-12-01T00%3A00%3A00Z&sr=b&sp=r&sig=Sim0nlyS1gnatureAbc%3D';
    const config = resolveConfig({ ...BASE_CONFIG, qlik: { installer: { source: 'url', url: `https://media.example.invalid/qlik/Qlik_Sense_setup.exe?${query}` } } });
    await store.recordConfig(config, '0.0.0');
    const text = await readFile(join(dir, 'demo', 'state.json'), 'utf8');
    expect(JSON.parse(text).config.qlik.installer.url).toBe('https://media.example.invalid/qlik/Qlik_Sense_setup.exe?<redacted>');
    expect(text).not.toContain('sig=');
    await expect(async () => store.markDone(40, { change: 'create', outputs: { source: `https://media.example.invalid/x?${query}` } })).rejects.toThrow(SecretLeakError);
    expect(await readFile(join(dir, 'demo', 'state.json'), 'utf8')).toBe(text);
    await store.close();
  });

  it('refuses to write a state that would contain a secret value', async () => {
    const dir = await stateDir();
    const password = 'Correct-Horse-Battery-9';
    const store = await open(dir, { secretValues: [password] });
    await expect(store.markPending([1]).then(() => store.markRunning(1)).then(() => store.markDone(1, { change: 'create', outputs: { oops: password } }))).rejects.toThrow(SecretLeakError);
    await store.close();
    expect(await readFile(join(dir, 'demo', 'state.json'), 'utf8')).not.toContain(password);
  });

  describe('a state file is checked when it is read (issue 12 item 6)', () => {
    async function writtenState(dir: string) {
      const store = await open(dir);
      await store.markPending([1]);
      await store.markRunning(1);
      await store.markDone(1, { change: 'create', outputs: { resourceGroupId: '/subscriptions/x/resourceGroups/rg-demo' } });
      await store.close();
      const path = join(dir, 'demo', 'state.json');
      return { path, state: JSON.parse(await readFile(path, 'utf8')) };
    }

    it('refuses a journal entry without its outputs, naming the file, the step and the fix', async () => {
      const dir = await stateDir();
      const { path, state } = await writtenState(dir);
      state.journal['5'] = { status: 'done' };
      await writeFile(path, JSON.stringify(state));
      const error = await open(dir).then(() => undefined, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(StateFormatError);
      expect(error!.message).toContain(path);
      expect(error!.message).toMatch(/journal entry for step 5/);
      expect(error!.message).toMatch(/outputs/);
      expect(error!.message).toMatch(/Fix: .*state\.json\.backup.*step 5/);
      expect(existsSync(join(dir, 'demo', 'state.lock'))).toBe(false);
    });

    it.each([
      ['a step number outside the guide', (s: any) => { s.journal['60'] = s.journal['1']; }, /journal entry for step 60/],
      ['an unknown status', (s: any) => { s.journal['1'].status = 'finished'; }, /journal entry for step 1/],
      ['outputs that are not values', (s: any) => { s.journal['1'].outputs = { id: { nested: true } }; }, /journal entry for step 1/],
      ['no lineage', (s: any) => { delete s.lineage; }, /lineage/],
      ['a serial that is not a number', (s: any) => { s.serial = 'seven'; }, /serial/],
    ])('refuses %s', async (_name, spoil, message) => {
      const dir = await stateDir();
      const { path, state } = await writtenState(dir);
      spoil(state);
      await writeFile(path, JSON.stringify(state));
      await expect(open(dir)).rejects.toThrow(message);
    });

    it('refuses a state that names another deployment', async () => {
      const dir = await stateDir();
      const { path, state } = await writtenState(dir);
      await writeFile(path, JSON.stringify({ ...state, deployment: 'other' }));
      await expect(open(dir)).rejects.toThrow(/belongs to deployment 'other', not 'demo'/);
      await expect(readState(new LocalStateBackend(dir, 'demo'))).rejects.toThrow(StateFormatError);
    });
  });

  describe('the state folder is private and holds only plain files (issue 12 item 7)', () => {
    it('creates the folders 0700', async () => {
      const dir = join(await stateDir(), 'fresh');
      await (await open(dir)).close();
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dir, 'demo'))).mode & 0o777).toBe(0o700);
    });

    it.each([['the deployment folder', 'demo'], ['the state dir', '.']])('refuses %s when other users may write to it, with the chmod that fixes it', async (_name, sub) => {
      const dir = await stateDir();
      const folder = join(dir, sub);
      await mkdir(folder, { recursive: true });
      await chmod(folder, 0o777);
      await expect(open(dir)).rejects.toThrow(new RegExp(`${folder.replace(/\/\.$/, '')}.* writable by other users \\(mode 777\\).*Fix: chmod 700 `));
      await chmod(folder, 0o700);
      await (await open(dir)).close();
    });

    it('refuses a state.json that is a symbolic link, and leaves it (and its target) alone', async () => {
      const dir = await stateDir();
      const first = await open(dir);
      await first.markPending([1]);
      await first.close();
      const elsewhere = join(dir, 'elsewhere.json');
      await rename(join(dir, 'demo', 'state.json'), elsewhere);
      await symlink(elsewhere, join(dir, 'demo', 'state.json'));
      const before = await readFile(elsewhere, 'utf8');
      await expect(open(dir)).rejects.toThrow(/state\.json is a symbolic link.*Fix: /);
      expect((await lstat(join(dir, 'demo', 'state.json'))).isSymbolicLink()).toBe(true);
      expect(await readFile(elsewhere, 'utf8')).toBe(before);
    });

    it('refuses to write through a planted state.json.backup link', async () => {
      const dir = await stateDir();
      const store = await open(dir);
      await store.markPending([1]);
      const victim = join(dir, 'victim.txt');
      await writeFile(victim, 'keep me');
      await symlink(victim, join(dir, 'demo', 'state.json.backup'));
      await expect(store.markRunning(1)).rejects.toThrow(/state\.json\.backup is a symbolic link/);
      await store.close();
      expect(await readFile(victim, 'utf8')).toBe('keep me');
    });

    it('writes an artifact (the account table) only as a plain file, never through a planted link', async () => {
      const dir = await stateDir();
      const victim = join(dir, 'victim.txt');
      await writeFile(victim, 'keep me');
      await mkdir(join(dir, 'demo'), { mode: 0o700 });
      await symlink(victim, join(dir, 'demo', 'accounts.md'));
      const contextFor = stepContextFactory({ config: resolveConfig(BASE_CONFIG), secrets: {}, azure: {} as never, journal: { entry: () => undefined }, artifactDirectory: join(dir, 'demo'), signal: new AbortController().signal, progress() {}, note() {} });
      const context = contextFor(RUNNABLE_STEPS.find((entry) => entry.number === 39)!);
      await expect(context.artifacts.write('accounts.md', '| account |')).rejects.toThrow(/accounts\.md is a symbolic link/);
      expect(await readFile(victim, 'utf8')).toBe('keep me');
      await unlink(join(dir, 'demo', 'accounts.md'));
      const written = await context.artifacts.write('accounts.md', '| account |');
      expect((await stat(written)).mode & 0o777).toBe(0o600);
    });

    it.each(['../../x', '../demo', 'a/b', '.', 'UPPER'])('refuses the deployment name %s before touching the file system', (name) => {
      expect(() => statePaths('/nonexistent', name)).toThrow(/--deployment: .*not a valid deployment name/);
    });
  });

  describe('secret checks: no false alarm, no miss (issue 12 item 5)', () => {
    const password = 'Correct-Horse-Battery-9';
    const control = '20348';
    const serial = '0000000000000000';
    const secrets = [password, control, serial, '00000'];
    const state = (extra: Record<string, unknown>) => JSON.stringify({
      subscription: '/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg',
      journal: { 34: { outputs: { osVersion: '10.0.20348', osBuild: '20348', imageVersion: '20348.4294.251010' } } },
      ...extra,
    }, null, 2);

    it('does not take a Windows build or a GUID for a license control or serial number', () => {
      expect(() => assertNoSecrets(state({}), secrets, 'state.json')).not.toThrow();
      expect(() => assertNoSecrets('| Windows | 10.0.20348 |\n| subscription | 00000000-0000-4000-8000-000000000000 |', secrets, 'accounts.md')).not.toThrow();
    });

    it.each([
      ['a password inside a longer value', { note: `net user qservice ${password} /add` }],
      ['a password as a key', { [password]: true }],
      ['a control number in a license field', { license: { control: control } }],
      ['a control number as a protected parameter would carry it', { parameters: [{ name: 'LicenseControl', value: control }] }],
      ['a serial number in a serial field', { licenseSerial: serial }],
      ['a control number given as a number', { licenseControl: 20348 }],
    ])('finds %s', (_name, extra) => {
      expect(() => assertNoSecrets(state(extra), secrets, 'state.json')).toThrow(SecretLeakError);
    });

    it('finds a short secret in a document that is not JSON when it stands as a value of its own', () => {
      expect(() => assertNoSecrets('| License control | 20348 |', secrets, 'accounts.md')).toThrow(SecretLeakError);
      expect(() => assertNoSecrets(`password=${password}`, secrets, 'qlik.rdp')).toThrow(SecretLeakError);
    });
  });

  it('renders a Secret as a placeholder in JSON, strings and inspection', () => {
    const secret = new Secret('Correct-Horse-Battery-9');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[secret]"}');
    expect(`${secret}`).toBe('[secret]');
    expect(inspect({ secret })).not.toContain('Correct');
    expect(secret.reveal()).toBe('Correct-Horse-Battery-9');
  });
});

describe('a full disk and what failed writes leave (issue 12 item 8)', () => {
  it('names the file and says the disk is full, leaving no temporary file and the old state whole', async () => {
    const dir = await stateDir();
    const store = await open(dir);
    await store.markPending([1]);
    const before = await readFile(join(dir, 'demo', 'state.json'), 'utf8');
    process.env.QLIK_AZURE_TEST_WRITE_FAULT = 'state.json:1:ENOSPC';
    try {
      const error = await store.markRunning(1).then(() => undefined, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(FileWriteError);
      expect(error!.message).toBe(`cannot write ${join(dir, 'demo', 'state.json')}: the disk is full (ENOSPC). Fix: free some space on the disk that holds ${join(dir, 'demo')}`);
    } finally {
      delete process.env.QLIK_AZURE_TEST_WRITE_FAULT;
    }
    await store.close();
    expect(await readFile(join(dir, 'demo', 'state.json'), 'utf8')).toBe(before);
    expect((await readdir(join(dir, 'demo'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('removes the temporary files of processes that are gone, and only those', async () => {
    const dir = await stateDir();
    await (await open(dir)).close();
    const dead = await deadPid();
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const leftovers = [`state.json.tmp-${dead}`, `state.json.backup.tmp-${dead}`, `state.lock.tmp-${dead}`, `simulation.json.tmp-${dead}`];
      const living = `state.json.tmp-${alive.pid}`;
      for (const name of [...leftovers, living, 'notes.tmp-x']) await writeFile(join(dir, 'demo', name), 'partial');
      await (await open(dir)).close();
      expect((await readdir(join(dir, 'demo'))).sort()).toEqual(['notes.tmp-x', living].sort());
    } finally {
      alive.kill();
    }
  });
});
