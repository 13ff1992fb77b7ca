/**
 * The address this computer reaches the internet from, as the portal's "My IP address" button finds it
 * for a security rule: asked of a "what is my IP" HTTPS service. Only ever called after the user agreed
 * (the wizard asks; `--my-ip` / `--no-my-ip` answer in advance). QLIK_AZURE_MY_IP_URL picks the service;
 * under --simulate the simulator answers in its place (simulator/stand-ins.ts), so tests stay on loopback.
 */
import { request, type Agent } from 'node:https';
import { isIP } from 'node:net';

export const DEFAULT_MY_IP_URL = 'https://api.ipify.org';

export interface PublicAddressLookup {
  /** Where the address is asked, to name it in the question. */
  readonly source: string;
  lookUp(): Promise<string>;
}

/** The service to ask: QLIK_AZURE_MY_IP_URL, or api.ipify.org. */
export function myIpUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.QLIK_AZURE_MY_IP_URL ?? DEFAULT_MY_IP_URL;
}

/** GETs `url` and returns the address it answers: plain text (as api.ipify.org) or JSON with `ip`. */
export function lookUpPublicAddress(url: string, options: { agent?: Agent; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`could not look up this computer's public address at ${url}: ${why}`));
    // HTTPS only: the answer decides who may reach the server.
    if (!url.startsWith('https://')) return fail('not an https:// URL (QLIK_AZURE_MY_IP_URL)');
    const req = request(url, { method: 'GET', ...(options.agent ? { agent: options.agent } : {}), timeout: options.timeoutMs ?? 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { if (body.length < 1000) body += chunk; });
      res.on('end', () => {
        if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}`);
        const address = addressIn(body.trim());
        return address ? resolve(address) : fail('the answer is not an IP address');
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (error) => fail(error.message));
    req.end();
  });
}

function addressIn(text: string): string | undefined {
  let candidate = text;
  try {
    const parsed = JSON.parse(text) as { ip?: unknown };
    if (parsed && typeof parsed.ip === 'string') candidate = parsed.ip;
  } catch {
    // Plain text, as api.ipify.org answers by default.
  }
  return isIP(candidate) ? candidate : undefined;
}
