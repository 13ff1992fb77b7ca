/**
 * The simulated world outlives a --simulate command: through the built CLI, a second apply changes no
 * Azure resource, a run stopped by Ctrl-C or SIGKILL is resumed to the end, destroy empties the world,
 * and simulation.json is 0600 and holds no secret value.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RUNNABLE_STEPS } from '../../src/engine/catalogue.js';
import { ROOT, runCli, startCli, type CliResult } from '../support/cli.js';
import { copyExampleSecrets, leakedExampleSecrets, type ExampleSecrets } from '../support/example-secrets.js';

const DEPLOYMENT = 'qlik-demo';
const ALL_STEPS = RUNNABLE_STEPS.map((entry) => entry.number);
/** The steps that create Azure resources; on a second run each must find its resource as it is. */
const AZURE_RESOURCE_STEPS = [1, 5, 13, 16, 25, 26, 29];
const VM_STEP = 29;

interface StepFinished { type: 'step-finished'; step: number; change: string }

function stepsFinished(stdout: string): StepFinished[] {
  return stdout.split('\n').filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string })
    .filter((event): event is StepFinished => event.type === 'step-finished');
}

let dir: string;
let secrets: ExampleSecrets;
const stateDir = () => join(dir, 'state');
const simulationFile = () => join(stateDir(), DEPLOYMENT, 'simulation.json');
const flags = () => ['--simulate', '--yes', '--json', '--config', join(ROOT, 'examples/qlik-azure.yaml'), '--secrets-file', secrets.path, '--state-dir', stateDir()];
const cli = (command: string, ...extra: string[]) => runCli([command, ...flags(), ...extra], { cwd: dir });

async function doneSteps(): Promise<number[]> {
  const state = JSON.parse(await readFile(join(stateDir(), DEPLOYMENT, 'state.json'), 'utf8')) as { journal: Record<string, { status: string }> };
  return Object.entries(state.journal).filter(([, entry]) => entry.status === 'done').map(([step]) => Number(step)).sort((a, b) => a - b);
}

function expectOk(result: CliResult): void {
  expect(result.code, result.stdout + result.stderr).toBe(0);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qlik-azure-sim-world-'));
  secrets = await copyExampleSecrets(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('a deployment keeps its simulated world between --simulate commands', () => {
  it('a second apply finds the Azure resources of the first and changes none of them', async () => {
    expectOk(await cli('apply', '--to-step', '33'));
    const second = await cli('apply');
    expectOk(second);
    expect(await doneSteps()).toEqual(ALL_STEPS);
    const azurePhase = stepsFinished(second.stdout).filter((event) => event.step <= 30);
    expect(azurePhase.map((event) => event.step).sort((a, b) => a - b)).toEqual(ALL_STEPS.filter((step) => step <= 30));
    expect(azurePhase.filter((event) => !['unchanged', 'checked'].includes(event.change))).toEqual([]);
    expect(azurePhase.filter((event) => AZURE_RESOURCE_STEPS.includes(event.step)).every((event) => event.change === 'unchanged')).toBe(true);
  }, 120_000);

  it.each(['SIGINT', 'SIGKILL'] as const)('a run stopped by %s once the VM exists is resumed to the end on that VM', async (signal) => {
    const running = startCli(['apply', ...flags()], { cwd: dir });
    await new Promise<void>((resolve) => {
      const watch = setInterval(() => {
        if (stepsFinished(running.stdout()).some((event) => event.step === VM_STEP)) {
          clearInterval(watch);
          resolve();
        }
      }, 10);
    });
    running.child.kill(signal);
    const stopped = await running.result;
    expect(stopped.code).not.toBe(0);
    expect((await doneSteps()).length).toBeLessThan(ALL_STEPS.length);

    const resumed = await cli('resume');
    expectOk(resumed);
    expect(await doneSteps()).toEqual(ALL_STEPS);
    // Resume does not run step 29 again: the VM steps could only succeed on the VM the stopped run made.
    expect(stepsFinished(resumed.stdout).map((event) => event.step)).not.toContain(VM_STEP);
  }, 120_000);

  it('destroy deletes the simulated resource group; status then shows nothing done', async () => {
    expectOk(await cli('apply'));
    expectOk(await runCli(['destroy', ...flags(), '--confirm', DEPLOYMENT], { cwd: dir }));
    const world = JSON.parse(await readFile(simulationFile(), 'utf8')) as { simulator: { resources: unknown[] }; machines: Record<string, unknown> };
    expect(world.simulator.resources).toEqual([]);
    expect(world.machines).toEqual({});
    const status = await runCli(['status', '--json', '--state-dir', stateDir(), '--config', join(ROOT, 'examples/qlik-azure.yaml')], { cwd: dir });
    expectOk(status);
    const journal = (JSON.parse(status.stdout) as { journal: Record<string, { status: string }> }).journal;
    expect(Object.values(journal).filter((entry) => entry.status === 'done')).toEqual([]);
  }, 120_000);

  it('simulation.json is 0600 and holds no secret value', async () => {
    const applied = await cli('apply');
    expectOk(applied);
    expect((await stat(simulationFile())).mode & 0o777).toBe(0o600);
    const text = await readFile(simulationFile(), 'utf8');
    expect(leakedExampleSecrets(secrets, text)).toEqual([]);
    // Nor a digest of one that could be guessed offline: the plain hashes, in hex and base64.
    const digests = secrets.values.flatMap((value) => ['md5', 'sha1', 'sha256', 'sha512'].flatMap((algorithm) => ['hex', 'base64'].map((encoding) => createHash(algorithm).update(value).digest(encoding as 'hex'))));
    expect(digests.filter((digest) => text.includes(digest) || text.includes(digest.slice(0, 40).toUpperCase()))).toEqual([]);
    expect(JSON.parse(text)).toMatchObject({ schemaVersion: 1, deployment: DEPLOYMENT });
  }, 120_000);

  it('a simulation.json from another schema version is set aside with a warning, and the run starts fresh', async () => {
    expectOk(await cli('apply', '--to-step', '1'));
    const saved = JSON.parse(await readFile(simulationFile(), 'utf8')) as Record<string, unknown>;
    await writeFile(simulationFile(), JSON.stringify({ ...saved, schemaVersion: 999 }), { mode: 0o600 });
    const rerun = await cli('apply', '--to-step', '1');
    expectOk(rerun);
    expect(rerun.stderr).toMatch(/simulation\.json has schema version 999.*starts from an empty Azure/);
    expect(stepsFinished(rerun.stdout).find((event) => event.step === 1)?.change).toBe('create');
  }, 120_000);
});
