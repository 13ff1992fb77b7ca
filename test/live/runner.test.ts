// The live test runner (scripts/live/run.mjs, npm run test:live) against the simulator, through the same code
// path as against Azure: the real CLI for apply, plan, destroy and the check that nothing is left, the
// recorder in the CLI, and destroy on every way out (success, Ctrl-C, the CLI killed, the time limit).
import { spawn } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { survivingSecrets } from '../../src/azure/sanitise.js';
import { assertBuilt, ROOT } from '../support/cli.js';
import { readLiveRecording, replayOnNewSimulator } from '../support/replay.js';
// @ts-expect-error: plain ES modules of scripts/, without types
import { costEstimate, liveDeploymentConfig, LiveInputError, parseLiveOptions } from '../../scripts/live/live-plan.mjs';
// @ts-expect-error: plain ES modules of scripts/, without types
import { readSecretValues, refuseLeakingFiles } from '../../scripts/live/recording-check.mjs';

const RUNNER = join(ROOT, 'scripts/live/run.mjs');
const SUBSCRIPTION = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

interface RunnerRun {
  code: number | null;
  stdout: string;
  stderr: string;
  dir: string;
}

function workspace(): { dir: string; secretsFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qlaz-live-test-'));
  const secretsFile = join(dir, 'secrets.yaml');
  copyFileSync(join(ROOT, 'examples/secrets.example.yaml'), secretsFile);
  chmodSync(secretsFile, 0o600);
  return { dir, secretsFile };
}

/** Starts the runner against the simulator; `during` may act on it while it runs (signal it, kill its CLI). */
function runRunner(extra: string[], options: { env?: NodeJS.ProcessEnv; confirm?: boolean; during?: (pid: number, stdout: () => string) => void } = {}): Promise<RunnerRun> {
  assertBuilt();
  const { dir, secretsFile } = workspace();
  const args = [RUNNER, '--simulate', '--subscription', SUBSCRIPTION, '--location', 'westeurope', '--secrets-file', secretsFile, '--record-dir', join(dir, 'recording'), '--work-dir', join(dir, 'work'), ...(options.confirm === false ? [] : ['--yes-i-understand-this-costs-money']), ...extra];
  const child = spawn(process.execPath, args, { env: { ...process.env, QLIK_AZURE_SIM_FAULTS: 'none', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  options.during?.(child.pid!, () => stdout);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, dir })));
}

/** Calls `act` once the runner's output matches `pattern`. */
function when(pattern: RegExp, act: (pid: number) => void) {
  return (pid: number, stdout: () => string) => {
    const timer = setInterval(() => {
      if (!pattern.test(stdout())) return;
      clearInterval(timer);
      act(pid);
    }, 50);
  };
}

const manifestOf = (run: RunnerRun) => JSON.parse(readFileSync(join(run.dir, 'recording/manifest.json'), 'utf8'));
const phasesOf = (run: RunnerRun) => manifestOf(run).phases.map((p: { phase: string; exitCode: number }) => `${p.phase} ${p.exitCode}`);
/** Slow enough (VM create ~5 s) to be caught mid-apply. */
const SLOW = { QLIK_AZURE_SIM_LATENCY: '0.05' };

describe('what the live test will do, decided before it starts', () => {
  it('refuses to start without subscription, region, secrets file or installer link, naming each flag and its fix', () => {
    expect(() => parseLiveOptions([])).toThrow(LiveInputError);
    try {
      parseLiveOptions(['--vm-size', 'Standard_B2s', '--time-limit-minutes', '0']);
    } catch (error) {
      const message = (error as Error).message;
      for (const flag of ['--subscription is required', '--location is required', '--secrets-file is required', '--installer-url is required', "--vm-size 'Standard_B2s' has no price here", "--time-limit-minutes '0'"]) expect(message).toContain(flag);
    }
    expect(() => parseLiveOptions(['--subscription', 'my-sub', '--location', 'westeurope', '--secrets-file', 's', '--installer-url', 'https://x'])).toThrow(/not a subscription id/);
  });

  it('costs the cheapest size that fits for the time limit plus cleanup', () => {
    const { perHour, hours, atMost } = costEstimate('Standard_D4s_v5', 90);
    expect(perHour).toBeCloseTo(0.376 + 0.027 + 0.005 + 0.01, 6);
    expect(hours).toBe(2);
    expect(atMost).toBeCloseTo(perHour * 2, 6);
  });

  it('deploys a small, clearly named deployment tagged as a live test with its expiry', () => {
    const options = parseLiveOptions(['--simulate', '--subscription', SUBSCRIPTION.toUpperCase(), '--location', 'westeurope', '--secrets-file', 's']);
    const config = liveDeploymentConfig(options, 'signed-key', new Date('2026-12-02T07:05:00Z'));
    expect(config).toMatchObject({ deployment: 'qlaz-live-020705', subscriptionId: SUBSCRIPTION, vm: { size: 'Standard_D4s_v5' }, tags: { purpose: 'qlik-azure-live-test', 'qlik-azure-live-test-expires': '2026-12-02T09:05:00.000Z' } });
    expect(() => liveDeploymentConfig(options, 'serial', new Date())).toThrow(/--license-owner and --license-organization/);
  });
});

describe('npm run test:live against the simulator', () => {
  it('without confirmation and no terminal: shows the cost and the time limit, creates nothing, exits 3', async () => {
    const run = await runRunner([], { confirm: false });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/Cost: about USD 0\.42 per hour[\s\S]*Time limit: 90 min/);
    expect(run.stderr).toContain('--yes-i-understand-this-costs-money');
    expect(existsSync(join(run.dir, 'work'))).toBe(false);
    expect(existsSync(join(run.dir, 'recording'))).toBe(false);
  });

  it('refuses a recording folder that already holds a recording, before anything is created', async () => {
    const taken = mkdtempSync(join(tmpdir(), 'qlaz-taken-'));
    writeFileSync(join(taken, 'apply.ndjson'), '{}\n');
    const run = await runRunner(['--record-dir', taken]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`--record-dir ${taken} already holds a recording`);
    expect(readdirSync(taken)).toEqual(['apply.ndjson']);
    expect(existsSync(join(run.dir, 'work'))).toBe(false);
  });

  it('applies, plans no changes, destroys, finds nothing left, and leaves a clean recording that replays against the simulator', { timeout: 240_000 }, async () => {
    const run = await runRunner([]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.indexOf('Time limit: 90 min')).toBeLessThan(run.stdout.indexOf('apply: qlik-azure apply'));
    expect(run.stdout).toContain('No changes.');
    expect(run.stdout).toMatch(/Destroyed: rg-qlaz-live-\d{6} is gone\./);
    expect(phasesOf(run)).toEqual(['apply 0', 'plan 0', 'destroy 0', 'verify 0']);
    expect(manifestOf(run)).toMatchObject({ source: 'simulator', region: 'westeurope', outcome: 'ok', resourceGroupGone: true });

    const recording = join(run.dir, 'recording');
    expect(readdirSync(recording).sort()).toEqual(['apply.ndjson', 'apply.run-commands.ndjson', 'destroy.ndjson', 'manifest.json', 'plan.ndjson', 'verify.ndjson']);
    const secrets = { ...readSecretValues(join(run.dir, 'secrets.yaml')), subscriptionId: SUBSCRIPTION };
    for (const file of readdirSync(recording)) expect({ file, leaks: survivingSecrets(readFileSync(join(recording, file), 'utf8'), secrets) }).toEqual({ file, leaks: [] });

    const { entries } = readLiveRecording(recording);
    const groupCreate = entries.find((e) => e.RequestMethod === 'PUT' && /\/resourcegroups\/rg-qlaz-live-\d+$/i.test(new URL(e.RequestUri).pathname))!;
    expect(groupCreate.RequestBody).toMatchObject({ tags: { purpose: 'qlik-azure-live-test', 'qlik-azure:deployment': expect.any(String) } });
    const runCommands = readFileSync(join(recording, 'apply.run-commands.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    // The QRS results the scripts reported: the license step's among them.
    expect(runCommands.find((r) => r.RunCommand === 'qlik-azure-step-42')).toMatchObject({ ExecutionState: 'Succeeded', ExitCode: 0, Result: expect.any(Object) });
    expect(await replayOnNewSimulator('fresh', entries, { productReads: true })).toEqual([]);
  });

  it('Ctrl-C during apply: the CLI stops, destroy still runs, nothing is left, exit 130', { timeout: 240_000 }, async () => {
    const run = await runRunner([], { env: SLOW, during: when(/Resource group: created/, (pid) => process.kill(pid, 'SIGINT')) });
    expect(run.code, run.stdout + run.stderr).toBe(130);
    expect(run.stdout).toContain('interrupted: stopping the run; destroy follows.');
    expect(phasesOf(run)).toEqual(['apply 130', 'destroy 0', 'verify 0']);
    // The group apply had made was there to delete.
    expect(run.stdout).toMatch(/Deleted rg-qlaz-live-\d{6}\.[\s\S]*Destroyed: rg-qlaz-live-\d{6} is gone\./);
    expect(manifestOf(run)).toMatchObject({ outcome: 'interrupted', resourceGroupGone: true });
  });

  it('the CLI killed mid-apply (SIGKILL): destroy takes over its lock and still cleans up; the run fails', { timeout: 240_000 }, async () => {
    const killCli = (runnerPid: number) => {
      const children = readFileSync(`/proc/${runnerPid}/task/${runnerPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      for (const pid of children) process.kill(pid, 'SIGKILL');
    };
    const run = await runRunner([], { env: SLOW, during: when(/Resource group: created/, killCli) });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(phasesOf(run)).toEqual(['apply 137', 'destroy 0', 'verify 0']);
    expect(run.stdout).toMatch(/Deleted rg-qlaz-live-\d{6}\.[\s\S]*Destroyed: rg-qlaz-live-\d{6} is gone\.[\s\S]*FAILED: apply failed/);
  });

  it('the time limit stops the run and destroys the deployment, exit 124', { timeout: 240_000 }, async () => {
    const run = await runRunner(['--time-limit-minutes', '0.12'], { env: SLOW });
    expect(run.code, run.stdout + run.stderr).toBe(124);
    expect(run.stdout).toContain('time limit: stopping the run; destroy follows.');
    expect(phasesOf(run)).toEqual(['apply 130', 'destroy 0', 'verify 0']);
    expect(manifestOf(run)).toMatchObject({ outcome: 'time limit', resourceGroupGone: true });
  });
});

describe('the recording check', () => {
  it('deletes a file in which a secret survives (here in base64) and names the secret, never its value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qlaz-leak-'));
    const secrets = { qlikAdminPassword: 'Qlik-Admin-Pa55word!' };
    writeFileSync(join(dir, 'apply.ndjson'), `${JSON.stringify({ ResponseBody: { output: Buffer.from(`pw=${secrets.qlikAdminPassword}`).toString('base64') } })}\n`);
    writeFileSync(join(dir, 'plan.ndjson'), `${JSON.stringify({ ResponseBody: { output: 'nothing secret' } })}\n`);
    const findings = refuseLeakingFiles(dir, secrets);
    expect(findings).toEqual([{ file: 'apply.ndjson', names: ['qlikAdminPassword'] }]);
    expect(JSON.stringify(findings)).not.toContain(secrets.qlikAdminPassword);
    expect(readdirSync(dir)).toEqual(['plan.ndjson']);
  });
});
