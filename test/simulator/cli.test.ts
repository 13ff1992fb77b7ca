import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../support/cli.js';

const cliJs = join(ROOT, 'dist/simulator/cli.js');
let dir: string;

beforeAll(async () => {
  // The standalone runner is the compiled file. npm test builds dist/ once before vitest; building here
  // too would rewrite dist/ while other suites read it.
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('standalone simulator process', () => {
  it('prints {url, caFile}, serves HTTPS trusted through NODE_EXTRA_CA_CERTS, stops on SIGTERM', async () => {
    expect(existsSync(cliJs)).toBe(true);
    const caOut = join(dir, 'ca.pem');
    const child = spawn(process.execPath, [cliJs, '--latency-scale', '0', '--faults', 'none', '--ca-out', caOut], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolveLine) => createInterface({ input: child.stdout }).once('line', resolveLine));
    const { url, caFile } = JSON.parse(line) as { url: string; caFile: string };
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(caFile).toBe(caOut);

    // A separate Node process trusts the simulator through NODE_EXTRA_CA_CERTS only.
    const probe = `const r = await fetch('${url}/subscriptions?api-version=2022-12-01', { headers: { authorization: 'Bearer x' } }); console.log(r.status);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(stdout.trim()).toBe('200');

    const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
