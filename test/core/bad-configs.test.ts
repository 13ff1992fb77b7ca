/**
 * Every config in test/fixtures/bad-configs is refused by the real CLI with exit 3, naming the field its
 * `# expect:` line gives, before the first ARM write: the simulator it would talk to logs no PUT, POST or
 * DELETE. Issue 11 (checks that need no Azure) and issue 12 item 13 (bad input found at step 29).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { BASE_CONFIG, connectionFlags, createWorkspace, SECRETS, writes, type Workspace } from '../steps/support.js';

const CORPUS = join(ROOT, 'test/fixtures/bad-configs');
const corpus = readdirSync(CORPUS).filter((name) => name.endsWith('.yaml')).sort().map((name) => {
  const text = readFileSync(join(CORPUS, name), 'utf8');
  const field = /^# expect: (.+)$/m.exec(text)?.[1];
  if (!field) throw new Error(`${name} has no '# expect: <field>' line`);
  return { name, field, says: /^# says: (.+)$/m.exec(text)?.[1] ?? '' };
});

/**
 * Wording slips a message must never have (issue 13 item 11): a sentence that starts with its verb where no
 * field precedes it, a count that disagrees with its noun, a fix announced twice, a doubled period.
 */
const SLIPS: readonly RegExp[] = [
  /(^|\n)\s*(error:\s*)?(> )?(is|are|must|has|contains) /,
  /(^|[^\d.])1 (steps|checks|rows|characters|problems|changes|tags)\b/,
  /how to fix:[^\n]*Fix:/i,
  /Fix:[^\n]*Fix:/,
  /[^.]\.\.(?!\.)/,
  /;\s*Fix:/,
];

export function slipsIn(text: string): string[] {
  return SLIPS.filter((slip) => slip.test(text)).map((slip) => `${slip.source} in: ${text}`);
}

describe('bad configs are refused before anything is created', () => {
  let ws: Workspace;
  beforeAll(async () => { ws = await createWorkspace(); });
  afterAll(async () => { await ws.close(); });

  it('has a corpus worth the name', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  it.each(corpus)('$name: exit 3 naming $field, no ARM write, no wording slip', async ({ name, field, says }) => {
    const flags = connectionFlags(ws).map((flag) => (flag === ws.configFile ? join(CORPUS, name) : flag));
    const result = await ws.cli(['apply', '--yes', ...flags]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`${field}: `);
    expect(result.stderr).toContain(says);
    expect(result.stderr).toMatch(/Fix:/);
    expect(slipsIn(result.stderr)).toEqual([]);
    expect(writes(ws.sim.requestLog())).toEqual([]);
  });

  it('an invalid --deployment is blamed on the flag, not the config file, with the lowercase name to use', async () => {
    await ws.writeConfig(BASE_CONFIG);
    const result = await ws.cli(['apply', '--yes', '-d', 'Qlik-Demo', ...connectionFlags(ws)]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain("--deployment: 'Qlik-Demo' is not a valid deployment name");
    expect(result.stderr).toContain("did you mean 'qlik-demo'?");
    expect(result.stderr).not.toContain(ws.configFile);
    expect(slipsIn(result.stderr)).toEqual([]);
    expect(writes(ws.sim.requestLog())).toEqual([]);
  });

  it('a tab in vmAdminPassword: exit 3 naming the secret (not its value), no ARM write', async () => {
    const password = 'Tab\there-Password-9';
    const secretsFile = join(ws.dir, 'tab-secrets.yaml');
    await writeFile(secretsFile, stringify({ ...SECRETS, vmAdminPassword: password }), { mode: 0o600 });
    await chmod(secretsFile, 0o600);
    await ws.writeConfig(BASE_CONFIG);
    const flags = connectionFlags(ws).map((flag) => (flag === ws.secretsFile ? secretsFile : flag));
    const result = await ws.cli(['apply', '--yes', ...flags]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain('secrets.vmAdminPassword: contains a control character');
    expect(result.stderr + result.stdout).not.toContain(password);
    expect(writes(ws.sim.requestLog())).toEqual([]);
  });
});
