/**
 * The simulated VM refuses what the real scripts refuse, with their exit codes (templates/qlik/proxy.ps1,
 * templates/vm/install-qlik.ps1): a white-list entry that is no host name (2); a ReleaseName that is not
 * the release installed, which the script compares without "Patch N" (26).
 */
import { describe, expect, it } from 'vitest';
import { createSimulatedQlikVm } from '../../src/simulator/qlik-vm.js';
import { runInEnvelope } from '../support/envelope-run.js';

/** As the product sends it: the template inside the envelope, through Windows Run Command's transport. */
function run(vm: ReturnType<typeof createSimulatedQlikVm>, template: string, plain: Record<string, string>, secret: Record<string, string> = {}) {
  // The QRS scripts run as the service account, as the product runs them.
  const runAs = template.startsWith('qlik/') ? SERVICE_ACCOUNT : undefined;
  return runInEnvelope(vm.executor, { vmName: 'vm-1', computerName: 'vm-1', template, plain, secret, ...(runAs ? { runAs } : {}) });
}

const SERVICE_ACCOUNT = { account: 'qservice', password: 'Service-1x' };
const createAccounts = (vm: ReturnType<typeof createSimulatedQlikVm>) =>
  run(vm, 'vm/accounts.ps1', { ServiceAccountName: SERVICE_ACCOUNT.account, LocalUserCount: '0' }, { ServiceAccountPassword: SERVICE_ACCOUNT.password, AdminAccountPassword: 'Admin-1x' });

describe('the simulated VM refuses what the scripts refuse', () => {
  it("proxy.ps1: a white-list entry 'bad host!' ends with exit code 2, naming it", async () => {
    const vm = createSimulatedQlikVm();
    await createAccounts(vm);
    vm.machine('vm-1').release = 'Qlik Sense May 2025';
    const refused = await run(vm, 'qlik/proxy.ps1', { HostWhiteList: 'qlik.example.com,bad host!' });
    expect(refused.exitCode).toBe(2);
    expect(refused.error).toContain("'bad host!' is not a host name or IP address");
    expect(vm.machine('vm-1').qrs.hostWhiteList).toEqual([]);
    // As the script's pattern: names, addresses, a port, a bracketed IPv6 address.
    const accepted = await run(vm, 'qlik/proxy.ps1', { HostWhiteList: 'qlik.example.com, 203.0.113.7,qlik-sim:443,[2001:db8::1]' });
    expect(accepted.exitCode).toBe(0);
    expect(vm.machine('vm-1').qrs.hostWhiteList).toEqual(['qlik.example.com', '203.0.113.7', 'qlik-sim:443', '[2001:db8::1]']);
  });

  it('install-qlik.ps1: a ReleaseName with "Patch N" never matches the release found (exit 26), as the script compares without it', async () => {
    const vm = createSimulatedQlikVm();
    const install = (release: string) => run(vm, 'vm/install-qlik.ps1',
      { ReleaseName: release, ServiceAccountName: 'qservice', Hostname: 'vm-1' },
      { InstallerUrl: 'https://downloads.example.invalid/Qlik_Sense_setup.exe', ServiceAccountPassword: 'Service-1x', RepositoryDbPassword: 'Db-1x' });
    await createAccounts(vm);
    const installed = await install('Qlik Sense May 2025 Patch 2');
    expect(installed.exitCode, installed.error).toBe(0);
    expect(installed.output).toContain('"release":"Qlik Sense May 2025"');
    const again = await install('Qlik Sense May 2025 Patch 2');
    expect(again.exitCode).toBe(26);
    expect(again.error).toContain("'Qlik Sense May 2025' is installed, not 'Qlik Sense May 2025 Patch 2'");
    expect((await install('Qlik Sense May 2025')).exitCode).toBe(0);
    expect((await install('Qlik Sense November 2025')).exitCode).toBe(26);
  });
});
