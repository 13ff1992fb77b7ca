// Each VM template, run for real under pwsh on the Windows stand-in (inside the envelope, through Windows Run
// Command's transport, as the product sends it), reports what the TypeScript fake VM
// reports for the same inputs (same exit code, same ##qlik-azure[result]). The two run side by side on one
// sequence of runs, so that a machine state either of them keeps wrong shows up in a later step.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSimulatedQlikVm, type SimulatedQlikVm, type VmTemplate } from '../../../src/simulator/qlik-vm.js';
import type { RunCommandInvocation, RunCommandOutcome } from '../../../src/simulator/types.js';
import { createPwshVm, pwshAvailable, type PwshVm } from '../../../src/simulator/windows/pwsh-executor.js';
import { runInEnvelope } from '../../support/envelope-run.js';

// Each pwsh run takes seconds (PowerShell's start, the QRS client's C# compile); a test runs up to nine.
vi.setConfig({ testTimeout: 300_000 });
const HAS_PWSH = pwshAvailable();
if (!HAS_PWSH) console.warn('\n!!! pwsh is not on PATH: the real templates are NOT run against the Windows stand-in (. scripts/toolchain.sh puts it there) !!!\n');

const VM = 'qsvm01-vm';
const HOST = 'QSVM01';
const SERVICE = { name: 'qservice', password: 'Svc^%&Pass 1!' };
// Hostile values (issue 10): what cmd.exe, powershell.exe -File or a careless quote would change on the way.
const ADMIN_PASSWORD = 'Adm1n"Pass<>| \'Ünï€';
const USER_PASSWORD = 'Us3r`$Pass%PATH% ^^&ß';
const DB_PASSWORD = 'Db^Pass&w0rd %x%';
const LICENSE_KEY = 'eyJhbGciOi.signed&key%PATH%^';
const RELEASE = 'Qlik Sense May 2025';
const OWNER = 'Ærø & Søn "Qlik" <Oy> | 100% ^x `$y \'z';
const ORGANIZATION = 'R&D %COMPUTERNAME% ^^ ¡漢字! $(whoami)';
const SECRETS = [SERVICE.password, ADMIN_PASSWORD, USER_PASSWORD, DB_PASSWORD, LICENSE_KEY];

type Params = Record<string, string>;
interface Pair { pwsh: RunCommandOutcome; fake: RunCommandOutcome }

/** The result line, without what differs only because pwsh 7 on Linux is not Windows PowerShell 5.1 on
 * Windows (the PowerShell version, elapsed seconds, the separator [IO.Path]::Combine puts in a path) or
 * between any two repositories (the ids QRS generates). */
const resultOf = (outcome: RunCommandOutcome): unknown => {
  const line = outcome.output.split('\n').find((l) => l.startsWith('##qlik-azure[result] '));
  if (!line) return undefined;
  const json = line.slice('##qlik-azure[result] '.length).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<guid>');
  const { psVersion: _version, waitedSeconds: _waited, ...result } = JSON.parse(json) as Record<string, unknown>;
  if (typeof result.installerLog === 'string') result.installerLog = result.installerLog.replaceAll('/', '\\');
  return result;
};
const failureOf = (outcome: RunCommandOutcome) => outcome.error.split('\n').find((l) => l.startsWith('qlik-azure: '));

describe.skipIf(!HAS_PWSH)('the real templates under pwsh on the Windows stand-in match the TypeScript fake VM', () => {
  let root: string;
  let pwsh: PwshVm;
  let fake: SimulatedQlikVm;
  let installerServer: Server;
  let installerUrl: string;
  /** Every run the pwsh VM was handed, as Windows Run Command delivered it, and its outcome. */
  const delivered: { invocation: RunCommandInvocation; outcome: Promise<RunCommandOutcome> }[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'qlik-azure-pwsh-vm-'));
    pwsh = await createPwshVm({ rootDir: root, computerName: () => HOST });
    fake = createSimulatedQlikVm({ computerName: () => HOST });
    installerServer = createServer((_request, response) => response.end(`${RELEASE}\nstand-in installer\n`));
    await new Promise<void>((done) => installerServer.listen(0, '127.0.0.1', done));
    const address = installerServer.address();
    installerUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/Qlik_Sense_setup.exe?sv=2025&sig=s3cr%26t`;
  });

  afterAll(async () => {
    await pwsh?.close();
    installerServer?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** One run as the product sends it (the envelope, through Windows Run Command's transport) to both VMs. */
  async function both(template: VmTemplate, plain: Params, secret: Params = {}, runAs?: { account: string; password: string }): Promise<Pair> {
    const run = { vmName: VM, computerName: HOST, template, plain, secret, ...(runAs ? { runAs } : {}) };
    const pwshOutcome = await runInEnvelope((invocation) => { delivered.push({ invocation, outcome: pwsh.executor(invocation) }); return delivered.at(-1)!.outcome; }, run);
    return { pwsh: pwshOutcome, fake: await runInEnvelope(fake.executor, run) };
  }

  function expectSame(pair: Pair) {
    const seen = { exitCode: pair.pwsh.exitCode, result: resultOf(pair.pwsh), failure: failureOf(pair.pwsh) };
    expect(seen, `pwsh stdout:\n${pair.pwsh.output}\npwsh stderr:\n${pair.pwsh.error}`).toEqual({
      exitCode: pair.fake.exitCode, result: resultOf(pair.fake), failure: failureOf(pair.fake),
    });
    return seen;
  }

  const accounts = { ServiceAccountName: SERVICE.name, AdminAccountName: 'QSAdmin', LocalUserPrefix: 'QlikUser', LocalUserCount: '2' };
  const accountSecrets = { ServiceAccountPassword: SERVICE.password, AdminAccountPassword: ADMIN_PASSWORD, LocalUserPassword: USER_PASSWORD };
  const serviceAccount = { account: `${HOST}\\${SERVICE.name}`, password: SERVICE.password };

  it('readiness (step 34) on a fresh machine', async () => {
    expect(expectSame(await both('vm/readiness.ps1', {})).result).toMatchObject({ computerName: HOST, qlikReleases: [] });
  });

  it('accounts (step 38): created, then unchanged, then a new service password updated', async () => {
    expect(expectSame(await both('vm/accounts.ps1', accounts, accountSecrets)).result).toMatchObject({ created: ['qservice', 'QSAdmin', 'QlikUser1', 'QlikUser2'] });
    expect(expectSame(await both('vm/accounts.ps1', accounts, accountSecrets)).result).toMatchObject({ changed: false });
  });

  it('firewall (step 46): created, then one port removed', async () => {
    expectSame(await both('vm/firewall.ps1', { Ports: '443,4244,80' }));
    expect(expectSame(await both('vm/firewall.ps1', { Ports: '443,4244' })).result).toMatchObject({ removed: ['qlik-azure Qlik Sense TCP 80'] });
  });

  it('install-qlik (step 40): a wrong service password is refused by Task Scheduler, then the install, then nothing to do', async () => {
    const install = { ReleaseName: RELEASE, ServiceAccountName: SERVICE.name, Hostname: HOST };
    const wrong = await both('vm/install-qlik.ps1', install, { InstallerUrl: installerUrl, ServiceAccountPassword: 'Wrong-Passw0rd!', RepositoryDbPassword: DB_PASSWORD });
    expect(wrong.pwsh.exitCode, wrong.pwsh.error).toBe(22);
    expect(wrong.fake.exitCode).toBe(22);
    const first = await both('vm/install-qlik.ps1', install, { InstallerUrl: installerUrl, ServiceAccountPassword: SERVICE.password, RepositoryDbPassword: DB_PASSWORD });
    expect(expectSame(first).result).toMatchObject({ changed: true, release: RELEASE });
    expect(expectSame(await both('vm/install-qlik.ps1', install, { InstallerUrl: installerUrl, ServiceAccountPassword: SERVICE.password, RepositoryDbPassword: DB_PASSWORD })).result).toMatchObject({ changed: false });
    expect(expectSame(await both('vm/readiness.ps1', {})).result).toMatchObject({ qlikReleases: [RELEASE] });
  });

  it('accounts after the install: a new service password reaches the Qlik services', async () => {
    const changed = { ...accountSecrets, ServiceAccountPassword: 'N3w-Svc^Pass!' };
    expect(expectSame(await both('vm/accounts.ps1', accounts, changed)).result).toMatchObject({ restartRequired: true });
    expectSame(await both('vm/accounts.ps1', accounts, accountSecrets));
  });

  it('the QRS scripts (steps 41-45) reach the fake QRS at https://<hostname>:4242 with the certificates the installer made', async () => {
    expect(expectSame(await both('qlik/wait-repository.ps1', { TimeoutSeconds: '30', PollSeconds: '1' }, {}, serviceAccount)).result).toMatchObject({ repositoryReady: true, qrsUrl: `https://${HOST}:4242` });
    const license = { LicenseOwner: OWNER, LicenseOrganization: ORGANIZATION };
    expectSame(await both('qlik/license.ps1', license, { SignedLicenseKey: LICENSE_KEY }, serviceAccount));
    expectSame(await both('qlik/license.ps1', license, { SignedLicenseKey: LICENSE_KEY }, serviceAccount));
    expectSame(await both('qlik/access.ps1', { AdminUserId: 'QSAdmin', LicenseModel: 'professional', EveryoneRule: 'true' }, {}, serviceAccount));
    expectSame(await both('qlik/access.ps1', { AdminUserId: 'QSAdmin', LicenseModel: 'professional', EveryoneRule: 'true' }, {}, serviceAccount));
    expectSame(await both('qlik/root-admin.ps1', { AdminUserId: 'QSAdmin' }, {}, serviceAccount));
    expectSame(await both('qlik/root-admin.ps1', { AdminUserId: 'QSAdmin' }, {}, serviceAccount));
    expectSame(await both('qlik/proxy.ps1', { EnableHttp: 'false', HostWhiteList: 'qlik.example.com,20.1.2.3', FormLogin: 'true' }, {}, serviceAccount));
    expectSame(await both('qlik/proxy.ps1', { EnableHttp: 'false', HostWhiteList: 'qlik.example.com,20.1.2.3', FormLogin: 'true' }, {}, serviceAccount));
    const calls = pwsh.qrs(VM)!.calls();
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.every((call) => call.clientCertificate === 'CN=QlikClient' && call.xrfkeyQuery === call.xrfkeyHeader)).toBe(true);
  });

  it('the QRS scripts as LocalSystem find no client certificate, as the fake VM says', async () => {
    expectSame(await both('qlik/certificate-proxy.ps1', { Thumbprint: 'AB'.repeat(20) }));
  });

  it('fails loudly where a script uses Windows in a way the stand-in does not model, and reaches no other host', async () => {
    const script = [
      "try { Invoke-WebRequest -Uri 'https://downloads.example.invalid/x' -UseBasicParsing | Out-Null } catch { Write-Host ('network: ' + $_.Exception.Message) }",
      'Get-CimInstance -ClassName Win32_BIOS',
    ].join('\n');
    const outcome = await pwsh.executor({ subscriptionId: 'sub', resourceGroup: 'rg', vmName: VM, runCommandName: 'new-usage', script, parameters: [], protectedParameters: [], commandLine: '', argv: [], boundParameters: {} });
    expect(outcome.output).toMatch(/network: .*502/);
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.error).toContain('stand-in: Get-CimInstance -ClassName Win32_BIOS is not implemented');
  });

  it('hostile values reach the real scripts byte for byte, and no secret is in a plain parameter or the output', async () => {
    // Inside PowerShell: the stand-in keeps what New-LocalUser/Set-LocalUser and Win32_Service.Change received as
    // SHA-256 of the machine's salt and the value; the fake QRS records the license body the script sent.
    const machine = JSON.parse(await readFile(join(root, VM, 'machine.json'), 'utf8')) as { salt: string; users: Record<string, { passwordHash: string }>; services: Record<string, { logonPasswordHash?: string }> };
    const hash = (value: string) => createHash('sha256').update(machine.salt + value, 'utf8').digest('hex');
    expect(Object.fromEntries(Object.entries(machine.users).map(([name, user]) => [name, user.passwordHash]))).toEqual({
      qservice: hash(SERVICE.password), QSAdmin: hash(ADMIN_PASSWORD), QlikUser1: hash(USER_PASSWORD), QlikUser2: hash(USER_PASSWORD),
    });
    expect(machine.services.QlikSenseRepositoryService?.logonPasswordHash).toBe(hash(SERVICE.password));
    const licenses = pwsh.qrs(VM)!.calls().filter((call) => ['PUT', 'POST'].includes(call.method) && /^\/qrs\/license(\/[0-9a-f-]+)?\/?$/i.test(call.path));
    expect(licenses.at(-1)?.body).toMatchObject({ key: LICENSE_KEY, name: OWNER, organization: ORGANIZATION });
    // Out of sight: neither the plain parameters (as sent, nor decoded) nor anything a run printed holds a secret.
    const runs = await Promise.all(delivered.map(async ({ invocation, outcome }) => ({ invocation, outcome: await outcome })));
    const seen = runs.map(({ invocation, outcome }) => [
      ...invocation.parameters.map((p) => `${p.value} ${Buffer.from(p.value, 'base64url').toString('utf8')}`), outcome.output, outcome.error,
    ].join('\n')).join('\n');
    expect(SECRETS.filter((secret) => seen.includes(secret))).toEqual([]);
    expect(runs.every(({ invocation }) => /^-QlikInputs [A-Za-z0-9_-]+ -QlikProtectedInputs [A-Za-z0-9_-]+$/.test(invocation.argv.join(' ')))).toBe(true);
  });

  it('the machine folder keeps no secret value', async () => {
    const files = (await readdir(join(root, VM), { recursive: true })).filter((f) => f.endsWith('.json'));
    const text = (await Promise.all(files.map((f) => readFile(join(root, VM, f), 'utf8')))).join('\n');
    expect(text).toContain('passwordHash');
    expect(SECRETS.filter((secret) => text.includes(secret))).toEqual([]);
  });
});
