/**
 * Opening the state store on real files (src/state/store.ts): a shared /tmp-like state dir is fine, a dead
 * writer's leftovers are cleared and a live one's kept, the world (simulated or real) is recorded, and a
 * re-planned step that is done stays done.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';

const open = (stateDir: string, simulated?: boolean) =>
  StateStore.open({ stateDir, deployment: 'demo', command: 'apply', toolVersion: '0.0.0', ...(simulated === undefined ? {} : { simulated }) });

const deadPid = () => new Promise<number>((resolve) => {
  const child = spawn(process.execPath, ['-e', '0']);
  child.on('exit', () => resolve(child.pid!));
});

describe('opening the state store', () => {
  it('accepts a shared sticky state dir like /tmp, keeping its own folder private', async () => {
    const stateDir = join(await mkdtemp(join(tmpdir(), 'qa-open-')), 'shared');
    await mkdir(stateDir);
    await chmod(stateDir, 0o1777);
    const store = await open(stateDir);
    await store.markPending([1]);
    await store.close();
    expect(JSON.parse(await readFile(join(stateDir, 'demo', 'state.json'), 'utf8')).journal['1'].status).toBe('pending');
  });

  it("clears a dead writer's temporary files and keeps a running one's", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'qa-open-'));
    await (await open(stateDir)).close();
    const folder = join(stateDir, 'demo');
    const dead = await deadPid();
    await writeFile(join(folder, `state.json.tmp-${dead}`), 'half');
    await writeFile(join(folder, 'state.json.tmp-1'), 'pid 1 runs');
    await (await open(stateDir)).close();
    expect((await readdir(folder)).sort()).toEqual(['state.json.tmp-1']);
  });

  it('records the world it was opened in, and nothing when not told', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'qa-open-'));
    const untold = await open(stateDir);
    await untold.markPending([1]);
    await untold.close();
    expect(JSON.parse(await readFile(join(stateDir, 'demo', 'state.json'), 'utf8'))).not.toHaveProperty('simulated');
    const simulatedDir = await mkdtemp(join(tmpdir(), 'qa-open-'));
    const simulated = await open(simulatedDir, true);
    expect(simulated.state.simulated).toBe(true);
    await simulated.markPending([1]);
    await simulated.close();
    expect(JSON.parse(await readFile(join(simulatedDir, 'demo', 'state.json'), 'utf8')).simulated).toBe(true);
    await expect(open(stateDir, true)).rejects.toThrow('is a real Azure deployment');
  });

  it('leaves a done step done when it is planned again, and counts the attempts of the others', async () => {
    const store = await open(await mkdtemp(join(tmpdir(), 'qa-open-')));
    await store.markPending([1, 5]);
    await store.markRunning(1);
    await store.markDone(1, { change: 'create', outputs: { id: '/rg' } });
    await store.markRunning(5);
    await store.markFailed(5, { message: 'no' });
    await store.markPending([1, 5]);
    expect(store.entry(1)).toMatchObject({ status: 'done', outputs: { id: '/rg' } });
    expect(store.entry(5)).toMatchObject({ status: 'pending', attemptsSoFar: 1 });
    await store.close();
  });
});
