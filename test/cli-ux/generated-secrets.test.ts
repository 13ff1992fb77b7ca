/**
 * The quickest path through the wizard: every default taken, passwords generated. They are shown
 * exactly once and kept only in the secrets file; declining the plan creates nothing. --no-color
 * alone (no NO_COLOR) keeps colour out of the prompts too. Needs `npx tsc` first.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scratchDirectory, startTerminal } from './terminal.js';

const SGR = /\u001b\[[0-9;]*m/;

describe('qlik-azure init with every default and generated passwords', () => {
  it('shows each generated password once, keeps it only in the secrets file, and creates nothing when the plan is declined', async () => {
    const cwd = scratchDirectory();
    const terminal = startTerminal(['init', '--simulate', '--state-dir', 'state', '--no-color'], { cwd });
    try {
      for (const question of ['How many users', 'How many apps']) await terminal.reply(question, '');
      await terminal.pick('VM size');
      await terminal.pick('Region');
      await terminal.reply('Deployment name', '');
      await terminal.reply('Look up this computer\'s public address', 'n');
      await terminal.reply('Who may reach Qlik Sense?', '198.51.100.7');
      for (const question of ['plain HTTP', 'Open RDP']) await terminal.reply(question, '');
      await terminal.pick('Windows Server image');
      for (const question of ['Windows computer name', 'VM administrator user name']) await terminal.reply(question, '');
      await terminal.pick('Windows Server licence');
      await terminal.pick('Where is Qlik_Sense_setup.exe?');
      await terminal.reply('Installer download link', 'https://example.com/Qlik_Sense_setup.exe');
      await terminal.reply('SHA-256', '');
      await terminal.pick(/\? License\b/);
      await terminal.pick('License model');
      await terminal.reply('How many local Qlik users', '');
      await terminal.pick('Passwords for');
      await terminal.reply('signed license key', 'eyJ-generated-path-license-key');
      await terminal.reply('then show the plan?', '');
      await terminal.reply(/Apply \d+ steps to 'qlik-sense' \(\d+ to create, \d+ to update, \d+ unchanged, \d+ checks?\)\?/, 'n');
      expect(await terminal.exited).toBe(0);
    } finally {
      terminal.kill();
    }
    const secretsFile = join(cwd, 'state', 'qlik-sense', 'secrets.yaml');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
    const generated = ['vmAdminPassword', 'serviceAccountPassword', 'qlikAdminPassword', 'repositoryDbPassword', 'localUserPassword'].map((name) => secrets[name]!);
    const shown = terminal.text();
    for (const password of generated) {
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(shown.split(password).length - 1, 'times shown').toBe(1);
    }
    expect(shown).toContain('Nothing changed.');
    expect(shown).not.toContain('eyJ-generated-path-license-key');
    expect(terminal.raw()).not.toMatch(SGR);
    const config = readFileSync(join(cwd, 'qlik-azure.yaml'), 'utf8');
    for (const secret of [...generated, secrets.licenseKey!]) expect(config).not.toContain(secret);
    expect(existsSync(join(cwd, 'state', 'qlik-sense', 'state.json'))).toBe(false);
  }, 90_000);
});
