import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../src/config/derive.js';
import { diagnose, probeQlik, probeTargets, type ProbeOptions, type ProbeReport, type ProbeResult } from '../src/qlik/probe.js';
import { probeVerdict } from '../src/steps/qlik/probe.js';
import { startQlikProxyStandIn, type QlikProxyStandIn, type QlikProxyStandInOptions } from '../src/simulator/qlik-proxy.js';

// Small timeouts: a silent port costs one timeout per attempt. No assertion is about elapsed time.
const timeoutMs = 300;
let standIn: QlikProxyStandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function probeStandIn(standInOptions: QlikProxyStandInOptions, probe: Partial<ProbeOptions> = {}) {
  standIn = await startQlikProxyStandIn(standInOptions);
  return probeQlik({
    host: 'localhost',
    https: true,
    http: false,
    timeoutMs,
    ca: standIn.caCertPem,
    ports: { https: standIn.ports.https, http: standIn.ports.http },
    ...probe,
  });
}

describe('probeQlik against the Qlik proxy stand-in', () => {
  it('finds the form login behind /hub and /qmc over HTTPS with a trusted certificate', async () => {
    const report = await probeStandIn({});
    expect(report.ok).toBe(true);
    expect(report.diagnoses).toEqual([]);
    expect(report.results.map((result) => new URL(result.url).pathname)).toEqual(['/hub', '/qmc']);
    for (const { outcome } of report.results) {
      expect(outcome).toMatchObject({ kind: 'login-page', certificate: { trusted: true } });
      if (outcome.kind === 'login-page') expect(outcome.loginUrl).toContain('/internal_forms_authentication/?targetId=');
    }
  });

  it('follows the Windows-authentication redirect to the authentication port', async () => {
    const report = await probeStandIn({ login: 'windows' });
    expect(report.ok).toBe(true);
    expect(report.results[0]?.outcome).toMatchObject({ kind: 'login-page', loginUrl: expect.stringContaining('/windows_authentication/') });
  });

  it('names the authentication port, at the login stage, when the login redirect goes unanswered', async () => {
    const report = await probeStandIn({ login: 'windows', auth: 'silent' });
    const authPort = standIn?.ports.auth;
    expect(report.ok).toBe(false);
    expect(report.results[0]?.outcome).toMatchObject({ kind: 'no-answer', stage: 'login', port: authPort, connected: true });
    // The port accepted the connection, so the NSG and firewall let it through: the proxy behind it is blamed.
    expect(report.diagnoses[0]).toMatchObject({
      cause: `port ${authPort} accepted the connection but sent nothing within ${timeoutMs} ms (the login page Qlik redirects to)`,
      steps: [40, 41],
    });
  });

  it('probes HTTP too when Allow HTTP is on', async () => {
    const report = await probeStandIn({ http: 'answer' }, { http: true });
    expect(report.results).toHaveLength(4);
    expect(report.results.filter((result) => result.url.startsWith('http:')).map((result) => result.outcome.kind)).toEqual(['login-page', 'login-page']);
    expect(report.ok).toBe(true);
  });

  it('says Allow HTTP is off (step 45) when port 80 refuses', async () => {
    const report = await probeStandIn({ http: 'refuse' }, { http: true });
    const httpDiagnoses = report.diagnoses.filter((diagnosis) => diagnosis.url.startsWith('http:'));
    expect(httpDiagnoses).toHaveLength(2);
    for (const diagnosis of httpDiagnoses) {
      expect(diagnosis.fix).toContain('serves only with Allow HTTP on: switch it on (step 45)');
      expect(diagnosis.steps).toEqual([45]);
    }
    expect(report.results.find((result) => result.url.startsWith('http:'))?.outcome).toMatchObject({ kind: 'refused', stage: 'page' });
  });

  it('says the proxy service is not running when HTTPS refuses', async () => {
    const report = await probeStandIn({ https: 'refuse' });
    expect(report.results[0]?.outcome).toMatchObject({ kind: 'refused', stage: 'page', port: standIn?.ports.https });
    expect(report.diagnoses[0]?.fix).toContain('QlikSenseProxyService');
  });

  it('tells a silent-but-connected port (hung proxy) from a dropped one', async () => {
    const report = await probeStandIn({ https: 'silent' });
    expect(report.results[0]?.outcome).toMatchObject({ kind: 'no-answer', stage: 'page', connected: true });
    expect(report.diagnoses[0]?.cause).toContain('accepted the connection but sent nothing');
  });

  it('reports a connection reset', async () => {
    const report = await probeStandIn({ https: 'reset' });
    expect(report.results[0]?.outcome).toMatchObject({ kind: 'reset', stage: 'page' });
    expect(report.diagnoses[0]?.steps).toEqual([45, 48]);
  });

  it('recognises the white-list refusal and names the host to add (step 45)', async () => {
    const report = await probeStandIn({ hostWhiteList: ['qsvm01.example.test'] });
    expect(report.results.map((result) => result.outcome)).toEqual([
      { kind: 'host-not-allowed', status: 400 },
      { kind: 'host-not-allowed', status: 400 },
    ]);
    expect(report.diagnoses[0]).toMatchObject({ steps: [45], fix: expect.stringContaining('add localhost to HostWhiteList') });
  });

  it("reaches the login behind Qlik's self-signed certificate and notes it; fails only when a trusted one is required", async () => {
    const lenient = await probeStandIn({}, { ca: undefined });
    expect(lenient.ok).toBe(true);
    expect(lenient.results[0]?.outcome).toMatchObject({ kind: 'login-page', certificate: { trusted: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } });
    await standIn?.close();

    const strict = await probeStandIn({}, { ca: undefined, requireTrustedCertificate: true });
    expect(strict.ok).toBe(false);
    expect(strict.diagnoses[0]).toMatchObject({ steps: [48] });
  });

  it('names the certificate when the TLS handshake itself fails', () => {
    const diagnosis = diagnose(
      { url: 'https://qsvm01.example.test/hub', outcome: { kind: 'tls-error', port: 443, code: 'ERR_SSL_WRONG_VERSION_NUMBER', stage: 'page' } },
      { host: 'qsvm01.example.test', timeoutMs },
    );
    expect(diagnosis).toMatchObject({ steps: [48], cause: expect.stringContaining('ERR_SSL_WRONG_VERSION_NUMBER') });
  });
});

describe('diagnose', () => {
  const context = { host: '20.50.60.70', timeoutMs: 5000 };

  it('points a dropped port at the NSG rule and the Windows Firewall, with the port', () => {
    const diagnosis = diagnose({ url: 'https://20.50.60.70/hub', outcome: { kind: 'no-answer', port: 443, connected: false, stage: 'page' } }, context);
    expect(diagnosis?.cause).toBe('no answer from 20.50.60.70:443 within 5000 ms');
    expect(diagnosis?.fix).toContain('allow TCP 443 inbound in the Azure network security group');
    expect(diagnosis?.fix).toContain('Windows Firewall');
    expect(diagnosis?.steps).toEqual([11, 46]);
  });

  it('has nothing to say about a reachable login page', () => {
    expect(diagnose({ url: 'http://20.50.60.70/qmc', outcome: { kind: 'login-page', loginUrl: 'http://20.50.60.70/internal_forms_authentication/', certificate: null } }, context)).toBeUndefined();
  });
});

describe('probeTargets', () => {
  it('lists HTTPS then HTTP for hub and QMC, bracketing IPv6', () => {
    expect(probeTargets({ host: 'qsvm01.westeurope.cloudapp.azure.com', https: true, http: true, timeoutMs })).toEqual([
      'https://qsvm01.westeurope.cloudapp.azure.com/hub',
      'https://qsvm01.westeurope.cloudapp.azure.com/qmc',
      'http://qsvm01.westeurope.cloudapp.azure.com/hub',
      'http://qsvm01.westeurope.cloudapp.azure.com/qmc',
    ]);
    expect(probeTargets({ host: '::1', https: true, http: false, timeoutMs, ports: { https: 8443 } })).toEqual(['https://[::1]:8443/hub', 'https://[::1]:8443/qmc']);
  });
});

describe('step 47 run from a machine outside network.allowedSourceCidrs', () => {
  const host = 'qlik-sim.westeurope.cloudapp.azure.com';
  const network = (allowAnySource: boolean) => ({ network: { allowAnySource, allowedSourceCidrs: ['203.0.113.0/24'] } }) as unknown as Pick<ResolvedConfig, 'network'>;
  const reportOf = (results: ProbeResult[]): ProbeReport => {
    const diagnoses = results.flatMap((result) => diagnose(result, { host, timeoutMs }) ?? []);
    return { ok: diagnoses.length === 0, results, diagnoses };
  };
  const dropped = (path: string): ProbeResult => ({ url: `https://${host}/${path}`, outcome: { kind: 'no-answer', port: 443, connected: false, stage: 'page' } });

  it('finishes as checked with a note when every port stayed silent, since the NSG drops such a machine', () => {
    const { result, note } = probeVerdict(reportOf([dropped('hub'), dropped('qmc')]), network(false));
    expect(result).toEqual({ change: 'checked', outputs: { urls: [`https://${host}/hub`, `https://${host}/qmc`], reachedFromHere: false } });
    expect(note).toMatch(new RegExp(`^could not reach https://${host.replace(/\./g, '\\.')}/hub, .*/qmc from this machine; expected if this machine is outside network\\.allowedSourceCidrs; otherwise: no answer from ${host.replace(/\./g, '\\.')}:443`));
  });

  it('still fails when the NSG admits any source: silence is then a real block', () => {
    expect(() => probeVerdict(reportOf([dropped('hub')]), network(true))).toThrow(/Qlik Sense does not answer from outside/);
  });

  it('still fails when the page answered but its login port stayed silent: this machine is let through', () => {
    const login: ProbeResult = { url: `https://${host}/hub`, outcome: { kind: 'no-answer', port: 4244, connected: false, stage: 'login', loginUrl: `https://${host}:4244/windows_authentication/` } };
    expect(() => probeVerdict(reportOf([login]), network(false))).toThrow(/no answer from .*:4244/);
  });

  it('still fails when the VM refuses, or TLS fails, besides the silence', () => {
    const tls: ProbeResult = { url: `https://${host}/qmc`, outcome: { kind: 'tls-error', port: 443, code: 'ERR_SSL_WRONG_VERSION_NUMBER', stage: 'page' } };
    expect(() => probeVerdict(reportOf([dropped('hub'), tls]), network(false))).toThrow(/TLS handshake on port 443 failed/);
  });

  it('fails for a refusing proxy and a host outside the white list, which only an admitted machine sees', async () => {
    expect(() => probeVerdict(reportOf([{ url: `https://${host}/hub`, outcome: { kind: 'refused', port: 443, stage: 'page' } }]), network(false))).toThrow(/refused the connection/);
    const report = await probeStandIn({ hostWhiteList: ['qsvm01.example.test'] });
    expect(() => probeVerdict(report, network(false))).toThrow(/host white list/);
  });
});
