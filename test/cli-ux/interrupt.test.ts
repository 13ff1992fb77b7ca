/**
 * Ctrl-C, in a pseudo-terminal: during the questions it leaves at once with 130 and writes nothing;
 * during a run the first press says what is in flight and the exact resume command. With NO_COLOR
 * the prompts carry no colour. Needs `npx tsc` first.
 */
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEY, ROOT, scratchDirectory, startTerminal } from './terminal.js';

// SGR: the escape sequences that set colour or weight (cursor movement is not colour).
const SGR = /\u001b\[[0-9;]*m/;

describe('Ctrl-C', () => {
  it('during the questions: exit 130, nothing created, nothing written, and no colour under NO_COLOR', async () => {
    const cwd = scratchDirectory();
    const terminal = startTerminal(['init', '--simulate', '--state-dir', 'state'], { cwd, env: { NO_COLOR: '1' } });
    try {
      await terminal.waitFor('How many users');
      await terminal.answer('40');
      await terminal.waitFor('How many apps');
      await new Promise((resolve) => setTimeout(resolve, 100));
      terminal.send(KEY.ctrlC);
      expect(await terminal.exited).toBe(130);
      expect(terminal.text()).toContain('Cancelled: nothing was created and no file was written.');
      expect(terminal.raw()).not.toMatch(SGR);
      expect(existsSync(join(cwd, 'qlik-azure.yaml'))).toBe(false);
      expect(existsSync(join(cwd, 'state'))).toBe(false);
    } finally {
      terminal.kill();
    }
  });

  it('during a run: the first press says what is in flight and how to resume; no colour under NO_COLOR', async () => {
    const cwd = scratchDirectory();
    copyFileSync(join(ROOT, 'examples', 'secrets.example.yaml'), join(cwd, 'secrets.yaml'));
    chmodSync(join(cwd, 'secrets.yaml'), 0o600);
    const config = join(ROOT, 'examples', 'qlik-azure.yaml');
    const terminal = startTerminal(['apply', '--simulate', '--yes', '--config', config, '--secrets-file', 'secrets.yaml', '--state-dir', 'state'], { cwd, env: { QLIK_AZURE_SIM_LATENCY: '0.3', NO_COLOR: '1' } });
    try {
      await terminal.waitFor(/✔ +1 Resource group/, 30_000);
      terminal.send(KEY.ctrlC);
      await terminal.waitFor(/Stopping: nothing new starts; (waiting for .+ to finish|a step that was just starting finishes) and (be|is) recorded\./);
      await terminal.waitFor(`\`qlik-azure resume --config ${config} --secrets-file secrets.yaml --state-dir state --simulate\``);
      await terminal.waitFor('Press Ctrl-C again to leave at once');
      expect(await terminal.exited).toBe(130);
      expect(terminal.text()).toMatch(/Resume: +qlik-azure resume --config/);
      expect(terminal.raw()).not.toMatch(SGR);
    } finally {
      terminal.kill();
    }
  }, 90_000);
});
