/**
 * A new user's first `qlik-azure init`, in a real pseudo-terminal against the in-process simulator:
 * every prompt answered by keys, two validation errors corrected, the plan confirmed, the run watched
 * to the end, the summary read, and the files checked for secrets. Then the same config runs
 * non-interactively with --json. Needs `npx tsc` first (the CLI runs from dist/).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderScreen } from './screen.js';
import { CLI, KEY, scratchDirectory, startTerminal, type TerminalSession } from './terminal.js';

const PASSWORDS = {
  vm: 'Vm-Admin-Pass-4821',
  service: 'Service-Pass-7734',
  qlikAdmin: 'QS-Admin-Pass-9902',
  repository: 'Repo-Db-Pass-3310',
  users: 'Users-Pass-5567',
};
const LICENSE_KEY = 'eyJ-test.signed-license-key.0123456789abcdef';
const SECRETS = [...Object.values(PASSWORDS), LICENSE_KEY];

const BACKSPACE = '\u007f';

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Types a value that the question must refuse, checks the inline error, erases it and types the right one. */
async function refusedThenCorrected(terminal: TerminalSession, wrong: string, error: RegExp, right: string): Promise<void> {
  await terminal.answer(wrong);
  await terminal.waitFor(error);
  terminal.send(BACKSPACE.repeat(wrong.length));
  await terminal.answer(right);
}

async function password(terminal: TerminalSession, prompt: RegExp, value: string): Promise<void> {
  await terminal.reply(prompt, value);
  await terminal.reply('The same password again', value);
}

describe('qlik-azure init on a terminal, as a new user', () => {
  const cwd = scratchDirectory();
  let transcript = '';
  let exitCode: number | undefined;

  beforeAll(async () => {
    const terminal = startTerminal(['init', '--simulate', '--state-dir', 'state'], { cwd, env: { QLIK_AZURE_SIM_LATENCY: '0.02' } });
    try {
      await terminal.waitFor('1/5 Azure');
      await terminal.reply('How many users', '40');
      await terminal.reply('How many apps', '');
      await terminal.pick(/VM size \(recommended for 40 users and 10 apps: (\S+)\)/);
      // One row up from the suggested region, as a person browsing the list would.
      await terminal.pick(/Region \(\d+ offer/, KEY.up);
      await terminal.reply('Deployment name', 'qlik-ux');
      await terminal.waitFor('Every name derives from it');

      await terminal.reply('Look up this computer\'s public address', 'n');
      await terminal.reply('Who may reach Qlik Sense?', '*');
      await terminal.reply('opens Qlik Sense to the whole internet', 'n');
      await terminal.waitFor('Who may reach Qlik Sense?');
      // Host bits set: refused by the config's own rule, with the range it likely means (issue 13 item 11).
      await refusedThenCorrected(terminal, '203.0.113.5/24', /'203\.0\.113\.5\/24' has host bits set: did you mean '203\.0\.113\.0\/24'\?/, '203.0.113.0/24, 198.51.100.7');
      await terminal.reply('Also serve plain HTTP', 'y');
      await terminal.reply('Open RDP', 'y');
      await terminal.reply('Who may use RDP?', '');

      await terminal.pick('Windows Server image', KEY.down);
      await terminal.waitFor('Windows computer name');
      await refusedThenCorrected(terminal, 'qlik-central-node-01', /has 20 characters; Windows computer names have at most 15/, 'qlikcentral');
      await terminal.reply('VM administrator user name', '');
      await terminal.pick('Windows Server licence');

      await terminal.pick('Where is Qlik_Sense_setup.exe?');
      await terminal.waitFor('Installer download link');
      await refusedThenCorrected(terminal, 'http://example.com/setup.exe', /is not an https:\/\/ link\. Fix: use the https:\/\/ download link/, 'https://example.com/Qlik_Sense_setup.exe');
      await terminal.reply('SHA-256', '');
      await terminal.pick(/\? License\b/);
      await terminal.pick('License model', KEY.down);
      await terminal.reply('How many local Qlik users', '3');

      await terminal.waitFor('5/5 Secrets');
      await terminal.pick('Passwords for', KEY.down);
      await terminal.waitFor(/Password for qlikadmin \(VM administrator\)/);
      await refusedThenCorrected(terminal, 'Short1!x', /the password has 8 characters; Azure requires 12-123/, PASSWORDS.vm);
      await terminal.reply('The same password again', PASSWORDS.vm);
      await password(terminal, /Password for qservice/, PASSWORDS.service);
      await password(terminal, /Password for QSAdmin/, PASSWORDS.qlikAdmin);
      await password(terminal, /Password for the Qlik repository database/, PASSWORDS.repository);
      await password(terminal, /Password for QlikUser1\.\.QlikUser3/, PASSWORDS.users);
      await terminal.reply('signed license key', LICENSE_KEY);
      await terminal.waitFor(`received ${LICENSE_KEY.length} characters`);

      await terminal.reply('then show the plan?', '');
      await terminal.waitFor(/Apply \d+ steps to 'qlik-ux' \(\d+ to create, \d+ to update, \d+ unchanged, \d+ checks?\)\?/, 60_000);
      await terminal.answer('y');
      exitCode = await Promise.race([terminal.exited, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('the run did not finish in 120 s')), 120_000))]);
    } finally {
      transcript = terminal.text();
      // What the person saw, for reading a failure (and the README).
      writeFileSync(join(cwd, 'transcript.txt'), renderScreen(terminal.raw()));
      terminal.kill();
    }
  }, 200_000);

  it('finishes against the simulator and exits 0', () => {
    expect(exitCode, transcript.slice(-2000)).toBe(0);
  });

  it('shows inline errors that say how to fix the answer', () => {
    // The terminal wraps long lines; the sentences are what matter.
    const flat = transcript.replace(/\r?\n/g, '');
    expect(flat).toMatch(/has 20 characters; Windows computer names have at most 15\. Fix: choose a name of 15 characters or fewer/);
    expect(flat).toMatch(/the password has 8 characters; Azure requires 12-123\. Fix:/);
    expect(flat).toMatch(/qlik\.installer\.url is not an https:\/\/ link\. Fix: use the https:\/\/ download link/);
  });

  it('ends with a summary: hub, admin, where the secrets are, the artifacts', () => {
    const location = /Region \(\d+ offer [^)]+\) .* \((\w+)\)/.exec(transcript)?.[1];
    expect(location).toBeTruthy();
    expect(transcript).toContain(`Hub:                  https://qlik-ux.${location}.cloudapp.azure.com/hub`);
    expect(transcript).toContain('Qlik administrator:   qlikcentral\\QSAdmin');
    expect(transcript).toContain('Secrets:              state/qlik-ux/secrets.yaml (mode 0600)');
    expect(transcript).toMatch(/Account table: +state\/qlik-ux\/accounts\.md/);
    expect(transcript).toContain("Deployment 'qlik-ux' is ready.");
    // Issue 13 item 2: the command for later runs keeps to the simulated deployment.
    expect(transcript.replace(/\r?\n/g, '')).toContain('Later runs: qlik-azure apply --config qlik-azure.yaml --secrets-file state/qlik-ux/secrets.yaml --state-dir state --simulate');
  });

  it('never shows a secret on the terminal', () => {
    for (const secret of SECRETS) expect(transcript).not.toContain(secret);
  });

  it('writes qlik-azure.yaml with the answers and without any secret', () => {
    const config = readFileSync(join(cwd, 'qlik-azure.yaml'), 'utf8');
    expect(config).toContain('deployment: qlik-ux');
    expect(config).toContain('computerName: qlikcentral');
    expect(config).toContain('image: 2025-datacenter-azure-edition');
    expect(config).toContain('- 198.51.100.7');
    expect(config).toContain('model: token');
    expect(config).toMatch(/count: 3/);
    for (const secret of SECRETS) expect(config).not.toContain(secret);
  });

  it('keeps the secrets only in the secrets file, mode 0600', () => {
    const secretsFile = join(cwd, 'state', 'qlik-ux', 'secrets.yaml');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = readFileSync(secretsFile, 'utf8');
    for (const secret of SECRETS) expect(secrets).toContain(secret);
    for (const file of filesUnder(cwd).filter((f) => f !== secretsFile && !f.endsWith('transcript.txt'))) {
      const content = readFileSync(file, 'utf8');
      for (const secret of SECRETS) expect(content, file).not.toContain(secret);
    }
  });

  describe('the same config without a terminal, with --json', () => {
    let lines: string[] = [];
    let code: number | null = null;
    beforeAll(async () => {
      expect(existsSync(join(cwd, 'qlik-azure.yaml'))).toBe(true);
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'init', '--simulate', '--json', '--yes', '--config', 'qlik-azure.yaml', '--secrets-file', 'state/qlik-ux/secrets.yaml', '--state-dir', 'state-json'], {
          cwd, env: { ...process.env, CI: 'true', QLIK_AZURE_SIM_LATENCY: '0.01' }, stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
        child.on('error', reject);
        child.on('close', (exit) => resolve({ code: exit, stdout }));
      });
      code = result.code;
      lines = result.stdout.split('\n').filter(Boolean);
    }, 120_000);

    it('exits 0 and writes only NDJSON events, each with v, at and type', () => {
      expect(code).toBe(0);
      for (const line of lines) {
        const event = JSON.parse(line) as Record<string, unknown>;
        expect(event.v).toBe(1);
        expect(typeof event.type).toBe('string');
        expect(Number.isNaN(Date.parse(String(event.at)))).toBe(false);
      }
    });

    it('opens with the plan, starts each step before it finishes, and ends with a summary', () => {
      const events = lines.map((line) => JSON.parse(line) as { type: string; step?: number; ok?: boolean; hubUrl?: string; secretsLiveIn?: string });
      expect(events.slice(0, 2).map((event) => event.type)).toEqual(['plan', 'run-started']);
      const started = new Set<number>();
      for (const event of events) {
        if (event.type === 'step-started') started.add(event.step!);
        if (event.type === 'step-finished' || event.type === 'step-failed') expect(started.has(event.step!), `step ${event.step}`).toBe(true);
      }
      expect(events.some((e) => e.type === 'step-progress')).toBe(true);
      const last = events[events.length - 1]!;
      expect(last.type).toBe('summary');
      expect(last.ok).toBe(true);
      expect(last.hubUrl).toMatch(/^https:\/\/qlik-ux\..*\/hub$/);
      expect(last.secretsLiveIn).toContain('state/qlik-ux/secrets.yaml');
    });

    it('never puts a secret in the stream', () => {
      for (const secret of SECRETS) expect(lines.join('\n')).not.toContain(secret);
    });
  });
});
