/**
 * All 48 guide steps in this process, through the real SDK clients against the simulator, the simulated
 * Windows VM and the loopback Qlik proxy: the first run sets everything up and writes the RDP file and the
 * account table; a second run changes nothing. No secret reaches the journal, a note or an artifact.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/engine/runner.js';
import { RUNNABLE_STEPS } from '../../src/engine/catalogue.js';
import { writes } from '../steps/support.js';
import { COMPUTER_NAME, leakedSecrets, startVmWorld, type VmWorld } from './support.js';

const FQDN = 'qlik-sim.westeurope.cloudapp.azure.com';

describe('guide steps 1-48 in process', () => {
  let world: VmWorld;
  let first: RunOutcome;
  const outputs = (step: number) => {
    const entry = world.entry(step);
    if (entry?.status !== 'done') throw new Error(`step ${step} is ${entry?.status ?? 'not run'}`);
    return entry.outputs;
  };
  const artifact = (step: number, key: string) => readFile(String(outputs(step)[key]), 'utf8');

  beforeAll(async () => {
    world = await startVmWorld();
    first = await world.run();
  });
  afterAll(() => world?.close());

  it('finishes every runnable step', () => {
    expect(first.failed).toEqual([]);
    expect(first.blocked).toEqual([]);
    expect([...first.finished].sort((a, b) => a - b)).toEqual(RUNNABLE_STEPS.map((e) => e.number));
  });

  it('leaves the VM set up as the guide asks', () => {
    const machine = world.vm.machine('qlik-sim-vm');
    expect([...machine.accounts.keys()]).toEqual(['qservice', 'QSAdmin', 'QlikUser1', 'QlikUser2']);
    expect([...machine.administrators]).toEqual(['qservice']);
    expect(machine.release).toBe('Qlik Sense November 2025');
    expect([...machine.firewallRules.values()]).toEqual([443, 4244]);
    expect(machine.qrs).toMatchObject({ everyoneRule: true, allowHttp: false, formLogin: false });
    expect([...machine.qrs.rootAdmins]).toEqual(['QSAdmin']);
    expect(machine.qrs.hostWhiteList).toEqual([String(outputs(30).publicIpAddress), COMPUTER_NAME, FQDN, 'qlik.example.com']);
    // The install runs as LocalSystem and starts the installer as the service account itself; the QRS scripts
    // need the service account's client certificate and get there through the envelope's scheduled task.
    // Run Command's runAsUser is never sent.
    const install = world.vm.runs.find((r) => r.template === 'vm/install-qlik.ps1')!;
    expect(install.runsAs).toBe('LocalSystem');
    expect(install.protectedNames).toEqual(['InstallerUrl', 'ServiceAccountPassword', 'RepositoryDbPassword']);
    expect(new Set(world.vm.runs.filter((r) => r.template.startsWith('qlik/')).map((r) => r.runsAs))).toEqual(new Set(['qservice']));
    expect(new Set(world.vm.runs.filter((r) => r.template.startsWith('vm/')).map((r) => r.runsAs))).toEqual(new Set(['LocalSystem']));
    expect(world.vm.runs.filter((r) => r.runAsUser !== undefined)).toEqual([]);
    expect(world.vm.runs.find((r) => r.template === 'qlik/license.ps1')?.protectedNames).toEqual(['SignedLicenseKey']);
  });

  it('records outputs the summary reads, and skips step 48 without a certificate', () => {
    expect(outputs(34)).toMatchObject({ computerName: COMPUTER_NAME, osVersion: '10.0.20348', qlikReleases: [] });
    expect(outputs(40)).toEqual({ release: 'Qlik Sense November 2025', hostname: COMPUTER_NAME, sharePath: `\\\\${COMPUTER_NAME}\\QlikShare` });
    // The stand-in's CA is trusted, as a real deployment's would be with step 48.
    expect(outputs(47)).toMatchObject({ certificateTrusted: true });
    expect(outputs(47).urls).toEqual([expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/hub$/), expect.stringMatching(/\/qmc$/)]);
    expect(world.entry(48)).toMatchObject({ status: 'done', change: 'skip' });
  });

  it('writes the RDP file with the DNS name and the VM administrator', async () => {
    expect(String(outputs(35).rdpFile)).toMatch(/qlik-sim\.rdp$/);
    expect((await artifact(35, 'rdpFile')).split('\r\n')).toEqual(expect.arrayContaining([`full address:s:${FQDN}`, 'username:s:qlikadmin']));
  });

  it('writes the account table as Markdown and CSV, naming where each secret lives and never a secret', async () => {
    const markdown = await artifact(39, 'accountTableMarkdown');
    const csv = await artifact(39, 'accountTableCsv');
    expect(markdown).toContain('| Account | Windows role | Settings | Purpose | Secret lives in |');
    expect(markdown).toContain(`| ${COMPUTER_NAME}\\qservice | Administrators | password never expires; user cannot change password | runs the Qlik Sense services; installs Qlik Sense | secrets file (serviceAccountPassword) |`);
    expect(csv.split('\r\n')).toEqual(expect.arrayContaining([
      'Account,Windows role,Settings,Purpose,Secret lives in',
      `${COMPUTER_NAME}\\QSAdmin,Users,password never expires; user cannot change password; Qlik RootAdmin,Qlik Sense administrator (QMC),secrets file (qlikAdminPassword)`,
      `${COMPUTER_NAME}\\QlikUser2,Users,password never expires; user cannot change password; access through the everyone license rule,Qlik Sense user (hub),secrets file (localUserPassword)`,
    ]));
    expect(leakedSecrets(markdown + csv)).toEqual([]);
  });

  it('keeps every secret out of the state file and the notes', async () => {
    expect(leakedSecrets(await world.stateText())).toEqual([]);
    expect(leakedSecrets(world.notes.join('\n'))).toEqual([]);
    expect(world.notes.join('\n')).not.toMatch(/sig=/);
  });

  describe('a second run', () => {
    let logBefore = 0;
    let artifactsBefore = '';
    let second: RunOutcome;

    beforeAll(async () => {
      logBefore = world.sim.requestLog().length;
      artifactsBefore = (await artifact(35, 'rdpFile')) + (await artifact(39, 'accountTableMarkdown')) + (await artifact(39, 'accountTableCsv'));
      second = await world.run();
    });

    it('changes nothing in Azure: its only ARM writes are the run commands of the VM steps', () => {
      expect(second.failed).toEqual([]);
      // Blob requests (the log container's create-if-missing) are data plane, not ARM.
      const armWrites = writes(world.sim.requestLog().slice(logBefore))
        .filter((r) => r.path.startsWith('/subscriptions/') && !/\/runCommands\/qlik-azure-step-\d+$/.test(r.path));
      expect(armWrites.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    });

    it('changes nothing on the VM: every script reports its state as it was', () => {
      // 35 and 39 rewrite their local files with identical content (checked below).
      const changes = RUNNABLE_STEPS.filter((e) => e.number !== 35 && e.number !== 39).map((e) => [e.number, world.entry(e.number)]).map(([step, entry]) => [step, entry?.status === 'done' ? entry.change : entry?.status]);
      expect(changes.filter(([, change]) => !['unchanged', 'checked', 'skip'].includes(String(change)))).toEqual([]);
    });

    it('rewrites the RDP file and the account table unchanged', async () => {
      expect((await artifact(35, 'rdpFile')) + (await artifact(39, 'accountTableMarkdown')) + (await artifact(39, 'accountTableCsv'))).toBe(artifactsBefore);
    });
  });
});
