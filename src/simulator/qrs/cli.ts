// Starts the fake QRS for out-of-process clients (Pester). Prints one JSON line:
//   {"url":"https://127.0.0.1:PORT","caFile":..,"clientCertFile":..,"clientKeyFile":..,"callsUrl":..}
// and serves until stdin closes or the process is signalled. Control routes on the same
// origin: GET /__calls, GET /__entities, POST /__control (see FakeQrsControl).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeQrs, type NotReadyMode } from './server.js';

const { values } = parseArgs({
  options: {
    'not-ready-ms': { type: 'string' },
    'not-ready-mode': { type: 'string', default: '503' },
  },
});

const notReady = values['not-ready-ms'];
const mode = values['not-ready-mode'];
if (mode !== '503' && mode !== 'refuse') throw new Error('--not-ready-mode must be 503 or refuse');
if (notReady !== undefined && notReady !== 'forever' && !/^\d+$/.test(notReady)) {
  throw new Error('--not-ready-ms must be a number of milliseconds or "forever"');
}

const fake = await startFakeQrs({
  notReadyMs: notReady === undefined || notReady === 'forever' ? notReady : Number(notReady),
  notReadyMode: mode as NotReadyMode,
});
const dir = mkdtempSync(join(tmpdir(), 'fake-qrs-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};
process.stdout.write(`${JSON.stringify({
  url: fake.url,
  caFile: file('root.pem', fake.caCertPem),
  clientCertFile: file('client.pem', fake.clientCertPem),
  clientKeyFile: file('client_key.pem', fake.clientKeyPem),
  callsUrl: `${fake.url}/__calls`,
})}\n`);

const stop = async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
