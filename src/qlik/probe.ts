// Guide step 47: "test access to the hub and QMC from outside". From the machine running the CLI,
// GET /hub and /qmc on the public address and expect what an anonymous browser gets from the Qlik
// proxy: a redirect to its login page (form or Windows authentication). When that fails, say which
// piece is in the way — NSG, Windows Firewall, proxy service, certificate, host white list — and
// which guide step sets it.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type QlikPath = '/hub' | '/qmc';

export interface ProbeOptions {
  /** Public DNS name or IP address, as a browser would use it (it is the Host the proxy checks). */
  host: string;
  https: boolean;
  /** Also probe plain HTTP (when Allow HTTP was switched on in step 45). */
  http: boolean;
  /** Per connection attempt; a port that stays silent this long counts as blocked. */
  timeoutMs: number;
  /** Extra CA (PEM) to trust besides the system store, e.g. a private CA or a test CA. */
  ca?: string | Buffer;
  /** With a trusted certificate installed (step 48), an untrusted one is a failure, not a note. */
  requireTrustedCertificate?: boolean;
  /** Defaults 443 and 80; tests use loopback ports. */
  ports?: { https?: number; http?: number };
  paths?: readonly QlikPath[];
}

/** Ways a connection can fail before any HTTP answer. */
export type ConnectionFailure =
  /** connected: the TCP connection was accepted and then nothing came (a drop by NSG or firewall never connects). */
  | { kind: 'no-answer'; port: number; connected: boolean }
  | { kind: 'refused'; port: number }
  | { kind: 'reset'; port: number }
  | { kind: 'tls-error'; port: number; code: string }
  | { kind: 'name-not-resolved'; code: string };

export type ProbeOutcome =
  /** Qlik's login answered. certificate says whether the HTTPS certificate was trusted (null on HTTP). */
  | { kind: 'login-page'; loginUrl: string; certificate: CertificateTrust | null }
  /** The page itself could not be fetched. */
  | (ConnectionFailure & { stage: 'page' })
  /** The page redirected to the login, which could not be fetched (e.g. port 4244 closed). */
  | (ConnectionFailure & { stage: 'login'; loginUrl: string })
  /** The proxy turned the Host away: the name is not on the virtual proxy's host white list. */
  | { kind: 'host-not-allowed'; status: number }
  | { kind: 'unexpected-answer'; status: number; excerpt: string };

export type CertificateTrust = { trusted: true } | { trusted: false; code: string };

export interface ProbeResult {
  url: string;
  outcome: ProbeOutcome;
}

export interface Diagnosis {
  url: string;
  cause: string;
  fix: string;
  /** Guide steps whose settings are involved. */
  steps: number[];
}

export interface ProbeReport {
  ok: boolean;
  results: ProbeResult[];
  diagnoses: Diagnosis[];
}

export async function probeQlik(options: ProbeOptions): Promise<ProbeReport> {
  const targets = probeTargets(options);
  const results = await Promise.all(targets.map(async (url) => ({ url, outcome: await probeUrl(new URL(url), options) })));
  const diagnoses = results.flatMap((result) => {
    const diagnosis = diagnose(result, options);
    return diagnosis ? [diagnosis] : [];
  });
  return { ok: diagnoses.length === 0, results, diagnoses };
}

/**
 * Whether nothing answered at all, every port having dropped the connection: what an NSG does to an
 * address it does not allow, so a blocked VM and a machine outside the allowed sources look the same.
 * One answer anywhere (even the redirect to a silent login port) proves this machine is let through.
 */
export function onlyDroppedConnections(report: ProbeReport): boolean {
  return report.results.length > 0 && report.results.every(({ outcome }) => outcome.kind === 'no-answer' && !outcome.connected && outcome.stage === 'page');
}

export function probeTargets(options: ProbeOptions): string[] {
  const paths = options.paths ?? ['/hub', '/qmc'];
  const schemes: Array<{ scheme: 'https' | 'http'; port: number }> = [];
  if (options.https) schemes.push({ scheme: 'https', port: options.ports?.https ?? 443 });
  if (options.http) schemes.push({ scheme: 'http', port: options.ports?.http ?? 80 });
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return schemes.flatMap(({ scheme, port }) => paths.map((path) => new URL(`${scheme}://${host}:${port}${path}`).href));
}

/** What to do about a result; undefined when it is fine. */
export function diagnose(result: ProbeResult, options: Pick<ProbeOptions, 'host' | 'timeoutMs' | 'requireTrustedCertificate'>): Diagnosis | undefined {
  const { url, outcome } = result;
  const at = (cause: string, fix: string, steps: number[]): Diagnosis => ({ url, cause, fix, steps });
  switch (outcome.kind) {
    case 'login-page':
      if (outcome.certificate && !outcome.certificate.trusted && options.requireTrustedCertificate) {
        return at(`the login page answers, but its certificate is not trusted (${outcome.certificate.code})`, certificateFix, [48]);
      }
      return undefined;
    case 'no-answer':
      if (outcome.connected) {
        return at(
          `port ${outcome.port} accepted the connection but sent nothing within ${options.timeoutMs} ms${loginStage(outcome)}`,
          'the Qlik proxy is starting or hung: wait a minute and probe again; otherwise restart QlikSenseProxyService on the VM',
          [40, 41],
        );
      }
      return at(
        `no answer from ${options.host}:${outcome.port} within ${options.timeoutMs} ms${loginStage(outcome)}`,
        `allow TCP ${outcome.port} inbound in the Azure network security group from your address (step 11) and in the Windows Firewall rule on the VM (step 46)`,
        [11, 46],
      );
    case 'refused':
      return at(`the VM refused the connection on port ${outcome.port}${loginStage(outcome)}: nothing listens there`, refusedFix(outcome.port, url), refusedSteps(outcome.port, url));
    case 'reset':
      return at(`the connection on port ${outcome.port} was closed without an answer${loginStage(outcome)}`, 'the Qlik proxy restarts for a minute after its settings change (steps 45, 48); probe again, then check QlikSenseProxyService and its log on the VM', [45, 48]);
    case 'tls-error':
      return at(`the TLS handshake on port ${outcome.port} failed (${outcome.code})${loginStage(outcome)}`, certificateFix, [48]);
    case 'name-not-resolved':
      return at(`${options.host} does not resolve (${outcome.code})`, 'use the public IP address, or check the DNS name label of the public IP (steps 30-33) and any custom DNS record', [30, 31, 32, 33]);
    case 'host-not-allowed':
      return at(`the Qlik proxy answered ${outcome.status}: ${options.host} is not on the virtual proxy's host white list`, `add ${options.host} to HostWhiteList and re-run step 45 (Virtual proxies > Central Proxy (Default) > Host white list)`, [45]);
    case 'unexpected-answer':
      return at(`HTTP ${outcome.status} where Qlik's login was expected: ${outcome.excerpt}`, 'something other than the Qlik proxy answers on this address, or Qlik Sense is not set up yet; check the address and the Qlik services on the VM (steps 40-45)', [40, 41, 42, 43, 44, 45]);
  }
}

const certificateFix = "install a certificate from a trusted CA whose name matches the address and set it on the proxy (step 48); Qlik's own certificate is self-signed";

function loginStage(outcome: { stage: 'page' | 'login' }): string {
  return outcome.stage === 'login' ? ' (the login page Qlik redirects to)' : '';
}

/** Plain HTTP (port 80, and 4248 for its Windows login) is served only with Allow HTTP on; the scheme says so on any port. */
function needsAllowHttp(port: number, url: string): boolean {
  return port === 80 || port === 4248 || new URL(url).protocol === 'http:';
}

function refusedFix(port: number, url: string): string {
  if (needsAllowHttp(port, url)) return `port ${port} serves only with Allow HTTP on: switch it on (step 45), and check that QlikSenseProxyService runs`;
  return 'the Qlik Sense Proxy Service is not running: start QlikSenseProxyService on the VM (it needs the Repository Service) and read its log';
}

function refusedSteps(port: number, url: string): number[] {
  return needsAllowHttp(port, url) ? [45] : [40, 41];
}

type Fetched = { kind: 'answer'; response: IncomingMessage; body: string; certificate: CertificateTrust | null } | ConnectionFailure;

async function probeUrl(url: URL, options: ProbeOptions): Promise<ProbeOutcome> {
  const page = await fetchOnce(url, options);
  if (page.kind !== 'answer') return { ...page, stage: 'page' };
  const status = page.response.statusCode ?? 0;
  const location = page.response.headers.location;
  if (status >= 300 && status < 400 && location) {
    const loginUrl = new URL(location, url);
    if (!isQlikLogin(loginUrl)) return { kind: 'unexpected-answer', status, excerpt: `redirect to ${loginUrl.href}` };
    const login = await fetchOnce(loginUrl, options);
    if (login.kind !== 'answer') return { ...login, stage: 'login', loginUrl: loginUrl.href };
    if (isLoginAnswer(login)) return { kind: 'login-page', loginUrl: loginUrl.href, certificate: page.certificate };
    return answerOutcome(login);
  }
  if (isLoginAnswer(page)) return { kind: 'login-page', loginUrl: url.href, certificate: page.certificate };
  return answerOutcome(page);
}

// Qlik's proxy sends anonymous browsers to its form login (/internal_forms_authentication/ or a
// custom /form/) or to Windows authentication on the authentication port (4244, or 4248 on HTTP).
function isQlikLogin(url: URL): boolean {
  return /\/(internal_forms_authentication|form|windows_authentication)\//i.test(url.pathname) || ['4244', '4248'].includes(url.port);
}

function isLoginAnswer(fetched: Extract<Fetched, { kind: 'answer' }>): boolean {
  const { statusCode, headers } = fetched.response;
  if (statusCode === 401 && /negotiate|ntlm/i.test(String(headers['www-authenticate'] ?? ''))) return true;
  return statusCode === 200 && /<form[\s\S]*type=["']?password/i.test(fetched.body);
}

function answerOutcome(fetched: Extract<Fetched, { kind: 'answer' }>): ProbeOutcome {
  const status = fetched.response.statusCode ?? 0;
  // The proxy's refusal of a Host outside the white list: 400 with "The http request header is incorrect".
  if (status === 400 && /request header is incorrect|white ?list/i.test(fetched.body)) return { kind: 'host-not-allowed', status };
  return { kind: 'unexpected-answer', status, excerpt: fetched.body.replace(/\s+/g, ' ').slice(0, 120) };
}

const untrustedCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** One GET; on an untrusted certificate, once more without verification to see what answers behind it. */
async function fetchOnce(url: URL, options: ProbeOptions): Promise<Fetched> {
  const verified = await get(url, options, true);
  if (verified.kind === 'tls-error' && untrustedCodes.has(verified.code)) {
    const unverified = await get(url, options, false);
    if (unverified.kind === 'answer') return { ...unverified, certificate: { trusted: false, code: verified.code } };
    return unverified;
  }
  return verified;
}

function get(url: URL, options: ProbeOptions, verify: boolean): Promise<Fetched> {
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  return new Promise((resolve) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    let connected = false;
    const send = secure ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'GET',
      signal,
      headers: { 'user-agent': 'qlik-azure-probe (Mozilla/5.0 compatible)', accept: 'text/html' },
      ...(secure ? { ca: options.ca, rejectUnauthorized: verify, servername: isIp(url.hostname) ? undefined : url.hostname } : {}),
      agent: false,
    });
    request.on('socket', (socket) => socket.once('connect', () => { connected = true; }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({
        kind: 'answer',
        response,
        body: Buffer.concat(chunks).toString('utf8').slice(0, 64 * 1024),
        certificate: secure ? { trusted: true } : null,
      }));
      response.on('error', () => resolve({ kind: 'reset', port }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(signal.aborted ? { kind: 'no-answer', port, connected } : connectionFailure(error, port)));
    request.end();
  });
}

const tlsCodePattern = /^(ERR_TLS|ERR_SSL|EPROTO|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME)/;

function connectionFailure(error: NodeJS.ErrnoException, port: number): ConnectionFailure {
  const code = error.code ?? 'UNKNOWN';
  if (code === 'ECONNREFUSED') return { kind: 'refused', port };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'name-not-resolved', code };
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { kind: 'no-answer', port, connected: false };
  if (tlsCodePattern.test(code) || untrustedCodes.has(code)) return { kind: 'tls-error', port, code };
  return { kind: 'reset', port };
}

function isIp(hostname: string): boolean {
  return /^[\d.]+$/.test(hostname) || hostname.includes(':') || hostname.startsWith('[');
}
