/**
 * How a run ends when it is cut short, with real child processes and real signals and pipes: a second
 * Ctrl-C leaves at once without leaving the lock or a temporary file behind; a reader that closes the
 * pipe early (`apply --json | head -3`, `resume --json | head`) stops the run as a first Ctrl-C does:
 * nothing new starts, the steps in flight finish and are recorded, the lock and temporary files are
 * gone, and the exit code is 141, not 0. Needs `npx tsc` first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExampleSecrets } from '../support/example-secrets.js';
import { runCli, startCli, ROOT, type RunningCli } from '../support/cli.js';
import { scratchDirectory } from './terminal.js';

const EXAMPLE_CONFIG = join(ROOT, 'examples', 'qlik-azure.yaml');

/** Resolves once the child's stdout holds `count` lines that match. */
function linesMatching(cli: RunningCli, pattern: RegExp, count = 1): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (cli.stdout().split('\n').filter((line) => pattern.test(line)).length >= count) {
        cli.child.stdout.off('data', check);
        resolve();
      }
    };
    cli.child.stdout.on('data', check);
    check();
  });
}

function journal(stateFolder: string): Record<string, { status: string }> {
  return (JSON.parse(readFileSync(join(stateFolder, 'state.json'), 'utf8')) as { journal: Record<string, { status: string }> }).journal;
}

/** What a stopped command must not leave in the deployment's folder: its lock, or a temporary file. */
function leftovers(stateFolder: string): string[] {
  return readdirSync(stateFolder).filter((name) => name === 'state.lock' || name.includes('.tmp-') || name.includes('.takeover-'));
}

async function setUp() {
  const cwd = scratchDirectory();
  const secrets = await copyExampleSecrets(cwd);
  const flags = ['--simulate', '--yes', '--json', '--config', EXAMPLE_CONFIG, '--secrets-file', secrets.path, '--state-dir', 'state'];
  return { cwd, flags, stateFolder: join(cwd, 'state', 'qlik-demo') };
}

describe('a run cut short', () => {
  it('a second Ctrl-C leaves at once, with exit 130, and releases the lock', async () => {
    const { cwd, flags, stateFolder } = await setUp();
    // Slow enough that steps are in flight when the signals arrive.
    const cli = startCli(['apply', ...flags], { cwd, env: { QLIK_AZURE_SIM_LATENCY: '0.1' } });
    await linesMatching(cli, /"type":"step-started"/, 2);
    cli.child.kill('SIGINT');
    await linesMatching(cli, /"type":"run-interrupting"/);
    cli.child.kill('SIGINT');
    const result = await cli.result;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('left at once; the state file is consistent');
    expect(leftovers(stateFolder)).toEqual([]);
    // The next command neither waits for the lock nor finds a stale one to take over.
    const status = await runCli(['resume', '--to-step', '1', ...flags.filter((flag) => flag !== '--json')], { cwd, env: { QLIK_AZURE_SIM_LATENCY: '0' } });
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stderr).not.toContain('stale lock');
  }, 120_000);

  it('a reader that leaves early stops apply and resume with exit 141; in-flight steps are recorded, nothing is left behind', async () => {
    const { cwd, flags, stateFolder } = await setUp();
    const env = { QLIK_AZURE_SIM_LATENCY: '0.1' };
    const apply = startCli(['apply', ...flags], { cwd, env });
    // As `| head -3`: the reader takes three lines, then closes its end of the pipe.
    await linesMatching(apply, /^\{/, 3);
    apply.child.stdout.destroy();
    const applied = await apply.result;
    expect(applied.code, applied.stderr).toBe(141);
    expect(leftovers(stateFolder)).toEqual([]);
    expect(Object.values(journal(stateFolder)).filter((entry) => entry.status === 'running')).toEqual([]);

    const resume = startCli(['resume', ...flags], { cwd, env });
    await linesMatching(resume, /"type":"step-started"/, 3);
    resume.child.stdout.destroy();
    const resumed = await resume.result;
    expect(resumed.code, resumed.stderr).toBe(141);
    expect(leftovers(stateFolder)).toEqual([]);
    const entries = Object.values(journal(stateFolder));
    // The steps that were in flight finished and were recorded; the rest never started.
    expect(entries.filter((entry) => entry.status === 'running')).toEqual([]);
    expect(entries.filter((entry) => entry.status === 'done').length).toBeGreaterThanOrEqual(3);
    expect(entries.filter((entry) => entry.status === 'pending').length).toBeGreaterThan(0);

    const finish = await runCli(['resume', ...flags], { cwd, env: { QLIK_AZURE_SIM_LATENCY: '0' } });
    expect(finish.code, finish.stderr).toBe(0);
    expect(finish.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string }).at(-1)).toMatchObject({ type: 'summary', ok: true });
  }, 180_000);
});
