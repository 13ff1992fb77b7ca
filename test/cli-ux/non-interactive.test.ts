/**
 * Without a terminal (pipes, CI) the CLI never prompts: missing answers fail at once with exit 3,
 * naming every missing setting; NO_COLOR output carries no escape codes. Needs `npx tsc` first.
 */
import { copyFileSync, chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runPiped } from './run.js';
import { ROOT, scratchDirectory } from './terminal.js';

const EXAMPLE_CONFIG = join(ROOT, 'examples', 'qlik-azure.yaml');
// Generous for a loaded CI machine; the report gives the measured figure.
const AT_ONCE_MS = 5_000;

describe('without a terminal', () => {
  it('init with no config stops at once and names what to pass', async () => {
    const run = await runPiped(['init'], { cwd: scratchDirectory() });
    console.log(`init without config, no terminal: exit ${run.code} in ${run.ms} ms`);
    expect(run.code).toBe(3);
    expect(run.ms).toBeLessThan(AT_ONCE_MS);
    expect(run.stderr).toContain('--config');
    expect(run.stderr).toContain('--secrets-file');
    expect(run.stdout).toBe('');
  });

  // The schema's cross-field rules (such as "no source addresses are allowed") run only once every
  // field passes, so a config with field problems lists those first; see the report.
  it('a config missing settings names every one of them', async () => {
    const cwd = scratchDirectory();
    writeFileSync(join(cwd, 'partial.yaml'), 'vm:\n  computerName: qlik-central-node-01\n');
    const run = await runPiped(['apply', '--simulate', '--yes', '--config', 'partial.yaml'], { cwd });
    console.log(`apply with a partial config, no terminal: exit ${run.code} in ${run.ms} ms`);
    expect(run.code).toBe(3);
    expect(run.ms).toBeLessThan(AT_ONCE_MS);
    for (const field of ['deployment', 'location', 'vm.computerName']) expect(run.stderr).toContain(`${field}:`);
  });

  it('missing secrets are all named, with the flag that supplies them', async () => {
    const run = await runPiped(['apply', '--simulate', '--yes', '--config', EXAMPLE_CONFIG, '--state-dir', 'state'], { cwd: scratchDirectory() });
    console.log(`apply without secrets, no terminal: exit ${run.code} in ${run.ms} ms`);
    expect(run.code).toBe(3);
    expect(run.ms).toBeLessThan(AT_ONCE_MS);
    for (const name of ['vmAdminPassword', 'serviceAccountPassword', 'qlikAdminPassword', 'localUserPassword', 'repositoryDbPassword', 'licenseKey']) expect(run.stderr).toContain(`secrets.${name}`);
    expect(run.stderr).toContain('--generate-secrets');
  });

  it('--json turns a refusal into one error event per problem', async () => {
    const run = await runPiped(['apply', '--json', '--simulate', '--yes', '--config', EXAMPLE_CONFIG], { cwd: scratchDirectory() });
    expect(run.code).toBe(3);
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { v: number; at: string; type: string; exitCode: number; field: string });
    expect(events.map((event) => event.field)).toEqual(expect.arrayContaining(['secrets.vmAdminPassword', 'secrets.licenseKey']));
    for (const event of events) {
      expect(event).toMatchObject({ v: 1, type: 'error', exitCode: 3 });
      expect(Date.parse(event.at)).not.toBeNaN();
    }
  });

  it('with NO_COLOR a whole run writes no escape code, and a secret nowhere', async () => {
    const cwd = scratchDirectory();
    copyFileSync(join(ROOT, 'examples', 'secrets.example.yaml'), join(cwd, 'secrets.yaml'));
    chmodSync(join(cwd, 'secrets.yaml'), 0o600);
    const run = await runPiped(['init', '--simulate', '--yes', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: { NO_COLOR: '1', FORCE_COLOR: '', QLIK_AZURE_SIM_LATENCY: '0' } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('\u001b');
    expect(run.stdout).toMatch(/\[ *\d+\.\d+s\] +1 Resource group: created/);
    expect(run.stdout).toContain('Secrets:              secrets.yaml (mode 0600)');
    // Every value of the secrets file, in all the run wrote: its output and every file of its state folder.
    // (The secrets reach the CLI only through the file, so its own arguments hold none.)
    const secrets = Object.values(parse(readFileSync(join(cwd, 'secrets.yaml'), 'utf8')) as Record<string, string>);
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    const stateFiles = readdirSync(join(cwd, 'state'), { recursive: true, encoding: 'utf8' }).filter((name) => statSync(join(cwd, 'state', name)).isFile());
    expect(stateFiles).toContain(join('qlik-demo', 'state.json'));
    const written = [['stdout', run.stdout], ['stderr', run.stderr], ...stateFiles.map((name) => [name, readFileSync(join(cwd, 'state', name), 'utf8')])];
    for (const [where, text] of written) {
      for (const secret of secrets) expect(text!.includes(secret), `${where} holds a secret`).toBe(false);
    }
  });

  it('--json with nothing to do ends with the documented summary event', async () => {
    const cwd = scratchDirectory();
    copyFileSync(join(ROOT, 'examples', 'secrets.example.yaml'), join(cwd, 'secrets.yaml'));
    chmodSync(join(cwd, 'secrets.yaml'), 0o600);
    const args = ['--simulate', '--yes', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'];
    const env = { QLIK_AZURE_SIM_LATENCY: '0' };
    expect((await runPiped(['apply', ...args], { cwd, env })).code).toBe(0);
    const run = await runPiped(['resume', '--json', ...args], { cwd, env });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ v: 1, type: 'summary', ok: true, deployment: 'qlik-demo', finished: [], failed: [], blocked: [], notStarted: [], hubUrl: expect.stringMatching(/^https:\/\/.+\/hub$/), secrets: expect.arrayContaining(['vmAdminPassword']) });
    expect(summary).not.toHaveProperty('ran');
    expect(run.stdout).not.toContain('Example-Only');
  });

  it('a failed step says what failed, why, how to fix it, and the exact command to resume', async () => {
    const cwd = scratchDirectory();
    copyFileSync(join(ROOT, 'examples', 'secrets.example.yaml'), join(cwd, 'secrets.yaml'));
    chmodSync(join(cwd, 'secrets.yaml'), 0o600);
    const args = ['apply', '--simulate', '--yes', '--config', EXAMPLE_CONFIG, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'];
    const env = { QLIK_AZURE_SIM_FAULTS: 'lro-failures', QLIK_AZURE_SIM_LATENCY: '0', NO_COLOR: '1' };
    const text = await runPiped(args, { cwd, env });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/✖ step \d+ .+ failed \(Azure: \w+\)\n  why: +.+\n  how to fix: .+/);
    expect(text.stdout).toContain(`Resume:               qlik-azure resume --config ${EXAMPLE_CONFIG} --secrets-file secrets.yaml --state-dir state --simulate`);

    const json = await runPiped([...args, '--json'], { cwd, env: { ...env, QLIK_AZURE_SIM_FAULTS: 'lro-failures' } });
    const summary = JSON.parse(json.stdout.trim().split('\n').pop()!) as { type: string; ok: boolean; failed: { code?: string }[]; resumeCommand?: string };
    expect(summary).toMatchObject({ type: 'summary', ok: false });
    expect(summary.failed[0]?.code).toBeTruthy();
    expect(summary.resumeCommand).toMatch(/^qlik-azure resume --config .+ --secrets-file secrets\.yaml --state-dir state --simulate$/);
  });

  it('--no-color does the same as NO_COLOR', async () => {
    const run = await runPiped(['steps', '--no-color'], { cwd: scratchDirectory(), env: { FORCE_COLOR: '1' } });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\u001b');
  });
});
