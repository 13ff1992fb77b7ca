/**
 * The shared state from the command line: applies against the ARM simulator, the state in Azurite (both
 * started here, on loopback). The CLI reaches Azurite through AZURE_STORAGE_CONNECTION_STRING, whose
 * BlobEndpoint names it. Needs `npx tsc` first.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { parseState } from '../../src/state/schema.js';
import { StateStore } from '../../src/state/store.js';
import { AZURITE_ACCOUNT, azuriteForFile } from '../support/azurite.js';
import { startCli, type CliResult } from '../support/cli.js';
import { stringify } from 'yaml';
import { AZURE_STEPS_TO, BASE_CONFIG, connectionFlags, createWorkspace, SECRETS, type Workspace } from '../steps/support.js';

const azurite = azuriteForFile();

interface RunOptions {
  readonly stateDir?: string;
  readonly secretsFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** false: without --state (the local folder). */
  readonly shared?: boolean;
}

interface Shared {
  readonly ws: Workspace;
  readonly container: ContainerClient;
  readonly url: string;
  /** A CLI command of the workspace against the shared state; `stateDir` = another administrator's folder. */
  start(args: readonly string[], options?: RunOptions): ReturnType<typeof startCli>;
  run(args: readonly string[], options?: RunOptions): Promise<CliResult>;
  stateText(): Promise<string>;
}

async function sharedWorkspace(latencyScale = 0): Promise<Shared> {
  const ws = await createWorkspace({ latencyScale });
  const container = await azurite.current.container('team');
  const url = `azblob://${AZURITE_ACCOUNT}/${container.containerName}/qlik`;
  const start = (args: readonly string[], options: RunOptions = {}) => {
    const replaced: Record<string, string | undefined> = { '--state-dir': options.stateDir, '--secrets-file': options.secretsFile };
    const flags = connectionFlags(ws).map((flag, index, all) => replaced[all[index - 1] ?? ''] ?? flag);
    return startCli([...args, ...flags, ...(options.shared === false ? [] : ['--state', url])], { cwd: ws.dir, env: { ...ws.env, AZURE_STORAGE_CONNECTION_STRING: azurite.current.connectionString, ...options.env } });
  };
  return {
    ws, container, url, start,
    run: (args, options) => start(args, options).result,
    stateText: async () => (await container.getBlockBlobClient('qlik/qlik-sim/state.json').downloadToBuffer()).toString('utf8'),
  };
}

const APPLY = ['apply', '--to-step', String(AZURE_STEPS_TO), '--yes'];

describe('shared state in a blob container (Azurite + the ARM simulator)', () => {
  it('apply with state.backend: azblob in the config keeps the state in the container, not in the local folder; status --state reads it from another folder', async () => {
    const team = await sharedWorkspace();
    try {
      await team.ws.writeConfig({ ...BASE_CONFIG, state: { backend: 'azblob', url: team.url } });
      const applied = await team.run(APPLY, { shared: false });
      expect(applied.code, applied.stderr).toBe(EXIT.ok);
      const state = parseState(await team.stateText(), 'blob');
      expect(state.journal['1']).toMatchObject({ status: 'done' });
      expect(existsSync(join(team.ws.stateDir, 'qlik-sim', 'state.json'))).toBe(false);
      const other = await mkdtemp(join(tmpdir(), 'qa-admin-b-'));
      const status = await team.run(['status', '--json'], { stateDir: other });
      expect(status.code, status.stderr).toBe(EXIT.ok);
      expect(JSON.parse(status.stdout)).toMatchObject({ deployment: 'qlik-sim', stateFile: `${team.url.replace('/qlik', '')}/qlik/qlik-sim/state.json`, serial: state.serial });
    } finally {
      await team.ws.close();
    }
  });

  it('two applies from two state folders against one blob: the second is refused, naming the first as holder', async () => {
    const team = await sharedWorkspace(0.05);
    try {
      const first = team.start([...APPLY, '--json']);
      await until(() => first.stdout().includes('"type":"step-started"'), first);
      const other = await mkdtemp(join(tmpdir(), 'qa-admin-b-'));
      const second = await team.run(APPLY, { stateDir: other });
      expect(second.code, second.stderr).toBe(EXIT.locked);
      expect(second.stderr).toMatch(new RegExp(`locked by 'apply' \\(pid ${first.child.pid} on ${hostname()}, since \\d{4}-`));
      expect(second.stderr).toContain('state force-unlock');
      const done = await first.result;
      expect(done.code, done.stderr).toBe(EXIT.ok);
      expect(existsSync(join(other, 'qlik-sim', 'state.json'))).toBe(false);
    } finally {
      await team.ws.close();
    }
  });

  it('kill -9 mid-run: the lease holds the state until it runs out (15 s here), then resume takes it over and finishes', async () => {
    const team = await sharedWorkspace(0.01);
    const lease = { QLIK_AZURE_STATE_LEASE_SECONDS: '15' };
    try {
      const killed = team.start([...APPLY, '--json'], { env: lease });
      await until(() => killed.stdout().includes('"type":"step-finished"'), killed);
      killed.child.kill('SIGKILL');
      await killed.result;
      const other = await mkdtemp(join(tmpdir(), 'qa-admin-b-'));
      const tooSoon = await team.run(['resume', '--to-step', String(AZURE_STEPS_TO), '--yes'], { stateDir: other, env: lease });
      expect(tooSoon.code, tooSoon.stderr).toBe(EXIT.locked);
      expect(tooSoon.stderr).toContain(`pid ${killed.child.pid}`);
      const blob = team.container.getBlockBlobClient('qlik/qlik-sim/state.json');
      while ((await blob.getProperties()).leaseState === 'leased') await new Promise((resolve) => setTimeout(resolve, 500));
      const resumed = await team.run(['resume', '--to-step', String(AZURE_STEPS_TO), '--yes'], { stateDir: other, env: lease });
      expect(resumed.code, resumed.stderr).toBe(EXIT.ok);
      expect(resumed.stderr + resumed.stdout).toMatch(new RegExp(`took over a stale lock left by pid ${killed.child.pid} \\(apply\\)`));
      const state = parseState(await team.stateText(), 'blob');
      for (let step = 1; step <= AZURE_STEPS_TO; step++) {
        if (state.journal[String(step)]) expect(state.journal[String(step)]?.status, `step ${step}`).toBe('done');
      }
      expect((await blob.getProperties()).leaseState).not.toBe('leased');
    } finally {
      await team.ws.close();
    }
  }, 120_000);

  it('a lease broken while the run lasts (state force-unlock): the run stops writing and says so; another administrator resumes', async () => {
    const team = await sharedWorkspace(0.05);
    try {
      const running = team.start([...APPLY, '--json']);
      await until(() => running.stdout().includes('"type":"step-started"'), running);
      const other = await mkdtemp(join(tmpdir(), 'qa-admin-b-'));
      const unlocked = await team.run(['state', 'force-unlock', '--yes'], { stateDir: other });
      expect(unlocked.code, unlocked.stderr).toBe(EXIT.ok);
      expect(unlocked.stdout).toMatch(new RegExp(`Broke the lock held by 'apply' \\(pid ${running.child.pid} on ${hostname()}, since \\d{4}-`));
      const stopped = await running.result;
      expect(stopped.code, stopped.stdout.slice(-3000) + stopped.stderr).toBe(EXIT.failed);
      expect(stopped.stdout).toMatch(/"type":"error".*the lock on azblob:\/\/.*state\.json was lost .*this run stops writing/);
      // The resume command it prints acts on the same shared state.
      expect(stopped.stdout).toContain(`"resumeCommand":"qlik-azure resume --config ${team.ws.configFile} --secrets-file ${team.ws.secretsFile} --state-dir ${team.ws.stateDir} --state ${team.url} --arm-endpoint ${team.ws.sim.url}"`);
      const resumed = await team.run(['resume', '--to-step', String(AZURE_STEPS_TO), '--yes'], { stateDir: other });
      expect(resumed.code, resumed.stderr).toBe(EXIT.ok);
    } finally {
      await team.ws.close();
    }
  });

  it('signs in with the account key from the secrets file (never a flag), which no output and no state holds', async () => {
    const team = await sharedWorkspace();
    try {
      const secretsFile = join(team.ws.dir, 'secrets-with-key.yaml');
      await writeFile(secretsFile, stringify({ ...SECRETS, stateStorageKey: azurite.current.accountKey }), { mode: 0o600 });
      const seam = { AZURE_STORAGE_CONNECTION_STRING: '', QLIK_AZURE_TEST_BLOB_ENDPOINT: azurite.current.endpoint };
      const applied = await team.run(APPLY, { secretsFile, env: seam });
      expect(applied.code, applied.stderr).toBe(EXIT.ok);
      const status = await team.run(['status'], { secretsFile, env: seam });
      expect(status.code, status.stderr).toBe(EXIT.ok);
      const text = await team.stateText();
      expect(parseState(text, 'blob').journal['1']).toMatchObject({ status: 'done' });
      for (const seen of [text, applied.stdout, applied.stderr, status.stdout, status.stderr]) expect(seen).not.toContain(azurite.current.accountKey);

      const wrongKey = Buffer.from('not the key of this account, 64 bytes long, like a real one......').toString('base64');
      await writeFile(secretsFile, stringify({ ...SECRETS, stateStorageKey: wrongKey }), { mode: 0o600 });
      const refused = await team.run(['status'], { secretsFile, env: seam });
      expect(refused.code).toBe(EXIT.invalidInput);
      expect(refused.stderr).toMatch(/--state: storage account devstoreaccount1 refused the account key \(\w+\)\. Fix: check the account key \(AZURE_STORAGE_KEY, stateStorageKey in the secrets file/);
      expect(refused.stderr).not.toContain(wrongKey);
    } finally {
      await team.ws.close();
    }
  });

  it('state migrate moves a local deployment to the container and back, refused while a run holds the lock', async () => {
    const team = await sharedWorkspace();
    try {
      const applied = await team.run(APPLY, { shared: false });
      expect(applied.code, applied.stderr).toBe(EXIT.ok);
      const localText = await readFile(join(team.ws.stateDir, 'qlik-sim', 'state.json'), 'utf8');

      const holder = await StateStore.open({ stateDir: team.ws.stateDir, deployment: 'qlik-sim', command: 'apply', toolVersion: '0.0.0' });
      const refused = await team.run(['state', 'migrate', '--to', team.url], { shared: false });
      await holder.close();
      expect(refused.code, refused.stderr).toBe(EXIT.locked);
      expect(refused.stderr).toContain(`locked by 'apply' (pid ${process.pid}`);
      await expect(team.stateText()).rejects.toThrow(); // nothing was written

      const moved = await team.run(['state', 'migrate', '--to', team.url], { shared: false });
      expect(moved.code, moved.stderr).toBe(EXIT.ok);
      expect(moved.stdout).toContain(`Moved the state of 'qlik-sim' (serial ${JSON.parse(localText).serial}) from ${join(team.ws.stateDir, 'qlik-sim', 'state.json')} to ${team.url.replace(/\/qlik$/, '')}/qlik/qlik-sim/state.json`);
      expect(await team.stateText()).toBe(localText);

      const again = await team.run(['state', 'migrate', '--to', team.url], { shared: false });
      expect(again.code).toBe(EXIT.invalidInput);
      expect(again.stderr).toMatch(/--to: azblob:\/\/.*state\.json already holds a state of 'qlik-sim'; migrating would overwrite it/);

      const elsewhere = await mkdtemp(join(tmpdir(), 'qa-admin-b-'));
      const back = await team.run(['state', 'migrate', '--to', 'local'], { stateDir: elsewhere });
      expect(back.code, back.stderr).toBe(EXIT.ok);
      expect(await readFile(join(elsewhere, 'qlik-sim', 'state.json'), 'utf8')).toBe(localText);
      expect((await stat(join(elsewhere, 'qlik-sim'))).mode & 0o777).toBe(0o700);
      expect((await stat(join(elsewhere, 'qlik-sim', 'state.json'))).mode & 0o777).toBe(0o600);
    } finally {
      await team.ws.close();
    }
  });
});

/** Waits (without a deadline of its own: vitest's test timeout is it) until `ready`, or fails when the CLI ended first. */
async function until(ready: () => boolean, cli: ReturnType<typeof startCli>): Promise<void> {
  let ended = false;
  void cli.result.then(() => { ended = true; });
  while (!ready()) {
    if (ended) throw new Error(`the CLI ended before it was ready: ${(await cli.result).stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
