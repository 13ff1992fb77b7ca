/**
 * Issue 13's "done when": a newcomer goes from a fresh folder to a finished `init --simulate` pressing
 * Enter at every question. The simulator offers what a newcomer does not have (an installer link, a
 * license key) and answers the "what is my IP" lookup on loopback; the caller's address becomes the first
 * allowed source only after a yes. A real run refuses what only the simulator can use. Needs `npx tsc` first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runPiped } from './run.js';
import { scratchDirectory, startTerminal } from './terminal.js';

/** Every question of the wizard and the run, in order: a text or yes/no question, or a list (picked as it stands). */
const QUESTIONS: readonly (readonly ['reply' | 'pick', string | RegExp])[] = [
  ['reply', 'How many users'], ['reply', 'How many apps'], ['pick', 'VM size'], ['pick', 'Region'], ['reply', 'Deployment name'],
  ['reply', 'Look up this computer\'s public address'], ['reply', 'Who may reach Qlik Sense?'], ['reply', 'plain HTTP'], ['reply', 'Open RDP'],
  ['pick', 'Windows Server image'], ['reply', 'Windows computer name'], ['reply', 'VM administrator user name'], ['pick', 'Windows Server licence'],
  ['pick', 'Where is Qlik_Sense_setup.exe?'], ['reply', 'Installer download link'], ['reply', 'SHA-256'], ['pick', /\? License\b/], ['pick', 'License model'],
  ['reply', 'How many local Qlik users'], ['pick', 'Passwords for'], ['reply', 'signed license key'],
  ['reply', 'then show the plan?'], ['reply', /Apply \d+ steps to 'qlik-sense'/],
];

describe('a newcomer pressing Enter at every question', () => {
  it('goes from a fresh folder to a finished init --simulate; a real run then refuses the simulator\'s stand-ins', async () => {
    const cwd = scratchDirectory();
    const terminal = startTerminal(['init', '--simulate', '--state-dir', 'state'], { cwd, env: { NO_COLOR: '1', QLIK_AZURE_SIM_LATENCY: '0' } });
    let exitCode: number;
    try {
      for (const [kind, question] of QUESTIONS) {
        if (kind === 'pick') await terminal.pick(question);
        else await terminal.reply(question, '');
      }
      exitCode = await terminal.exited;
    } finally {
      terminal.kill();
    }
    const transcript = terminal.text();
    expect(exitCode, transcript.slice(-2500)).toBe(0);
    expect(transcript).toContain('This computer reaches the internet as 198.51.100.23');
    expect(transcript).toContain("Deployment 'qlik-sense' is ready.");

    const config = parse(readFileSync(join(cwd, 'qlik-azure.yaml'), 'utf8')) as { network: { allowedSourceCidrs: string[] }; qlik: { installer: { url: string } } };
    expect(config.network.allowedSourceCidrs).toEqual(['198.51.100.23']);
    expect(config.qlik.installer.url).toBe('https://qlik-installer.simulator.invalid/Qlik_Sense_setup.exe');
    const secretsFile = join('state', 'qlik-sense', 'secrets.yaml');
    expect((parse(readFileSync(join(cwd, secretsFile), 'utf8')) as { licenseKey: string }).licenseKey).toBe('example-only.signed-license-key.not-valid');
    const journal = (JSON.parse(readFileSync(join(cwd, 'state', 'qlik-sense', 'state.json'), 'utf8')) as { journal: Record<string, { status: string }> }).journal;
    expect(Object.values(journal).every((entry) => entry.status === 'done')).toBe(true);

    // The same files against real Azure: refused before any sign-in, naming both stand-ins.
    const real = await runPiped(['apply', '--yes', '--config', 'qlik-azure.yaml', '--secrets-file', secretsFile, '--state-dir', 'state-real'], { cwd });
    expect(real.code).toBe(3);
    expect(real.stderr).toContain('qlik.installer.url');
    expect(real.stderr).toContain("only --simulate can use");
    expect(real.stderr).toContain('secrets.licenseKey');
  }, 180_000);
});
