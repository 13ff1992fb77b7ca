/**
 * Single VM steps in process against the simulated VM: the OS check, the installer staged from a local
 * file, the certificate from a local PFX, a serial-number license, and plan answering from the journal.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secrets.js';
import type { DeploymentConfigInput } from '../../src/config/schema.js';
import { loadStepRegistry } from '../../src/steps/index.js';
import { ALL_SECRETS, leakedSecrets, sentInputs, startVmWorld, stepsUpTo, VM_CONFIG, type VmWorld } from './support.js';

const withQlik = (qlik: Record<string, unknown>): DeploymentConfigInput => ({ ...VM_CONFIG, qlik: { ...(VM_CONFIG.qlik as object), ...qlik } });
/** The last invocation of a template, as Azure received it (each template's help starts "<file> —"). */
const lastRun = (world: VmWorld, template: string) => world.invocations.findLast((run) => run.script.includes(`${template.split('/')[1]} —`))!;

describe('step 34 on an unsupported OS', () => {
  let world: VmWorld;
  beforeAll(async () => { world = await startVmWorld(VM_CONFIG, { os: { caption: 'Microsoft Windows Server 2012 R2 Datacenter', version: '6.3.9600' } }); });
  afterAll(() => world?.close());

  it('fails with the script\'s reason and advice to pick a newer image', async () => {
    const outcome = await world.run(stepsUpTo(34));
    expect(outcome.failed).toEqual([{ step: 34, error: expect.objectContaining({ code: 'ScriptFailed' }) }]);
    const { message, advice } = outcome.failed[0]!.error;
    expect(message).toContain("unsupported operating system 'Microsoft Windows Server 2012 R2 Datacenter' (6.3.9600)");
    expect(message).toContain('exit code 10');
    expect(advice).toMatch(/Windows Server 2016 or later/);
  });
});

describe('files the config names: the installer and the PFX', () => {
  let dir: string;
  let world: VmWorld;
  const installer = randomBytes(300_000);
  const pfx = randomBytes(2_000);
  const stagingPuts = () => world.sim.requestLog().filter((r) => r.method === 'PUT' && r.path.includes('/qlik-azure-staging/')).length;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qlik-azure-files-'));
    await writeFile(join(dir, 'Qlik_Sense_setup.exe'), installer);
    await writeFile(join(dir, 'proxy.pfx'), pfx);
    world = await startVmWorld(
      withQlik({ installer: { source: 'file', path: join(dir, 'Qlik_Sense_setup.exe') }, certificate: { pfxFile: join(dir, 'proxy.pfx') } }),
      {},
      { ...ALL_SECRETS, pfxPassword: new Secret('Sim-Only-Pfx-4u!') },
    );
  });
  afterAll(async () => {
    await world?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stages the installer in the storage account once and hands the VM a read-only SAS and the checksum', async () => {
    const outcome = await world.run();
    expect(outcome.failed).toEqual([]);
    const install = lastRun(world, 'vm/install-qlik.ps1');
    const { plain: parameters, protected: protectedParameters } = sentInputs(install);
    const sha256 = createHash('sha256').update(installer).digest('hex');
    // The read SAS is a credential to the blob: it travels protected, never as a plain (readable) parameter.
    expect(parameters).not.toHaveProperty('InstallerUrl');
    expect(JSON.stringify(parameters)).not.toMatch(/sig=/);
    expect(protectedParameters.InstallerUrl).toMatch(new RegExp(`/qlik-azure-staging/${sha256}/Qlik_Sense_setup\\.exe\\?.*sp=r(&|$)`));
    expect(parameters.InstallerSha256).toBe(sha256);
    expect(world.notes).toContainEqual(expect.stringMatching(new RegExp(`^40: staged Qlik_Sense_setup\\.exe at https://127\\.0\\.0\\.1:\\d+/.+/qlik-azure-staging/${sha256}/Qlik_Sense_setup\\.exe$`)));
    const uploads = stagingPuts();
    expect(uploads).toBeGreaterThan(0);
    await world.run(stepsUpTo(40).filter((e) => e.number === 40));
    expect(stagingPuts()).toBe(uploads);
    expect(await world.stateText()).not.toMatch(/sig=/);
  });

  it('imports the PFX as LocalSystem, sending it and its password protected, then sets the proxy as the service account', () => {
    const imported = lastRun(world, 'qlik/certificate-import.ps1');
    expect(sentInputs(imported).protected).toEqual({ PfxBase64Key: pfx.toString('base64'), PfxPassword: 'Sim-Only-Pfx-4u!' });
    expect(Object.keys(sentInputs(imported).plain)).toEqual(['ServiceAccount']);
    expect(imported.runAsUser).toBeUndefined();
    expect(world.vm.runs.findLast((r) => r.template === 'qlik/certificate-import.ps1')?.runsAs).toBe('LocalSystem');
    const proxy = lastRun(world, 'qlik/certificate-proxy.ps1');
    const entry = world.entry(48);
    const thumbprint = entry?.status === 'done' ? entry.outputs.thumbprint : undefined;
    expect(thumbprint).toMatch(/^[0-9A-F]{40}$/);
    // As the service account through the envelope's scheduled task: its name plain, its password protected, no runAsUser.
    expect(sentInputs(proxy).plain).toEqual({ Thumbprint: thumbprint, KeepHttp: 'false', QlikRunAsAccount: 'qservice', QlikRunAsTimeoutSeconds: '540' });
    expect(sentInputs(proxy).protected).toEqual({ QlikRunAsPassword: ALL_SECRETS.serviceAccountPassword!.reveal() });
    expect(proxy.runAsUser).toBeUndefined();
    expect(world.vm.runs.findLast((r) => r.template === 'qlik/certificate-proxy.ps1')?.runsAs).toBe('qservice');
    expect(world.entry(48)).toMatchObject({ status: 'done', change: 'create', outputs: { subject: 'CN=qlik.example.com', allowHttp: false } });
    expect(world.vm.machine('qlik-sim-vm').qrs.sslThumbprint).toBe(thumbprint);
    expect(JSON.stringify(world.sim.requestLog())).not.toContain(pfx.toString('base64'));
  });

  it('gives each script of step 48 its own run command, and changes nothing on a re-run', async () => {
    const puts = () => world.sim.requestLog().filter((r) => r.method === 'PUT' && /\/runCommands\/qlik-azure-step-48/.test(r.path)).map((r) => r.path.split('/').at(-1));
    expect(puts()).toEqual(['qlik-azure-step-48-certificate-import', 'qlik-azure-step-48-certificate-proxy']);
    const machine = world.vm.machine('qlik-sim-vm');
    const before = { certificates: [...machine.certificates], thumbprint: machine.qrs.sslThumbprint, allowHttp: machine.qrs.allowHttp, requests: world.sim.requestLog().length };
    const outcome = await world.run(stepsUpTo(48).filter((e) => e.number === 48));
    expect(outcome.failed).toEqual([]);
    expect(world.entry(48)).toMatchObject({ status: 'done', change: 'unchanged' });
    // The re-run writes to the VM only what running the two scripts again takes (their run commands, then
    // their removal), under the same names; elsewhere only the run-command log container it ensures and the
    // storage key it reads. The machine keeps its certificate and proxy settings.
    const writes = world.sim.requestLog().slice(before.requests).filter((r) => r.method !== 'GET');
    const [onVm, elsewhere] = [writes.filter((r) => /\/virtualMachines\//i.test(r.path)), writes.filter((r) => !/\/virtualMachines\//i.test(r.path))];
    expect(elsewhere.every((r) => /\/(qlik-azure-run-command-logs|listKeys)$/.test(r.path)), elsewhere.map((r) => `${r.method} ${r.path}`).join('\n')).toBe(true);
    expect(onVm.map((r) => `${r.method} ${r.path.split('/').at(-1)}`).sort()).toEqual([
      'DELETE qlik-azure-step-48-certificate-import', 'DELETE qlik-azure-step-48-certificate-proxy',
      'PUT qlik-azure-step-48-certificate-import', 'PUT qlik-azure-step-48-certificate-proxy',
    ]);
    expect({ certificates: [...machine.certificates], thumbprint: machine.qrs.sslThumbprint, allowHttp: machine.qrs.allowHttp }).toEqual({ ...before, requests: undefined });
  });

  it('refuses a local installer whose checksum differs from the config', async () => {
    const other = await startVmWorld(withQlik({ installer: { source: 'file', path: join(dir, 'Qlik_Sense_setup.exe'), sha256: 'a'.repeat(64) } }));
    try {
      const outcome = await other.run(stepsUpTo(40));
      expect(outcome.failed).toEqual([{ step: 40, error: expect.objectContaining({ message: expect.stringContaining(`not the ${'a'.repeat(64)} the config expects`) }) }]);
    } finally {
      await other.close();
    }
  });
});

describe('a serial-number license', () => {
  let world: VmWorld;
  const serial = { licenseSerial: '9999000000001234', licenseControl: '54321', licenseLef: 'Sim-Only-LEF-text' };
  beforeAll(async () => {
    world = await startVmWorld(
      withQlik({ license: { method: 'serial', owner: 'BI Team', organization: 'Example Ltd' } }),
      {},
      { ...ALL_SECRETS, ...Object.fromEntries(Object.entries(serial).map(([name, value]) => [name, new Secret(value)])) },
    );
  });
  afterAll(() => world?.close());

  it('sends serial, control number and LEF protected, owner and organization plain', async () => {
    const outcome = await world.run(stepsUpTo(42));
    expect(outcome.failed).toEqual([]);
    const license = world.vm.runs.find((r) => r.template === 'qlik/license.ps1')!;
    expect(license.protectedNames).toEqual(['SerialKey', 'ControlKey', 'LefKey']);
    expect(license.parameters).toEqual({ LicenseOwner: 'BI Team', LicenseOrganization: 'Example Ltd' });
    expect(world.entry(42)).toMatchObject({ status: 'done', change: 'create', outputs: { mode: 'serial' } });
    expect(leakedSecrets(JSON.stringify(world.sim.requestLog()))).toEqual([]);
    expect(JSON.stringify(world.sim.requestLog())).not.toContain(serial.licenseSerial);
  });
});

describe('plan of the VM steps', () => {
  let world: VmWorld;
  beforeAll(async () => {
    world = await startVmWorld();
    await world.run(stepsUpTo(33));
  });
  afterAll(() => world?.close());

  it('answers from the journal without running anything on the VM', async () => {
    const registry = await loadStepRegistry();
    const plan = async (step: number) => (await registry.get(step)!.plan(world.context(step))).change;
    const runsBefore = world.vm.runs.length;
    expect([await plan(34), await plan(35), await plan(38), await plan(40), await plan(47), await plan(48)]).toEqual(['check', 'create', 'create', 'create', 'check', 'skip']);
    await world.run(stepsUpTo(46));
    const runsAfterApply = world.vm.runs.length;
    expect([await plan(35), await plan(38), await plan(39), await plan(40), await plan(46)]).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(world.vm.runs.length).toBe(runsAfterApply);
    expect(runsAfterApply).toBeGreaterThan(runsBefore);
  });
});
