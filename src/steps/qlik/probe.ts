/**
 * Step 47: from this machine, as a browser outside would, open /hub and /qmc on the public address and
 * expect Qlik's login; otherwise say what blocks them. In a simulation the loopback stand-in proxy plays
 * the VM's public ports, so nothing leaves this machine.
 */
import { StepError, type StepContext, type StepImplementation } from '../../engine/step.js';
import { probeQlik, type ProbeOptions } from '../../qlik/probe.js';
import { ADDRESS_STEP } from '../vm/target.js';

const PROBE_TIMEOUT_MS = 10_000;

function probeOptions(ctx: StepContext): ProbeOptions {
  const stand = ctx.azure.connection.qlikProxy;
  const address = ctx.outputsOf(ADDRESS_STEP);
  const common = { https: true, http: ctx.config.network.enableHttp, timeoutMs: PROBE_TIMEOUT_MS, requireTrustedCertificate: ctx.config.qlik.certificate !== undefined };
  if (stand) return { ...common, host: stand.host, ports: stand.ports, ca: stand.ca };
  return { ...common, host: String(address.fqdn || address.publicIpAddress) };
}

export const probeStep: StepImplementation = {
  plan: async () => ({ change: 'check', summary: 'probes /hub and /qmc from this machine' }),
  async apply(ctx) {
    const report = await probeQlik(probeOptions(ctx));
    if (!report.ok) {
      const steps = [...new Set(report.diagnoses.flatMap((d) => d.steps))].sort((a, b) => a - b);
      throw new StepError(`Qlik Sense does not answer from outside:\n  ${report.diagnoses.map((d) => `${d.url}: ${d.cause}`).join('\n  ')}`, {
        code: 'QlikNotReachable',
        advice: `${[...new Set(report.diagnoses.map((d) => d.fix))].join('; ')} (guide steps ${steps.join(', ')})`,
      });
    }
    const untrusted = report.results.some((r) => r.outcome.kind === 'login-page' && r.outcome.certificate?.trusted === false);
    if (untrusted) ctx.note('the hub answers with Qlik\'s self-signed certificate: browsers warn, iOS refuses; set qlik.certificate for a trusted one (step 48)');
    return { change: 'checked', outputs: { urls: report.results.map((r) => r.url), certificateTrusted: !untrusted } };
  },
};
