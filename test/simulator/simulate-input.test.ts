/**
 * Bad input to --simulate is refused like bad config (exit 3, the env var or file named with the fix),
 * and the command ends: a fault profile that does not exist, a seed that is not a number, a simulation.json
 * of the wrong shape. Through the built CLI; a run that has not ended after 30 s is killed and fails.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startCli, type CliResult } from '../support/cli.js';
import { copyExampleSecrets, type ExampleSecrets } from '../support/example-secrets.js';

let dir: string;
let secrets: ExampleSecrets;
let saved: Record<string, unknown>;
const stateDir = () => join(dir, 'state');
const simulationFile = () => join(stateDir(), 'qlik-demo', 'simulation.json');
const flags = () => ['--simulate', '--yes', '--json', '--config', join(ROOT, 'examples/qlik-azure.yaml'), '--secrets-file', secrets.path, '--state-dir', stateDir()];

/** The CLI, killed after 30 s so a hang fails the test instead of the suite. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { hung: boolean }> {
  const running = startCli(args, { cwd: dir, env });
  let hung = false;
  const timer = setTimeout(() => { hung = true; running.child.kill('SIGKILL'); }, 30_000);
  const result = await running.result;
  clearTimeout(timer);
  return { ...result, hung };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qlik-azure-sim-input-'));
  secrets = await copyExampleSecrets(dir);
  const first = await cli(['apply', ...flags(), '--to-step', '1']);
  expect(first.code, first.stdout + first.stderr).toBe(0);
  saved = JSON.parse(await readFile(simulationFile(), 'utf8')) as Record<string, unknown>;
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('--simulate refuses bad input with exit 3 and ends', () => {
  it.each([
    ['an unknown fault profile', { QLIK_AZURE_SIM_FAULTS: 'very-flaky' }, /QLIK_AZURE_SIM_FAULTS.*very-flaky.*flaky/s],
    ['fault rules that are not rules', { QLIK_AZURE_SIM_FAULTS: '[{"kind":"explode"}]' }, /QLIK_AZURE_SIM_FAULTS.*kind/s],
    ['a seed that is not a number', { QLIK_AZURE_SIM_SEED: 'lucky' }, /QLIK_AZURE_SIM_SEED.*whole number/s],
  ])('%s', async (_name, env, message) => {
    const result = await cli(['plan', ...flags()], env);
    expect(result.hung).toBe(false);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout + result.stderr).toMatch(message);
  }, 40_000);

  it.each([
    ['resources: null', (doc: any) => ({ ...doc, simulator: { ...doc.simulator, resources: null } })],
    ['operations: 5', (doc: any) => ({ ...doc, simulator: { ...doc.simulator, operations: 5 } })],
    ["baseUrl: 'not a url'", (doc: any) => ({ ...doc, simulator: { ...doc.simulator, baseUrl: 'not a url' } })],
    ['machines: "x"', (doc: any) => ({ ...doc, machines: 'x' })],
  ])('a simulation.json with %s', async (_name, spoil) => {
    await writeFile(simulationFile(), JSON.stringify(spoil(saved)), { mode: 0o600 });
    const result = await cli(['apply', ...flags()]);
    expect(result.hung).toBe(false);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout + result.stderr).toContain(simulationFile());
    // --json: the fix is a field of its own.
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ type: 'error', exitCode: 3, fix: expect.stringMatching(/^delete /) });
    await writeFile(simulationFile(), JSON.stringify(saved), { mode: 0o600 });
  }, 40_000);
});
