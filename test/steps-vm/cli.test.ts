/**
 * The VM steps through the built CLI, as a user runs it: `init --simulate` with the example files finishes
 * all 48 steps; against a simulator in this process (so it outlives the CLI), a CLI killed while the
 * installer runs is resumed without installing twice, and a failed script is reported plainly.
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNABLE_STEPS } from '../../src/engine/catalogue.js';
import { createSimulatedQlikVm } from '../../src/simulator/qlik-vm.js';
import { assertBuilt, CLI, ROOT, runCli } from '../support/cli.js';
import { copyExampleSecrets } from '../support/example-secrets.js';
import { connectionFlags, createWorkspace, type Workspace } from '../steps/support.js';
import { COMPUTER_NAME, leakedSecrets, VM_CONFIG, type StateFile } from './support.js';

describe('init --simulate with the example config and secrets', () => {
  let dir: string;
  let secretValues: string[];
  let result: Awaited<ReturnType<typeof runCli>>;
  let state: StateFile;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qlik-azure-init-sim-'));
    const secrets = await copyExampleSecrets(dir);
    secretValues = [...secrets.values];
    result = await runCli(['init', '--simulate', '--yes', '--config', join(ROOT, 'examples/qlik-azure.yaml'), '--secrets-file', secrets.path, '--state-dir', join(dir, 'state')], { cwd: dir });
    state = JSON.parse(await readFile(join(dir, 'state', 'qlik-demo', 'state.json'), 'utf8')) as StateFile;
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('completes every runnable step of the guide', () => {
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const done = Object.entries(state.journal).filter(([, entry]) => entry.status === 'done').map(([step]) => Number(step));
    expect(done.sort((a, b) => a - b)).toEqual(RUNNABLE_STEPS.map((entry) => entry.number));
    expect(result.stdout).toContain("Deployment 'qlik-demo' is ready.");
  });

  it('writes the RDP file and the account table beside the state', async () => {
    const rdp = await readFile(String(state.journal['35']!.outputs!.rdpFile), 'utf8');
    expect(rdp).toContain('full address:s:qlik-demo.westeurope.cloudapp.azure.com\r\n');
    expect(rdp).toContain('username:s:qlikadmin\r\n');
    const table = await readFile(String(state.journal['39']!.outputs!.accountTableMarkdown), 'utf8');
    expect(table).toContain('| qlik-demo\\qservice | Administrators |');
    expect(table).toContain('secrets file (repositoryDbPassword)');
    const csv = await readFile(String(state.journal['39']!.outputs!.accountTableCsv), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('Account,Windows role,Settings,Purpose,Secret lives in');
    expect(secretValues.filter((v) => (rdp + table + csv).includes(v))).toEqual([]);
  });

  it('puts no secret in the output or the state file', async () => {
    const text = result.stdout + result.stderr + JSON.stringify(state);
    expect(secretValues.filter((v) => text.includes(v))).toEqual([]);
    expect(text).not.toMatch(/sig=/);
  });
});

describe('apply against a simulator that outlives the CLI', () => {
  const vm = createSimulatedQlikVm({ computerName: () => COMPUTER_NAME });
  let ws: Workspace;
  const toStep46 = () => ['--to-step', '46', '--yes', ...connectionFlags(ws)];
  const installPuts = () => ws.sim.requestLog().filter((r) => r.method === 'PUT' && r.path.endsWith('/runCommands/qlik-azure-step-40'));

  beforeAll(async () => {
    assertBuilt();
    ws = await createWorkspace({ runCommandExecutor: vm.executor }, VM_CONFIG);
  });
  afterAll(() => ws?.close());

  it('reports a failed script with its exit code, its last lines and advice, and no secret', async () => {
    // First, while step 38 is still to do (once every step is done, apply stops at "No changes.").
    vm.failNext('vm/accounts.ps1', 30, "could not create or update local account 'QlikUser1': The password does not meet the password policy requirements.");
    const result = await ws.cli(['apply', ...toStep46()]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/step 38 Service account and local users failed .*ScriptFailed/);
    expect(result.stdout).toContain('vm/accounts.ps1 failed with exit code 30 on VM qlik-sim-vm');
    expect(result.stdout).toContain("qlik-azure: could not create or update local account 'QlikUser1'");
    expect(result.stdout).toContain('how to fix: Windows refused an account');
    expect(leakedSecrets(await ws.stateJson() + result.stdout + result.stderr)).toEqual([]);
  }, 120_000);

  it('resumes after a SIGKILL during the install by waiting for the running script, not starting it again', async () => {
    const held = vm.hold('vm/install-qlik.ps1');
    const child = spawn(process.execPath, [CLI, 'apply', ...toStep46()], { cwd: ws.dir, env: { ...process.env, ...ws.env, NO_COLOR: '1' }, stdio: 'ignore' });
    const killed = new Promise((resolve) => child.on('close', resolve));
    await held.started;
    child.kill('SIGKILL');
    await killed;
    const killedAt = ws.sim.requestLog().length;

    const resumed = ws.cli(['resume', ...toStep46()]);
    // Let the script finish only once the new CLI has found it still running.
    const finding = setInterval(() => {
      if (ws.sim.requestLog().slice(killedAt).some((r) => r.method === 'GET' && r.path.endsWith('/runCommands/qlik-azure-step-40'))) {
        clearInterval(finding);
        held.release();
      }
    }, 20);
    const result = await resumed;
    clearInterval(finding);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('waiting for it instead of starting the script again');
    expect(result.stdout).toContain('adopted the result of run command qlik-azure-step-40');
    expect(vm.runs.filter((run) => run.template === 'vm/install-qlik.ps1')).toHaveLength(1);
    expect(installPuts()).toHaveLength(1);
    const state = JSON.parse(await ws.stateJson()) as StateFile;
    expect(state.journal['40']).toMatchObject({ status: 'done', change: 'create', outputs: { release: 'Qlik Sense November 2025' } });
    expect(leakedSecrets(await ws.stateJson() + result.stdout + result.stderr)).toEqual([]);
  }, 120_000);

  it('sends Run Command no plain parameter holding anything outside [A-Za-z0-9._-], and never runAsUser', () => {
    // What Azure received, as the simulator logged it (protected values redacted): a cmd.exe layer cannot change these.
    const puts = ws.sim.requestLog().filter((r) => r.method === 'PUT' && r.path.includes('/runCommands/'));
    expect(puts.map((r) => r.path.split('/').at(-1))).toEqual(expect.arrayContaining(['qlik-azure-step-34', 'qlik-azure-step-38', 'qlik-azure-step-40', 'qlik-azure-step-42', 'qlik-azure-step-45', 'qlik-azure-step-46']));
    for (const put of puts) {
      const properties = (put.body as { properties: Record<string, unknown> }).properties;
      const plain = properties.parameters as { name: string; value: string }[];
      expect(plain.map((p) => p.name)).toEqual(['QlikInputs']);
      for (const parameter of plain) expect(parameter.value).toMatch(/^[A-Za-z0-9._-]+$/);
      expect((properties.protectedParameters as { name: string }[]).map((p) => p.name)).toEqual(['QlikProtectedInputs']);
      expect(Object.keys(properties)).not.toContain('runAsUser');
    }
    // The release name, blanks and all, travels inside QlikInputs.
    const install = puts.find((r) => r.path.endsWith('/qlik-azure-step-40'))!;
    const sent = ((install.body as { properties: { parameters: { value: string }[] } }).properties.parameters[0]!).value;
    expect(JSON.parse(Buffer.from(sent, 'base64url').toString('utf8'))).toMatchObject({ ReleaseName: 'Qlik Sense November 2025' });
  });
});
