import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('generated passwords beside a supplied secrets file', () => {
  it('are generated once, never copy the supplied secrets, and are reused by every later run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-gen-'));
    const supplied = join(dir, 'license.yaml');
    await writeFile(supplied, 'licenseKey: "example-signed-license-key-not-valid"\n');
    await chmod(supplied, 0o600);
    const args = ['apply', '--simulate', '--yes', '--to-step', '1', '--config', 'examples/qlik-azure.yaml', '--state-dir', dir, '--secrets-file', supplied];
    const generatedFile = join(dir, 'qlik-demo', 'secrets.yaml');

    const first = await runCli([...args, '--generate-secrets']);
    expect(first.code, first.stderr).toBe(0);
    const generated = await readFile(generatedFile, 'utf8');
    expect(generated).toMatch(/vmAdminPassword: /);
    expect(generated).not.toContain('licenseKey');

    const withoutFlag = await runCli(args);
    expect(withoutFlag.code, withoutFlag.stderr).toBe(0);
    const again = await runCli([...args, '--generate-secrets']);
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(generatedFile, 'utf8')).toBe(generated);
  });
});
