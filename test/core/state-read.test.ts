/**
 * Reading a state file back (src/state/schema.ts, store.ts): every refusal names the file and the fix, and a
 * simulated deployment's state is never taken for a real one (or the reverse).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseState, StateFormatError } from '../../src/state/schema.js';
import { assertSameWorld } from '../../src/state/store.js';
import { LocalStateBackend } from '../../src/state/local-backend.js';

const PATH = '/state/demo/state.json';
const base = { schemaVersion: 1, lineage: 'l', serial: 1, deployment: 'demo', toolVersion: '0', createdAt: 'a', updatedAt: 'b', journal: {} };
const refusal = (text: string, deployment?: string) => {
  try {
    parseState(text, PATH, deployment);
  } catch (error) {
    expect(error).toBeInstanceOf(StateFormatError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('reading a state file', () => {
  it('refuses text that is not JSON, JSON that is not a state, and another schema version, each with its fix', () => {
    expect(refusal('{"journal":')).toBe(`${PATH} is not valid JSON. Fix: restore ${PATH}.backup, which holds the previous write`);
    for (const text of ['[]', 'null', '"x"', '{"serial":1}']) {
      expect(refusal(text)).toBe(`${PATH} is not a qlik-azure state file. Fix: point --state-dir at the folder qlik-azure made, or restore ${PATH}.backup`);
    }
    expect(refusal(JSON.stringify({ ...base, schemaVersion: 2 }))).toBe(`${PATH} has schema version 2; this qlik-azure reads version 1. Fix: use the qlik-azure version that wrote it`);
  });

  it('names the damaged field of the envelope, and the entry of a bad journal record with its field', () => {
    expect(refusal(JSON.stringify({ ...base, serial: 'one' }))).toMatch(new RegExp(`^${PATH} is damaged \\(serial: [^)]+\\)\\. Fix: restore`));
    const entry = { status: 'running', startedAt: 'x', attempt: 0 };
    expect(refusal(JSON.stringify({ ...base, journal: { 5: entry } }))).toMatch(new RegExp(`^${PATH}: the journal entry for step 5 \\(${JSON.stringify(entry).replace(/[{}[\]]/g, '\\$&')}\\) is not a valid record: attempt: .+\\. Fix: `));
    expect(refusal(JSON.stringify({ ...base, journal: { 49: entry } }))).toContain("is not a valid record: the guide's steps are numbered 1-48.");
  });

  it('accepts every kind of output value and refuses a state whose config names another deployment', () => {
    const done = { status: 'done', startedAt: 'a', finishedAt: 'b', attempt: 1, change: 'create', outputs: { id: '/x', port: 443, http: false, sources: ['1.2.3.4/32'] } };
    const pending = { status: 'pending', plannedAt: 'a', attemptsSoFar: 0 };
    expect(parseState(JSON.stringify({ ...base, journal: { 1: done, 5: pending } }), PATH, 'demo').journal['1']).toEqual(done);
    const foreign = { ...base, config: { deployment: 'other', names: {} } };
    expect(refusal(JSON.stringify(foreign), 'demo')).toBe(`${PATH} belongs to deployment 'other', not 'demo'. Fix: move it back to the folder of 'other', or pass --deployment other`);
    expect(refusal(JSON.stringify(base), 'other')).toContain("belongs to deployment 'demo', not 'other'");
  });
});

describe('simulated and real states', () => {
  it('refuses a real command on a simulated state and --simulate on a real one, and counts an old state with simulation.json as simulated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-world-'));
    const backend = new LocalStateBackend(dir, 'demo');
    const { paths } = backend;
    const state = (simulated?: boolean) => parseState(JSON.stringify({ ...base, ...(simulated === undefined ? {} : { simulated }) }), PATH);
    expect(() => assertSameWorld(state(true), backend, false)).toThrow(`deployment 'demo' in ${paths.directory} is simulated (made with --simulate); this command would talk to real Azure.`);
    expect(() => assertSameWorld(state(false), backend, true)).toThrow(`deployment 'demo' in ${paths.directory} is a real Azure deployment; --simulate would act on a simulated one in its place.`);
    assertSameWorld(state(true), backend, true);
    assertSameWorld(state(false), backend, false);
    assertSameWorld(undefined, backend, true);
    assertSameWorld(state(), backend, false);
    expect(() => assertSameWorld(state(), backend, true)).toThrow('is a real Azure deployment');
    await mkdir(paths.directory, { recursive: true });
    await writeFile(join(paths.directory, 'simulation.json'), '{}');
    assertSameWorld(state(), backend, true);
    expect(() => assertSameWorld(state(), backend, false)).toThrow('is simulated');
  });
});
