import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../support/cli.js';

describe('README', () => {
  it('holds the config reference generated from the schema', async () => {
    assertBuilt();
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/config-reference.mjs'], { cwd: ROOT });
    const readme = await readFile(`${ROOT}README.md`, 'utf8');
    expect(readme, 'run: node scripts/config-reference.mjs and paste it between the config-reference markers').toContain(stdout);
  });

  it('documents every command and every flag of the program', async () => {
    const { buildProgram } = await import('../../src/cli/main.js');
    const readme = await readFile(`${ROOT}README.md`, 'utf8');
    const program = buildProgram();
    for (const command of program.commands) {
      expect(readme).toContain(`| \`${command.name()}`);
      for (const option of command.options) expect(readme, `${command.name()} ${option.long}`).toContain(option.long!);
    }
    for (const option of program.options) expect(readme).toContain(option.long!);
  });
});
