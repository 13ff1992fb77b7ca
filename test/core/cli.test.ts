import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { copyExampleSecrets } from '../support/example-secrets.js';

const EXAMPLE = 'examples/qlik-azure.yaml';

describe('qlik-azure steps', () => {
  it('lists the guide\'s 48 numbered steps', async () => {
    const result = await runCli(['steps']);
    expect(result.code).toBe(0);
    for (let n = 1; n <= 48; n++) expect(result.stdout).toMatch(new RegExp(`^\\s*${n}  `, 'm'));
    expect(result.stdout).toMatch(/48 steps: \d+ actions, \d+ checks, \d+ folded into a neighbour, \d+ informational/);
    expect(result.stdout).toMatch(/44 {2}Qlik administrator/);
  });

  it('has a --json form that parses, with the kind of every step', async () => {
    const result = await runCli(['steps', '--json']);
    const parsed = JSON.parse(result.stdout) as { steps: { number: number; kind: string; into?: number }[] };
    expect(parsed.steps.map((s) => s.number)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    expect(parsed.steps.find((s) => s.number === 11)).toMatchObject({ kind: 'folded', into: 5 });
  });
});

describe('qlik-azure plan --offline', () => {
  it('with --all prints 48 entries with symbols and a summary line', async () => {
    const result = await runCli(['plan', '--offline', '--all', '--config', EXAMPLE]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const entries = result.stdout.split('\n').filter((line) => /^ {2}[+~=·!] {1,2}\d{1,2} /.test(line));
    expect(entries).toHaveLength(48);
    expect(result.stdout).toMatch(/\+ {2}1 Resource group/);
    expect(result.stdout).toMatch(/· 11 Open the Qlik ports\s+folded into step 5/);
    expect(result.stdout).toMatch(/^Plan: \d+ to create, 0 to update, 0 unchanged, \d+ checks; \d+ folded, informational or not in this run\.$/m);
  });

  it('without --all lists only the rows that change something, and says how many it left out (issue 13 item 9)', async () => {
    const result = await runCli(['plan', '--offline', '--config', EXAMPLE]);
    expect(result.code).toBe(0);
    const entries = result.stdout.split('\n').filter((line) => /^ {2}[+~=·!] {1,2}\d{1,2} /.test(line));
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.every((line) => line.startsWith('  +'))).toBe(true);
    const created = Number(/^Plan: (\d+) to create/m.exec(result.stdout)?.[1]);
    expect(entries).toHaveLength(created);
    expect(result.stdout).toContain(`(${48 - created} rows that change nothing are not listed; --all lists every step.)`);
  });

  it('has a --json form that parses, and --detailed-exitcode says 2 when there are changes', async () => {
    const result = await runCli(['plan', '--offline', '--json', '--detailed-exitcode', '--config', EXAMPLE]);
    expect(result.code).toBe(2);
    const plan = JSON.parse(result.stdout) as { steps: { number: number; symbol: string }[]; summary: { create: number; hasChanges: boolean } };
    expect(plan.steps).toHaveLength(48);
    expect(plan.summary.hasChanges).toBe(true);
    expect(plan.summary.create).toBeGreaterThan(10);
  });

  it('respects --to-step', async () => {
    const result = await runCli(['plan', '--offline', '--json', '--to-step', '33', '--config', EXAMPLE]);
    const plan = JSON.parse(result.stdout) as { steps: { number: number; change: string }[] };
    expect(plan.steps.filter((s) => s.number > 33).every((s) => ['not-selected', 'folded', 'info'].includes(s.change))).toBe(true);
    expect(plan.steps.find((s) => s.number === 29)?.change).toBe('create');
  });
});

describe('bad input', () => {
  it('stops before anything runs, naming each field and its fix, with exit code 3', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-cli-'));
    const config = join(dir, 'bad.yaml');
    await writeFile(config, 'deployment: demo\nlocation: West Europe\nvm:\n  computerName: qliksenseserver01\nnetwork:\n  allowedSourceCidrs: ["*"]\n');
    const result = await runCli(['plan', '--offline', '--config', config]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("location: 'West Europe' is a display name");
    expect(result.stderr).toContain('vm.computerName:');
    expect(result.stderr).toContain('network.allowedSourceCidrs:');
    expect(result.stderr.match(/Fix:/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses an unknown flag with usage help and exit code 3', async () => {
    const result = await runCli(['plan', '--ofline']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/unknown option '--ofline'/);
  });

  it('refuses a concurrency that would run nothing', async () => {
    const result = await runCli(['apply', '--concurrency', '0']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/'0' is not a number of steps to run at once/);
  });

  it('refuses a step number outside the guide', async () => {
    const result = await runCli(['plan', '--offline', '--from-step', '60', '--config', EXAMPLE]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/--from-step 60: the guide's steps are numbered 1-48/);
  });

  it('in a non-interactive run, apply without secrets names every missing one and exits 3 at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-cli-'));
    const result = await runCli(['apply', '--config', EXAMPLE, '--state-dir', dir, '--simulate']);
    expect(result.code).toBe(3);
    for (const name of ['vmAdminPassword', 'serviceAccountPassword', 'qlikAdminPassword', 'repositoryDbPassword', 'localUserPassword', 'licenseKey']) {
      expect(result.stderr).toContain(`secrets.${name}: is missing`);
    }
  });
});

describe('qlik-azure config schema', () => {
  it('prints a JSON Schema with every top-level section', async () => {
    const result = await runCli(['config', 'schema']);
    const schema = JSON.parse(result.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['deployment', 'location', 'network', 'storage', 'vm', 'qlik']));
  });
});

describe('one message for everything missing', () => {
  it('lists config problems and the missing --yes together when nothing can be asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-cli-'));
    const config = join(dir, 'partial.yaml');
    await writeFile(config, 'location: westeurope\n');
    const result = await runCli(['apply', '--config', config, '--state-dir', dir, '--simulate']);
    expect(result.code).toBe(3);
    for (const field of ['deployment:', 'network.allowedSourceCidrs:', '--yes:']) expect(result.stderr).toContain(field);
  });
});

describe('a damaged state file (issue 12 item 6)', () => {
  async function damagedState(journal: Record<string, unknown>, deployment = 'qlik-demo') {
    const dir = await mkdtemp(join(tmpdir(), 'qa-cli-'));
    await mkdir(join(dir, 'qlik-demo'), { mode: 0o700 });
    const now = new Date().toISOString();
    await writeFile(join(dir, 'qlik-demo', 'state.json'), JSON.stringify({ schemaVersion: 1, lineage: 'l-1', serial: 3, deployment, toolVersion: '0.0.0', createdAt: now, updatedAt: now, journal }), { mode: 0o600 });
    return dir;
  }
  it('status, resume and apply stop with exit 3, naming the file, the entry and the fix, instead of crashing', async () => {
    const dir = await damagedState({ 23: { status: 'done' } });
    const secrets = await copyExampleSecrets(dir);
    const run = ['--yes', '--simulate', '--config', EXAMPLE, '--secrets-file', secrets.path];
    for (const args of [['status', '-d', 'qlik-demo'], ['resume', ...run], ['apply', ...run]]) {
      const result = await runCli([...args, '--state-dir', dir]);
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(3);
      expect(result.stderr).toContain(join(dir, 'qlik-demo', 'state.json'));
      expect(result.stderr).toMatch(/journal entry for step 23 .*outputs.*Fix: /);
      expect(result.stderr).not.toMatch(/Cannot read properties/);
    }
  });

  it('status -d with a path refuses to read outside the state folder (issue 12 item 7)', async () => {
    const dir = await damagedState({});
    await mkdir(join(dir, 'x'));
    const result = await runCli(['status', '-d', '../x', '--state-dir', join(dir, 'qlik-demo')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/--deployment: '\.\.\/x' is not a valid deployment name/);
  });

  it('apply refuses a deployment folder others may write to, with exit 3 and the chmod that fixes it (issue 12 item 7)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-cli-'));
    const secrets = await copyExampleSecrets(dir);
    await mkdir(join(dir, 'state', 'qlik-demo'), { recursive: true });
    await chmod(join(dir, 'state', 'qlik-demo'), 0o777);
    const result = await runCli(['apply', '--yes', '--simulate', '--config', EXAMPLE, '--secrets-file', secrets.path, '--state-dir', join(dir, 'state')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${join(dir, 'state', 'qlik-demo')} is writable by other users (mode 777)`);
    expect(result.stderr).toContain(`Fix: chmod 700 ${join(dir, 'state', 'qlik-demo')}`);
    expect(existsSync(join(dir, 'state', 'qlik-demo', 'state.json'))).toBe(false);
  });

  it('a state naming another deployment is refused with exit 3', async () => {
    const dir = await damagedState({}, 'someone-else');
    const result = await runCli(['status', '-d', 'qlik-demo', '--state-dir', dir]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/belongs to deployment 'someone-else', not 'qlik-demo'/);
  });
});

describe('a disk that fills up during a run (issue 12 item 8)', () => {
  it('names the file, says the disk is full, ends with the summary and the resume line; resume then finishes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-cli-'));
    const secrets = await copyExampleSecrets(dir);
    const stateDir = join(dir, 'state');
    const args = ['--yes', '--simulate', '--config', EXAMPLE, '--secrets-file', secrets.path, '--state-dir', stateDir];
    const full = await runCli(['apply', ...args], { env: { QLIK_AZURE_TEST_WRITE_FAULT: 'state.json:20:ENOSPC' } });
    const statePath = join(stateDir, 'qlik-demo', 'state.json');
    expect(full.code, full.stderr).toBe(1);
    expect(full.stderr).toContain(`cannot write ${statePath}: the disk is full (ENOSPC). Fix: free some space`);
    expect(full.stdout).toMatch(/Resume: +qlik-azure resume /);
    expect(full.stderr + full.stdout).not.toMatch(/^Error: ENOSPC/m);
    expect((await readdir(join(stateDir, 'qlik-demo'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
    const resumed = await runCli(['resume', ...args]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("Deployment 'qlik-demo' is ready.");
  }, 120_000);
});

describe('secret checks give no false alarm (issue 12 item 5)', () => {
  it('a serial license whose control number is the Windows build and whose serial is inside the simulated subscription id deploys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-cli-'));
    const secrets = await copyExampleSecrets(dir);
    // The example's own serial and control (all zeros) are inside the simulated subscription id; 20348 is the Windows build step 34 records.
    await writeFile(secrets.path, `${await readFile(secrets.path, 'utf8')}\nlicenseSerial: "0000000000000000"\nlicenseControl: "20348"\n`);
    const config = join(dir, 'serial.yaml');
    await writeFile(config, (await readFile(EXAMPLE, 'utf8')).replace('method: signed-key', 'method: serial\n    owner: Example Owner\n    organization: Example Org'));
    const result = await runCli(['apply', '--yes', '--simulate', '--config', config, '--secrets-file', secrets.path, '--state-dir', join(dir, 'state')]);
    expect(result.stderr).not.toMatch(/would contain a secret/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Deployment 'qlik-demo' is ready.");
    const state = await readFile(join(dir, 'state', 'qlik-demo', 'state.json'), 'utf8');
    expect(state).toContain('20348'); // the build, recorded as it is
  }, 120_000);
});
