/**
 * The wizard prices the deployment beside the sizing advice, and a change of size or of licence shows what it
 * adds or saves. A real pseudo-terminal; --simulate with the CLI's own Retail Prices stand-in (the test seam
 * emptied), so every figure is the stand-in's. Needs `npx tsc` first.
 */
import { describe, expect, it } from 'vitest';
import { KEY, scratchDirectory, startTerminal } from './terminal.js';

describe('qlik-azure init shows the monthly cost', () => {
  it('beside the size, with the difference when the size or the licence changes', async () => {
    const terminal = startTerminal(['init', '--simulate', '--state-dir', 'state', '--no-color'], { cwd: scratchDirectory(), env: { QLIK_AZURE_RETAIL_PRICES_URL: '' } });
    try {
      for (const question of ['How many users', 'How many apps']) await terminal.reply(question, '');
      await terminal.pick(/VM size \(recommended for 25 users and 10 apps: Standard_E4s_v5\)/);
      await terminal.pick('Region');
      await terminal.reply('Deployment name', '');
      await terminal.waitFor(/Monthly cost estimate \(USD, westeurope; the simulator's made-up prices of [\d-]+, pay as you go\):\s+VM qlik-sense-vm +USD 350\.11 {2}Standard_E4s_v5/);
      await terminal.waitFor(/Total +USD 375\.91 {2}a month/);
      await terminal.reply('Try another VM size to compare its cost (now Standard_E4s_v5, about USD 375.91 a month)?', 'y');
      await terminal.pick('VM size', KEY.up);
      await terminal.waitFor('Standard_D4s_v5 instead of Standard_E4s_v5: -USD 48.18 a month (about USD 327.73 a month in all)');
      await terminal.reply('Try another VM size to compare its cost (now Standard_D4s_v5, about USD 327.73 a month)?', '');

      await terminal.reply('Look up this computer\'s public address', 'n');
      await terminal.reply('Who may reach Qlik Sense?', '198.51.100.7');
      for (const question of ['plain HTTP', 'Open RDP']) await terminal.reply(question, '');
      await terminal.pick('Windows Server image');
      for (const question of ['Windows computer name', 'VM administrator user name']) await terminal.reply(question, '');
      await terminal.pick('Windows Server licence', KEY.down);
      await terminal.waitFor('Azure Hybrid Benefit: -USD 147.75 a month (about USD 179.98 a month in all)');
      await terminal.waitFor('Where is Qlik_Sense_setup.exe?');
    } finally {
      terminal.kill();
    }
    expect(terminal.text()).not.toMatch(/omitted/);
  });
});
