/**
 * The Run Command wrapper through the real compute client against the simulator and the simulated VM:
 * every input travels inside the envelope's two base64url parameters, secrets only in the protected one;
 * a script runs as LocalSystem or, through the envelope's scheduled task, as the service account (never
 * runAsUser); a failed script is a clear error; a run left behind by an interrupted invocation is waited
 * for and adopted.
 */
import { BlobClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUTS_BUDGET_CHARS, runScript, type ScriptRun } from '../src/azure/run-command.js';
import type { RunCommandInvocation } from '../src/simulator/index.js';
import { loadTemplate } from '../src/qlik/templates.js';
import { Secret } from '../src/config/secrets.js';
import { StepError } from '../src/engine/step.js';
import { vmTarget } from '../src/steps/vm/target.js';
import { ALL_SECRETS, leakedSecrets, SECRETS, startVmWorld, stepsUpTo, type VmWorld } from './steps-vm/support.js';

describe('runScript (managed Run Command)', () => {
  let world: VmWorld;
  const accounts = (overrides: Partial<ScriptRun> = {}): ScriptRun => ({
    vm: vmTarget(world.context(38)),
    name: 'qlik-azure-test-accounts',
    template: 'vm/accounts.ps1',
    parameters: { ServiceAccountName: 'qservice', AdminAccountName: 'QSAdmin', LocalUserPrefix: 'QlikUser', LocalUserCount: '2' },
    secretParameters: { ServiceAccountPassword: ALL_SECRETS.serviceAccountPassword!, AdminAccountPassword: ALL_SECRETS.qlikAdminPassword!, LocalUserPassword: ALL_SECRETS.localUserPassword! },
    runsAs: 'LocalSystem',
    timeoutSeconds: 600,
    ...overrides,
  });
  /** The envelope's inputs as the VM decodes them (base64url of UTF-8 JSON), read here without the product's code. */
  const decoded = (list: RunCommandInvocation['parameters'], name: string): Record<string, string> => {
    expect(list.map((p) => p.name)).toEqual([name]);
    expect(list[0]!.value).toMatch(/^[A-Za-z0-9_-]+$/);
    return JSON.parse(Buffer.from(list[0]!.value, 'base64url').toString('utf8')) as Record<string, string>;
  };
  const runCommandRequests = (name: string) => world.sim.requestLog().filter((r) => r.path.endsWith(`/runCommands/${name}`));

  beforeAll(async () => {
    world = await startVmWorld();
    const outcome = await world.run(stepsUpTo(33));
    expect(outcome.failed).toEqual([]);
  });
  afterAll(() => world?.close());

  it('sends the template inside the envelope with two base64url inputs, every secret in the protected one only', async () => {
    const { result, adopted } = await runScript(world.context(38), accounts());
    expect(adopted).toBe(false);
    expect(result).toMatchObject({ changed: true, created: ['qservice', 'QSAdmin', 'QlikUser1', 'QlikUser2'] });
    const sent = world.invocations.at(-1)!;
    expect(decoded(sent.protectedParameters, 'QlikProtectedInputs')).toEqual({
      ServiceAccountPassword: SECRETS.serviceAccountPassword, AdminAccountPassword: SECRETS.qlikAdminPassword, LocalUserPassword: SECRETS.localUserPassword,
    });
    expect(decoded(sent.parameters, 'QlikInputs')).toEqual(accounts().parameters);
    expect(sent.script).toContain((await loadTemplate('vm/accounts.ps1')).trimEnd());
    expect(sent.script).toMatch(/\[CmdletBinding\(PositionalBinding = \$false\)\]\r?\nparam\(\r?\n\s+\[string\]\$QlikInputs/);
    expect(leakedSecrets(JSON.stringify(sent.parameters))).toEqual([]);
    expect(leakedSecrets(sent.script)).toEqual([]);
    expect(sent.runAsUser).toBeUndefined();
    expect(sent.runAsPassword).toBeUndefined();
    // What ARM logged and what a GET returns hold no secret either.
    expect(leakedSecrets(JSON.stringify(world.sim.requestLog()))).toEqual([]);
    // Looked for first (a resume would find it), put once, followed by GETs, deleted once its result was read.
    const methods = runCommandRequests('qlik-azure-test-accounts').map((r) => r.method);
    expect(methods.slice(0, 2)).toEqual(['GET', 'PUT']);
    expect(methods.at(-1)).toBe('DELETE');
    expect(methods.filter((m) => m === 'PUT')).toHaveLength(1);
  });

  it('keeps the full output in an append blob of the storage account', async () => {
    await runScript(world.context(38), accounts());
    const sent = world.invocations.at(-1)!;
    expect(sent.outputBlobUri).toMatch(/\/qlik-azure-run-command-logs\/.+\.output\.log\?.*sp=racw/);
    const blob = new BlobClient(sent.outputBlobUri!, undefined, { agent: world.sim.httpsAgent() } as never);
    const text = (await blob.downloadToBuffer()).toString('utf8');
    expect(text).toContain('##qlik-azure[phase] account qservice: unchanged');
    expect(text).toContain('##qlik-azure[result] {"changed":false');
    expect(world.notes.some((n) => /full output of vm\/accounts\.ps1 goes to https:.*output\.log \(and \.error\.log\)$/.test(n) && !n.includes('?'))).toBe(true);
  });

  it('runs as the service account through the envelope, never runAsUser; its password travels inside the protected input only', async () => {
    const run: ScriptRun = {
      vm: vmTarget(world.context(46)),
      name: 'qlik-azure-test-run-as',
      template: 'vm/firewall.ps1',
      parameters: { Ports: '443' },
      secretParameters: {},
      runsAs: { serviceAccount: 'qservice', password: ALL_SECRETS.serviceAccountPassword! },
      timeoutSeconds: 300,
    };
    await runScript(world.context(46), run);
    const sent = world.invocations.at(-1)!;
    expect(sent).toMatchObject({ timeoutInSeconds: 300 });
    expect(sent.runAsUser).toBeUndefined();
    expect(sent.runAsPassword).toBeUndefined();
    // The scheduled task gets a minute less than Run Command, so that the envelope can still report.
    expect(decoded(sent.parameters, 'QlikInputs')).toEqual({ Ports: '443', QlikRunAsAccount: 'qservice', QlikRunAsTimeoutSeconds: '240' });
    expect(decoded(sent.protectedParameters, 'QlikProtectedInputs')).toEqual({ QlikRunAsPassword: SECRETS.serviceAccountPassword });
    expect(world.vm.runs.at(-1)).toMatchObject({ template: 'vm/firewall.ps1', runsAs: 'qservice', parameters: { Ports: '443' }, protectedNames: [] });
    const put = runCommandRequests('qlik-azure-test-run-as').find((r) => r.method === 'PUT')!;
    expect(put.body).toMatchObject({ properties: { protectedParameters: [{ name: 'QlikProtectedInputs', value: '[REDACTED]' }], asyncExecution: true, treatFailureAsDeploymentFailure: false, timeoutInSeconds: 300 } });
    expect(Object.keys((put.body as { properties: object }).properties)).not.toContain('runAsUser');
    // Task Scheduler refuses a wrong password (the envelope's exit code 3); the error names the account, not the password.
    const wrong = await runScript(world.context(46), { ...run, runsAs: { serviceAccount: 'qservice', password: new Secret('Not-The-Password-1') } }).catch((error: unknown) => error as StepError);
    expect(wrong.message).toMatch(/failed with exit code 3[\s\S]*Task Scheduler refused to run the script as qlik-sim\\qservice/);
    expect(wrong.advice).toMatch(/step 38 created it and that serviceAccountPassword/);
    expect(wrong.message).not.toContain('Not-The-Password-1');
  });

  it('stages protected inputs too long for a Windows command line as a blob, sends only a read SAS link to it, and deletes it after the run', async () => {
    const large = `${'L'.repeat(INPUTS_BUDGET_CHARS)}-Fake-9!`;
    const run = accounts({ name: 'qlik-azure-test-staged', secretParameters: { ...accounts().secretParameters, LocalUserPassword: new Secret(large) } });
    const { result } = await runScript(world.context(38), run);
    expect(result).toMatchObject({ updated: ['QlikUser1', 'QlikUser2'] });
    const sent = world.invocations.at(-1)!;
    const link = decoded(sent.protectedParameters, 'QlikProtectedInputs');
    expect(Object.keys(link)).toEqual(['QlikInputsUrl']);
    expect(link.QlikInputsUrl).toMatch(/\/qlik-azure-run-command-inputs\/qlik-sim-vm\/qlik-azure-test-staged\/[0-9a-f-]+\.json\?.*sp=r(&|$)/);
    expect(`${sent.parameters[0]!.value}${sent.protectedParameters[0]!.value}`.length).toBeLessThanOrEqual(INPUTS_BUDGET_CHARS);
    // The VM received the value itself (sent again, it changes nothing), and the blob is gone.
    const again = await runScript(world.context(38), { ...run, name: 'qlik-azure-test-staged-again' });
    expect(again.result).toMatchObject({ unchanged: expect.arrayContaining(['QlikUser1', 'QlikUser2']) });
    const blobPath = new URL(link.QlikInputsUrl!).pathname;
    const blob = world.sim.requestLog().filter((r) => r.path === blobPath).map((r) => `${r.method} ${r.status}`);
    expect(blob).toEqual(['PUT 201', 'DELETE 202']);
    expect(world.notes.some((n) => /too long for a Windows command line: staged at https:.*\.json for the VM to download, deleted after the run$/.test(n))).toBe(true);
    expect(JSON.stringify(world.sim.requestLog())).not.toContain(large);
  });

  it('refuses, before calling Azure, protected inputs too long for a command line when there is no storage account to stage them in, naming the input but not its value', async () => {
    const before = world.sim.requestLog().length;
    const large = 'x'.repeat(INPUTS_BUDGET_CHARS);
    const withoutStorage = { ...world.context(38), outputsOf: () => ({}) };
    const failure = await runScript(withoutStorage, accounts({ secretParameters: { ...accounts().secretParameters, LocalUserPassword: new Secret(large) } })).catch((error: unknown) => error as StepError);
    expect(failure).toBeInstanceOf(StepError);
    expect(failure.message).toMatch(/the largest is -LocalUserPassword, 7500 bytes\), and the deployment has no storage account to stage them in$/);
    expect(failure.message).not.toContain(large);
    expect(world.sim.requestLog().slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('refuses, before calling Azure, a secret in a plain parameter or a parameter the template does not declare', async () => {
    const before = world.sim.requestLog().length;
    await expect(runScript(world.context(38), accounts({ parameters: { ...accounts().parameters, ServiceAccountPassword: 'x' } }))).rejects.toThrow(/must be sent as a protected parameter/);
    await expect(runScript(world.context(38), accounts({ parameters: { ...accounts().parameters, Colour: 'blue' } }))).rejects.toThrow(/-Colour is not a parameter of vm\/accounts\.ps1/);
    await expect(runScript(world.context(38), accounts({ parameters: { ...accounts().parameters, AdminAccountName: SECRETS.qlikAdminPassword } }))).rejects.toThrow(/carries a secret value/);
    await expect(runScript(world.context(38), accounts({ secretParameters: { ...accounts().secretParameters, LocalUserPrefix: new Secret('x') } }))).rejects.toThrow(/does not treat it as secret/);
    expect(world.sim.requestLog().length).toBe(before);
  });

  it('refuses a link in a plain parameter: a SAS in it would be readable by anyone who may read the VM', async () => {
    const before = world.sim.requestLog().length;
    const install = accounts({ template: 'vm/install-qlik.ps1', parameters: { InstallerUrl: 'https://example.blob.core.windows.net/c/Qlik_Sense_setup.exe?sv=2024&sp=r&sig=abc' }, secretParameters: {} });
    await expect(runScript(world.context(40), install)).rejects.toThrow(/-InstallerUrl is a secret and must be sent as a protected parameter/);
    expect(world.sim.requestLog().length).toBe(before);
  });

  it('turns a failed script into a StepError with the exit code, the last lines and advice, never a secret', async () => {
    world.vm.failNext('vm/accounts.ps1', 30, `could not create local account 'QlikUser1': password ${SECRETS.localUserPassword} does not meet the policy`);
    const failure = await runScript(world.context(38), accounts({ exitAdvice: { 30: 'choose a stronger password' } })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StepError);
    const { message, code, advice } = failure as StepError;
    expect(code).toBe('ScriptFailed');
    expect(message).toContain('vm/accounts.ps1 failed with exit code 30');
    expect(message).toContain("qlik-azure: could not create local account 'QlikUser1': password *** does not meet the policy");
    expect(message).toMatch(/full output: https:\/\/127\.0\.0\.1:\d+\/.+\/qlik-azure-run-command-logs\/.+\.output\.log$/);
    expect(advice).toBe('choose a stronger password');
    expect(leakedSecrets(message)).toEqual([]);
  });

  it('keeps a failed run command for inspection, and replaces it on the next attempt', async () => {
    world.vm.failNext('vm/accounts.ps1', 30, 'refused');
    const run = accounts({ name: 'qlik-azure-test-retry' });
    await expect(runScript(world.context(38), run)).rejects.toThrow(/exit code 30/);
    expect(world.sim.resources().some((r) => r.name === 'qlik-azure-test-retry')).toBe(true);
    await runScript(world.context(38), run);
    const methods = runCommandRequests('qlik-azure-test-retry').map((r) => r.method).filter((m) => m !== 'GET');
    expect(methods).toEqual(['PUT', 'DELETE', 'PUT', 'DELETE']);
  });

  it('waits for a run left running by an interrupted invocation and adopts its result instead of running it twice', async () => {
    const firewallRuns = () => world.vm.runs.filter((r) => r.template === 'vm/firewall.ps1').length;
    const runsBefore = firewallRuns();
    const held = world.vm.hold('vm/firewall.ps1');
    const run: ScriptRun = { vm: vmTarget(world.context(46)), name: 'qlik-azure-test-firewall', template: 'vm/firewall.ps1', parameters: { Ports: '443,4244' }, secretParameters: {}, runsAs: 'LocalSystem', timeoutSeconds: 300 };
    const interrupted = new AbortController();
    const first = runScript(world.context(46, interrupted.signal), run).catch((error: unknown) => error);
    await held.started;
    // While the script runs, the step's status line follows the instance view.
    await expect.poll(() => world.progress).toContainEqual('46: vm/firewall.ps1: running');
    interrupted.abort();
    expect(String(await first)).toMatch(/stopped waiting for vm\/firewall\.ps1; it keeps running/);

    const second = runScript(world.context(46), run);
    setTimeout(() => held.release(), 50);
    const { result, adopted } = await second;
    expect(adopted).toBe(true);
    expect(result).toMatchObject({ changed: true, ports: [443, 4244] });
    expect(firewallRuns() - runsBefore).toBe(1);
    expect(runCommandRequests('qlik-azure-test-firewall').filter((r) => r.method === 'PUT')).toHaveLength(1);
    expect(world.notes.some((n) => n.includes('still Running on qlik-sim-vm; waiting for it instead of starting the script again'))).toBe(true);
  });

  it.each([
    ['other inputs', { parameters: { Ports: '443,4244' } }],
    ['another identity', { runsAs: { serviceAccount: 'qservice', password: new Secret(SECRETS.serviceAccountPassword!) } }],
  ] as [string, Partial<ScriptRun>][])('runs again, rather than adopting, when the run left behind had %s', async (_, change) => {
    const held = world.vm.hold('vm/firewall.ps1');
    const run: ScriptRun = { vm: vmTarget(world.context(46)), name: `qlik-azure-test-firewall-${Object.keys(change)[0]}`, template: 'vm/firewall.ps1', parameters: { Ports: '443' }, secretParameters: {}, runsAs: 'LocalSystem', timeoutSeconds: 300 };
    const interrupted = new AbortController();
    const first = runScript(world.context(46, interrupted.signal), run).catch(() => undefined);
    await held.started;
    interrupted.abort();
    await first;
    setTimeout(() => held.release(), 50);
    const { adopted } = await runScript(world.context(46), { ...run, ...change });
    expect(adopted).toBe(false);
    expect(world.vm.runs.at(-1)).toMatchObject({ parameters: change.parameters ?? run.parameters, runsAs: change.runsAs ? 'qservice' : 'LocalSystem' });
  });
});
