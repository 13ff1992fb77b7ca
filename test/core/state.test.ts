import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret, SecretLeakError } from '../../src/config/secrets.js';
import { LockedError } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import { BASE_CONFIG, resolveConfig } from '../steps/support.js';

async function stateDir() {
  return mkdtemp(join(tmpdir(), 'qa-state-'));
}

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
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '0']);
      child.on('exit', () => resolve(child.pid!));
    });
    const store = await open(dir);
    await store.close();
    await writeFile(join(dir, 'demo', 'state.lock'), JSON.stringify({ pid: dead, host: hostname(), command: 'apply', startedAt: 'earlier' }));
    const next = await open(dir);
    expect(next.lock.staleTakenOver).toMatchObject({ pid: dead, command: 'apply' });
    await next.close();
  });

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

  it('renders a Secret as a placeholder in JSON, strings and inspection', () => {
    const secret = new Secret('Correct-Horse-Battery-9');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[secret]"}');
    expect(`${secret}`).toBe('[secret]');
    expect(inspect({ secret })).not.toContain('Correct');
    expect(secret.reveal()).toBe('Correct-Horse-Battery-9');
  });
});
