/**
 * Step 48 through the built CLI, as a user runs it: `apply --simulate` with the example config, its
 * certificate block switched on and a throw-away PFX made by openssl, imports the PFX as LocalSystem and
 * sets it on the proxy as the service account, each script under its own run command.
 */
import { execFile } from 'node:child_process';
import { appendFile, chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import type { StateFile } from './support.js';

describe('apply --simulate with a trusted certificate (step 48)', () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof runCli>>;
  let state: StateFile;
  const pfxPassword = 'Sim-Only-Pfx-4u!';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qlik-azure-cert-sim-'));
    // A throw-away self-signed certificate with its key, exported as the PFX the user would bring.
    const openssl = promisify(execFile);
    await openssl('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=qlik.example.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    await openssl('openssl', ['pkcs12', '-export', '-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-out', join(dir, 'qlik-proxy.pfx'), '-passout', `pass:${pfxPassword}`]);
    // The example config with its certificate block switched on.
    const example = await readFile(join(ROOT, 'examples/qlik-azure.yaml'), 'utf8');
    const config = example.replace(/^ {2}# certificate:.*$/m, '  certificate:').replace(/^ {2}# {3}pfxFile: .*$/m, '    pfxFile: ./qlik-proxy.pfx');
    expect(config).toContain('  certificate:\n    pfxFile: ./qlik-proxy.pfx');
    await writeFile(join(dir, 'qlik-azure.yaml'), config);
    const secretsFile = join(dir, 'secrets.yaml');
    await copyFile(join(ROOT, 'examples/secrets.example.yaml'), secretsFile);
    await appendFile(secretsFile, `pfxPassword: ${pfxPassword}\n`);
    await chmod(secretsFile, 0o600);
    // --verbose: the notes naming each script's run command (and its full-output blob) show only then.
    result = await runCli(['apply', '--simulate', '--yes', '--verbose', '--config', 'qlik-azure.yaml', '--secrets-file', secretsFile, '--state-dir', join(dir, 'state')], { cwd: dir });
    state = JSON.parse(await readFile(join(dir, 'state', 'qlik-demo', 'state.json'), 'utf8')) as StateFile;
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('imports the PFX and sets it on the proxy, each script under its own run command', () => {
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(state.journal['48']).toMatchObject({ status: 'done', change: 'create', outputs: { thumbprint: expect.stringMatching(/^[0-9A-F]{40}$/) } });
    expect(result.stdout).toContain('/qlik-azure-step-48-certificate-import/');
    expect(result.stdout).toContain('/qlik-azure-step-48-certificate-proxy/');
    expect(result.stdout + result.stderr + JSON.stringify(state)).not.toContain(pfxPassword);
  });
});
