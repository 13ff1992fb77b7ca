/**
 * Step 47: from this machine, as a browser outside would, open /hub and /qmc on the public address and
 * expect Qlik's login; otherwise say what blocks them. In a simulation the loopback stand-in proxy plays
 * the VM's public ports, so nothing leaves this machine. A machine outside network.allowedSourceCidrs (CI,
 * a jump host) is dropped by the NSG exactly as a blocked port would be, so that case is a note, not a failure.
 */
import type { ResolvedConfig } from '../../config/derive.js';
import { StepError, type StepContext, type StepImplementation, type StepResult } from '../../engine/step.js';
import { onlyDroppedConnections, probeQlik, type ProbeOptions, type ProbeReport } from '../../qlik/probe.js';
import { ADDRESS_STEP } from '../vm/target.js';

const PROBE_TIMEOUT_MS = 10_000;

function probeOptions(ctx: StepContext): ProbeOptions {
  const stand = ctx.azure.connection.qlikProxy;
  const address = ctx.outputsOf(ADDRESS_STEP);
  const common = { https: true, http: ctx.config.network.enableHttp, timeoutMs: PROBE_TIMEOUT_MS, requireTrustedCertificate: ctx.config.qlik.certificate !== undefined };
  if (stand) return { ...common, host: stand.host, ports: stand.ports, ca: stand.ca };
  return { ...common, host: String(address.fqdn || address.publicIpAddress) };
}

function unreachableError(report: ProbeReport): StepError {
  const steps = [...new Set(report.diagnoses.flatMap((d) => d.steps))].sort((a, b) => a - b);
  return new StepError(`Qlik Sense does not answer from outside:\n  ${report.diagnoses.map((d) => `${d.url}: ${d.cause}`).join('\n  ')}`, {
    code: 'QlikNotReachable',
    advice: `${[...new Set(report.diagnoses.map((d) => d.fix))].join('; ')} (guide steps ${steps.join(', ')})`,
  });
}

/** The note for a probe the NSG may have dropped because this machine is not an allowed source. */
function outsideAllowedSourcesNote(report: ProbeReport): string {
  const urls = report.diagnoses.map((d) => d.url).join(', ');
  return `could not reach ${urls} from this machine; expected if this machine is outside network.allowedSourceCidrs; otherwise: ${report.diagnoses.map((d) => `${d.cause}: ${d.fix}`).join('; ')}`;
}

/** What step 47 makes of a probe: checked (maybe with a note) or a failure naming what blocks Qlik Sense. */
export function probeVerdict(report: ProbeReport, config: Pick<ResolvedConfig, 'network'>): { result: StepResult; note?: string } {
  const urls = report.results.map((r) => r.url);
  if (!report.ok) {
    // With allowAnySource the NSG admits every address, so a dropped connection is a real block.
    if (config.network.allowAnySource || !onlyDroppedConnections(report)) throw unreachableError(report);
    return { result: { change: 'checked', outputs: { urls, reachedFromHere: false } }, note: outsideAllowedSourcesNote(report) };
  }
  const untrusted = report.results.some((r) => r.outcome.kind === 'login-page' && r.outcome.certificate?.trusted === false);
  const note = untrusted ? 'the hub answers with Qlik\'s self-signed certificate: browsers warn, iOS refuses; set qlik.certificate for a trusted one (step 48)' : undefined;
  return { result: { change: 'checked', outputs: { urls, reachedFromHere: true, certificateTrusted: !untrusted } }, ...(note ? { note } : {}) };
}

export const probeStep: StepImplementation = {
  plan: async () => ({ change: 'check', summary: 'probes /hub and /qmc from this machine' }),
  async apply(ctx) {
    const { result, note } = probeVerdict(await probeQlik(probeOptions(ctx)), ctx.config);
    if (note) ctx.note(note);
    return result;
  },
};
