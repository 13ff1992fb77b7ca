#!/usr/bin/env node
// npm run test:live (issue 21): one real run of qlik-azure against a subscription, recorded.
// apply (steps 1-48) → plan (must show no changes) → destroy → check that the resource group is gone, with
// destroy on every exit path: success, failure, Ctrl-C (SIGINT, SIGTERM, SIGHUP) and the time limit. Every
// exchange with Azure is recorded, sanitised, into test/recordings/<date>-<region>/ by the CLI's own recorder
// (src/azure/recorder.ts, switched on by QLIK_AZURE_RECORD_DIR), then checked for surviving secrets.
// Never part of npm test. With --simulate (the runner's own tests) the same run goes to the local simulator.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { CLEANUP_MINUTES, CONFIRM_FLAG, describeCost, LiveInputError, liveDeploymentConfig, parseLiveOptions, USAGE } from './live-plan.mjs';
import { readSecretValues, refuseLeakingFiles, writeManifest } from './recording-check.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin/qlik-azure.js');
export const EXIT = { ok: 0, failed: 1, leftovers: 2, input: 3, timeLimit: 124, interrupted: 130 };
/** How long a CLI stopped with Ctrl-C may take to record its in-flight steps before it is killed. */
const STOP_GRACE_MS = 60_000;

const say = (line) => process.stdout.write(`[live] ${line}\n`);

/** Runs the CLI, one command at a time, in its own process group: a terminal's Ctrl-C reaches the runner only, which passes on exactly one. */
class CliPhases {
  #child;
  #killTimer;
  constructor(common, env) {
    this.common = common;
    this.env = env;
    this.phases = [];
  }

  run(phase, args) {
    say(`${phase}: qlik-azure ${args.join(' ')}`);
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args, ...this.common], {
      env: { ...process.env, ...this.env, CI: 'true', QLIK_AZURE_RECORD_LABEL: phase },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    let stdout = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; if (phase !== 'verify') process.stdout.write(chunk); });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    return new Promise((resolvePhase) => {
      child.on('close', (code, signal) => {
        clearTimeout(this.#killTimer);
        this.#child = undefined;
        const result = { phase, exitCode: code ?? 128 + (constants.signals[signal] ?? 0), durationMs: Date.now() - started, stdout };
        this.phases.push({ phase, exitCode: result.exitCode, durationMs: result.durationMs });
        say(`${phase}: exit ${result.exitCode} after ${Math.round(result.durationMs / 1000)} s`);
        resolvePhase(result);
      });
    });
  }

  /** Ctrl-C for the running command (it stops scheduling, records what is in flight); killed if it does not end in time. */
  interrupt() {
    const child = this.#child;
    if (!child) return;
    process.kill(child.pid, 'SIGINT');
    this.#killTimer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), STOP_GRACE_MS);
  }
}

async function confirmed(options, deployment) {
  if (options.confirmed) return true;
  if (!process.stdin.isTTY) throw new LiveInputError(`no confirmation: nothing was created. Fix: pass ${CONFIRM_FLAG}, or run it on a terminal and type the deployment name`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(`Type the deployment name (${deployment}) to start; anything else stops: `);
  prompt.close();
  return answer.trim() === deployment;
}

function recordingDirectory(options, now) {
  if (options.recordDir) return resolve(options.recordDir);
  const base = join(ROOT, 'test/recordings', `${now.toISOString().slice(0, 10)}-${options.location}`);
  let directory = base;
  for (let n = 2; existsSync(directory); n += 1) directory = `${base}-${n}`;
  return directory;
}

/** After destroy: a plan that would create the resource group again proves the group is gone. */
function groupIsGone(verify) {
  if (verify.exitCode !== 0) return undefined;
  try {
    return JSON.parse(verify.stdout).steps.find((step) => step.number === 1)?.change === 'create';
  } catch {
    return undefined;
  }
}

export async function main(argv) {
  let options;
  try {
    options = parseLiveOptions(argv);
    if (options.help) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    if (!existsSync(options.secretsFile)) throw new LiveInputError(`--secrets-file ${options.secretsFile} does not exist. Fix: write it (mode 0600) from examples/secrets.example.yaml`);
    const supplied = readSecretValues(options.secretsFile);
    const licenseMethod = supplied.licenseKey ? 'signed-key' : supplied.licenseSerial ? 'serial' : undefined;
    if (!licenseMethod) throw new LiveInputError(`--secrets-file ${options.secretsFile} holds no license. Fix: add licenseKey (a signed key or trial), or licenseSerial and licenseControl`);
    return await liveRun(options, supplied, licenseMethod);
  } catch (error) {
    if (!(error instanceof LiveInputError)) throw error;
    process.stderr.write(`live test: ${error.message}\n`);
    return EXIT.input;
  }
}

async function liveRun(options, supplied, licenseMethod) {
  const now = new Date();
  const config = liveDeploymentConfig(options, licenseMethod, now);
  const name = config.deployment;
  if (options.simulate) say('SIMULATION: the live test against the local simulator; nothing real is created or billed.');
  say(`Deployment ${name} (resource group rg-${name}) in ${options.location}, subscription ${options.subscription}, ${options.vmSize}, tagged ${Object.keys(config.tags).join(', ')}.`);
  for (const line of describeCost(options).split('\n')) say(line);
  const recordDir = recordingDirectory(options, now);
  if (existsSync(recordDir) && readdirSync(recordDir).length > 0) throw new LiveInputError(`--record-dir ${recordDir} already holds a recording. Fix: name another folder, or move that one away`);
  if (!(await confirmed(options, name))) {
    say('Not confirmed: nothing was created.');
    return EXIT.input;
  }

  const workDir = resolve(options.workDir ?? mkdtempSync(join(tmpdir(), 'qlik-azure-live-')));
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const configFile = join(workDir, 'qlik-azure.yaml');
  writeFileSync(configFile, stringify(config), { mode: 0o600 });
  const stateDir = join(workDir, 'state');
  say(`Recording to ${recordDir}; config and state in ${workDir}.`);
  const common = ['--config', configFile, '--state-dir', stateDir, ...(options.simulate ? ['--simulate'] : ['--auth', options.auth])];
  const cli = new CliPhases(common, { QLIK_AZURE_RECORD_DIR: recordDir });
  const secretsArgs = ['--secrets-file', options.secretsFile];

  let stopReason;
  let cleaning = false;
  const stop = (reason) => {
    if (cleaning) {
      say(`cleanup is running: leaving now may leave rg-${name} behind. Delete it with: az group delete --name rg-${name} --subscription ${options.subscription} --yes`);
      if (stopReason === 'interrupted-during-cleanup') process.exit(EXIT.interrupted);
      stopReason = 'interrupted-during-cleanup';
      return;
    }
    if (stopReason) return;
    stopReason = reason;
    say(`${reason}: stopping the run; destroy follows.`);
    cli.interrupt();
  };
  const onSignal = () => stop('interrupted');
  // A closed terminal (SIGHUP) must not stop the cleanup with a write error.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
  const limit = setTimeout(() => stop('time limit'), options.timeLimitMinutes * 60_000);

  let outcome = 'ok';
  try {
    const apply = stopReason ? undefined : await cli.run('apply', ['apply', '--yes', '--generate-secrets', ...secretsArgs]);
    if (!stopReason && apply.exitCode !== 0) outcome = 'apply failed';
    if (!stopReason && outcome === 'ok') {
      const plan = await cli.run('plan', ['plan', '--detailed-exitcode', ...secretsArgs]);
      if (!stopReason && plan.exitCode === 2) outcome = 'plan after apply shows changes';
      else if (!stopReason && plan.exitCode !== 0) outcome = 'plan failed';
    }
  } finally {
    clearTimeout(limit);
    cleaning = true;
  }

  let cleanupOver = false;
  const cleanupLimit = setTimeout(() => {
    cleanupOver = true;
    say(`cleanup took over ${CLEANUP_MINUTES} min: stopping it`);
    cli.interrupt();
  }, CLEANUP_MINUTES * 60_000);
  let destroyed = false;
  for (let attempt = 1; attempt <= 3 && !destroyed && !cleanupOver; attempt += 1) {
    destroyed = (await cli.run('destroy', ['destroy', '--yes', '--confirm', name])).exitCode === 0;
  }
  const gone = groupIsGone(await cli.run('verify', ['plan', '--json', ...secretsArgs]));
  clearTimeout(cleanupLimit);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(signal, onSignal);

  const secrets = { ...readSecretValues(join(stateDir, name, 'secrets.yaml')), ...supplied, subscriptionId: options.subscription, subscriptionIdUpperCase: options.subscription.toUpperCase() };
  const sasSignature = new URL(options.installerUrl).searchParams.get('sig');
  if (sasSignature) secrets.installerSasSignature = sasSignature;
  mkdirSync(recordDir, { recursive: true, mode: 0o700 });
  writeManifest(recordDir, {
    format: 1,
    source: options.simulate ? 'simulator' : 'azure',
    recordedAt: now.toISOString(),
    region: options.location,
    vmSize: options.vmSize,
    deployment: name,
    timeLimitMinutes: options.timeLimitMinutes,
    outcome: stopReason ?? outcome,
    resourceGroupGone: gone ?? 'unknown',
    phases: cli.phases,
    files: readdirSync(recordDir).filter((file) => file.endsWith('.ndjson')).sort(),
  });
  const leaks = refuseLeakingFiles(recordDir, secrets);
  for (const leak of leaks) say(`RECORDING REFUSED: ${leak.file} held the value of ${leak.names.join(', ')}; the file was deleted. The product (or a script) let it out: that is a bug to fix first.`);

  if (!destroyed || gone !== true) {
    say(`Cleanup is NOT confirmed: rg-${name} may still exist and cost money. Delete it with: az group delete --name rg-${name} --subscription ${options.subscription} --yes`);
    return EXIT.leftovers;
  }
  say(`Destroyed: rg-${name} is gone.`);
  if (stopReason === 'time limit') return EXIT.timeLimit;
  if (stopReason) return EXIT.interrupted;
  if (outcome !== 'ok' || leaks.length > 0) {
    say(`FAILED: ${leaks.length > 0 ? 'the recording held secrets' : outcome}.`);
    return EXIT.failed;
  }
  say(`Passed: apply, plan without changes, destroy, nothing left. Recording: ${recordDir}`);
  return EXIT.ok;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
