/**
 * Issue 13, "a newcomer's first hour": the wrong turns a new user met between the README and a deployment.
 * Runs the built CLI without a terminal, as CI and scripts do. Needs `npx tsc` first.
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPiped } from './run.js';
import { ROOT, scratchDirectory, startTerminal } from './terminal.js';

const EXAMPLE_CONFIG = join(ROOT, 'examples', 'qlik-azure.yaml');
const FAST = { QLIK_AZURE_SIM_LATENCY: '0', NO_COLOR: '1' };
const SUBSCRIPTION = '11111111-2222-4333-8444-555555555555';

function withExampleSecrets(): string {
  const cwd = scratchDirectory();
  copyFileSync(join(ROOT, 'examples', 'secrets.example.yaml'), join(cwd, 'secrets.yaml'));
  chmodSync(join(cwd, 'secrets.yaml'), 0o600);
  return cwd;
}

/** The example secrets with the values a user would put in: nothing starts with "example-". */
function withOwnSecrets(): string {
  const cwd = withExampleSecrets();
  const path = join(cwd, 'secrets.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/"Example-Only-/g, '"Own-Chosen-').replace('example-only.signed-license-key.not-valid', 'own.signed-license-key.value'));
  return cwd;
}

/** A PATH holding only node: no `az`, as on a machine where the Azure CLI is missing or signed out. */
function pathWithoutAz(cwd: string): string {
  const bin = join(cwd, 'bin-without-az');
  mkdirSync(bin, { recursive: true });
  return `${bin}:${dirname(process.execPath)}`;
}

describe('simulated and real deployments never share state (item 2)', () => {
  it('a real command on a simulated deployment is refused with exit 3, saying to add --simulate', async () => {
    const cwd = withOwnSecrets();
    const simulated = await runPiped(['apply', '--simulate', '--yes', '--to-step', '1', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: FAST });
    expect(simulated.code).toBe(0);
    const statePath = join(cwd, 'state', 'qlik-demo', 'state.json');
    const before = readFileSync(statePath, 'utf8');
    expect((JSON.parse(before) as { simulated?: boolean }).simulated).toBe(true);
    const real = await runPiped(['apply', '--yes', '--subscription', SUBSCRIPTION, '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: { ...FAST, PATH: pathWithoutAz(cwd) } });
    expect(real.code).toBe(3);
    expect(real.stderr).toContain('--simulate');
    expect(real.stderr).toContain('simulated');
    expect(real.stdout).not.toContain('cannot tell');
    expect(readFileSync(statePath, 'utf8')).toBe(before);
  });

  it('a --simulate command on a real deployment is refused with exit 3, saying to remove --simulate', async () => {
    const cwd = withExampleSecrets();
    const now = new Date().toISOString();
    mkdirSync(join(cwd, 'state', 'qlik-demo'), { recursive: true, mode: 0o700 });
    chmodSync(join(cwd, 'state'), 0o700);
    writeFileSync(join(cwd, 'state', 'qlik-demo', 'state.json'), JSON.stringify({ schemaVersion: 1, lineage: 'l', serial: 1, deployment: 'qlik-demo', toolVersion: '0', createdAt: now, updatedAt: now, simulated: false, journal: {} }), { mode: 0o600 });
    for (const command of [['apply', '--yes'], ['destroy', '--yes', '--confirm', 'qlik-demo'], ['plan']]) {
      const run = await runPiped([...command, '--simulate', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: FAST });
      expect(run.code, command[0]).toBe(3);
      expect(run.stderr, command[0]).toContain('remove --simulate');
    }
  });

  it('a failed sign-in stops the run at once with the az login advice, before any plan row', async () => {
    const cwd = withOwnSecrets();
    const run = await runPiped(['apply', '--yes', '--auth', 'cli', '--subscription', SUBSCRIPTION, '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: { ...FAST, PATH: pathWithoutAz(cwd) } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('az login');
    expect(run.stdout).not.toContain('cannot tell');
    expect(run.stdout).not.toContain('Plan for');
  });
});

describe('plan shows what changes (item 9)', () => {
  it('a second apply says "No changes." and runs nothing; plan says so too', async () => {
    const cwd = withExampleSecrets();
    const args = ['--simulate', '--to-step', '1', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'];
    const first = await runPiped(['apply', '--yes', ...args], { cwd, env: FAST });
    expect(first.code).toBe(0);
    const second = await runPiped(['apply', '--yes', ...args], { cwd, env: FAST });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('No changes.');
    expect(second.stdout).not.toMatch(/: (?:started|created|checked)/);
    const plan = await runPiped(['plan', ...args], { cwd, env: FAST });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    expect(plan.stdout).not.toMatch(/^ {2}[+~=·!] {1,2}\d{1,2} /m);
  });
});

describe('destroy says what it deletes (item 8)', () => {
  it('under --simulate shows the banner and the resources before asking; a mistyped name exits 3 and deletes nothing', async () => {
    const cwd = withExampleSecrets();
    const args = ['--simulate', '--config', EXAMPLE_CONFIG, '--state-dir', 'state'];
    expect((await runPiped(['apply', '--yes', '--to-step', '1', '--secrets-file', 'secrets.yaml', ...args], { cwd, env: FAST })).code).toBe(0);
    const terminal = startTerminal(['destroy', ...args], { cwd, env: FAST });
    try {
      await terminal.reply('Type the deployment name (qlik-demo) to confirm', 'qlik-dem');
      const code = await terminal.exited;
      const screen = terminal.text();
      expect(code).toBe(3);
      expect(screen).toContain('SIMULATION');
      expect(screen.indexOf('rg-qlik-demo')).toBeLessThan(screen.indexOf('Type the deployment name'));
      expect(screen).toMatch(/VM qlik-demo-vm/);
      expect(screen).toContain('Nothing deleted');
    } finally {
      terminal.kill();
    }
    const still = await runPiped(['plan', ...args, '--secrets-file', 'secrets.yaml'], { cwd, env: FAST });
    expect(still.stdout).not.toMatch(/\+ {2}1 Resource group/);
  });
});

describe('the summary says where each password lives, never a name as if it were the value (item 5)', () => {
  it('names the file, and says "generated" only of passwords it generated', async () => {
    const cwd = withExampleSecrets();
    const run = await runPiped(['apply', '--simulate', '--yes', '--to-step', '1', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: FAST });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/password: \w+Password/);
    expect(run.stdout).toMatch(/qlik-demo\\QSAdmin +password in secrets\.yaml \(qlikAdminPassword\)/);
    expect(run.stdout).not.toContain('generated passwords');
  });

  it('with the secrets file in the state folder (the wizard\'s), names it once and calls nothing generated', async () => {
    const cwd = withExampleSecrets();
    mkdirSync(join(cwd, 'state', 'qlik-demo'), { recursive: true, mode: 0o700 });
    chmodSync(join(cwd, 'state'), 0o700);
    copyFileSync(join(cwd, 'secrets.yaml'), join(cwd, 'state', 'qlik-demo', 'secrets.yaml'));
    const run = await runPiped(['apply', '--simulate', '--yes', '--to-step', '1', '--config', EXAMPLE_CONFIG, '--secrets-file', 'state/qlik-demo/secrets.yaml', '--state-dir', 'state'], { cwd, env: FAST });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Secrets: +state\/qlik-demo\/secrets\.yaml \(mode 0600\)\n/);
    expect(run.stdout).not.toContain('generated passwords');
  });
});

describe('the example secrets are for trying, not deploying (item 6)', () => {
  it('are refused outside --simulate, naming each value and the fix, and accepted with it', async () => {
    const cwd = withExampleSecrets();
    const real = await runPiped(['apply', '--yes', '--subscription', SUBSCRIPTION, '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: { ...FAST, PATH: pathWithoutAz(cwd) } });
    expect(real.code).toBe(3);
    for (const name of ['vmAdminPassword', 'qlikAdminPassword', 'licenseKey']) expect(real.stderr).toMatch(new RegExp(`secrets\\.${name}: is the example file's dummy value`));
    expect(real.stderr).toContain('accepted only with --simulate');
    expect(real.stderr).not.toContain('Example-Only');
    const plan = await runPiped(['plan', '--simulate', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: FAST });
    expect(plan.code, plan.stderr).toBe(0);
  });
});

describe('init says which config it uses (item 3)', () => {
  it('with qlik-azure.yaml in the folder, names it before the plan', async () => {
    const cwd = withExampleSecrets();
    copyFileSync(EXAMPLE_CONFIG, join(cwd, 'qlik-azure.yaml'));
    const run = await runPiped(['init', '--simulate', '--dry-run', '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: FAST });
    expect(run.code, run.stderr).toBe(0);
    const using = run.stdout.indexOf('Using qlik-azure.yaml');
    expect(using).toBeGreaterThanOrEqual(0);
    expect(using).toBeLessThan(run.stdout.indexOf('Plan for'));
    expect(run.stdout).toContain('the wizard runs where there is none');
  });
});

describe('where the full output of a VM script goes is a detail, not a warning (item 10)', () => {
  it('is shown only with --verbose (a failure names it in its message)', async () => {
    const cwd = withExampleSecrets();
    const args = ['apply', '--simulate', '--yes', '--to-step', '34', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml'];
    const quiet = await runPiped([...args, '--state-dir', 'quiet'], { cwd, env: FAST });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toContain('34 Reach the VM');
    expect(quiet.stdout).not.toContain('full output of');
    const verbose = await runPiped([...args, '--state-dir', 'verbose', '--verbose'], { cwd, env: FAST });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stdout).toMatch(/34 Reach the VM: note full output of vm\/readiness\.ps1 goes to https:/);
  });
});

describe('hints that work (item 7)', () => {
  it('resume and plan without secrets never suggest --generate-secrets, which they do not take', async () => {
    const cwd = scratchDirectory();
    for (const command of ['resume', 'plan']) {
      const run = await runPiped([command, '--simulate', '--yes', '--config', EXAMPLE_CONFIG, '--state-dir', 'state'], { cwd, env: FAST });
      expect(run.code, command).toBe(3);
      expect(run.stderr, command).toContain('secrets.vmAdminPassword: is missing');
      expect(run.stderr, command).not.toContain('--generate-secrets');
    }
    const apply = await runPiped(['apply', '--simulate', '--yes', '--config', EXAMPLE_CONFIG, '--state-dir', 'state'], { cwd, env: FAST });
    expect(apply.stderr).toContain('--generate-secrets');
  });

  it('destroy -d NAME works from the state alone, without the config', async () => {
    const cwd = withExampleSecrets();
    expect((await runPiped(['apply', '--simulate', '--yes', '--to-step', '1', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: FAST })).code).toBe(0);
    const run = await runPiped(['destroy', '--simulate', '-d', 'qlik-demo', '--state-dir', 'state', '--yes', '--confirm', 'qlik-demo'], { cwd, env: FAST });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Deleted rg-qlik-demo');
    expect(run.stderr).not.toContain('--location');
  });
});

describe('init --example writes a config and a secrets template to start from (item 7)', () => {
  it('writes qlik-azure.yaml and secrets.yaml (0600) here, which a simulated run takes as they are; never overwrites', async () => {
    const cwd = scratchDirectory();
    const run = await runPiped(['init', '--example'], { cwd, env: FAST });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'qlik-azure.yaml'), 'utf8')).toBe(readFileSync(EXAMPLE_CONFIG, 'utf8'));
    expect(statSync(join(cwd, 'secrets.yaml')).mode & 0o777).toBe(0o600);
    expect(run.stdout).toContain('qlik-azure plan --simulate --secrets-file secrets.yaml');
    const plan = await runPiped(['plan', '--simulate', '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: FAST });
    expect(plan.code, plan.stderr).toBe(0);
    const again = await runPiped(['init', '--example'], { cwd, env: FAST });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('qlik-azure.yaml already exists');
  });
});

describe('an old Node is refused at start (item 1)', () => {
  it('says in one line which Node it needs, with exit 3', async () => {
    const cwd = scratchDirectory();
    // Node 20 as seen by the program: the shim reads process.versions.node before anything else.
    writeFileSync(join(cwd, 'node20.cjs'), "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.11.1' } });\n");
    const run = await runPiped(['--version'], { cwd, env: { NODE_OPTIONS: `--require ${join(cwd, 'node20.cjs')}` } });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe('qlik-azure needs Node.js 22 or newer; this is Node 20.11.1. Fix: install Node 22 (https://nodejs.org) and run it again.\n');
    expect(run.stdout).toBe('');
  });
});

describe('help (item 15)', () => {
  it('a subcommand\'s --help shows the global flags too', async () => {
    const run = await runPiped(['apply', '--help'], { cwd: scratchDirectory() });
    expect(run.code).toBe(0);
    for (const flag of ['--simulate', '--state-dir <dir>', '--secrets-file <file>', '--from-step <n>']) expect(run.stdout).toContain(flag);
  });
});
