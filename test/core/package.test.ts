import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../support/cli.js';

const run = promisify(execFile);

describe('the packed tarball', () => {
  it('installs from the local npm cache and runs through npx', async () => {
    assertBuilt();
    const dir = await mkdtemp(join(tmpdir(), 'qa-pack-'));
    // dist/ is already built by `npm test`; --ignore-scripts keeps pack from rebuilding it.
    const { stdout: packed } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
    const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['bin/qlik-azure.js', 'dist/cli/main.js', 'examples/qlik-azure.yaml', 'README.md']));
    expect(paths.some((p) => p.startsWith('templates/'))).toBe(true);
    expect(paths.some((p) => p.startsWith('test/') || p.startsWith('src/'))).toBe(false);

    const project = join(dir, 'project');
    await run('mkdir', ['-p', project]);
    await writeFile(join(project, 'package.json'), '{"name":"try-qlik-azure","version":"1.0.0","private":true}');
    // --offline: dependencies come from the npm cache that `npm ci` filled; the test sends nothing out.
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, filename)], { cwd: project });
    const { stdout } = await run('npx', ['--offline', 'qlik-azure', 'steps', '--json'], { cwd: project });
    expect((JSON.parse(stdout) as { steps: unknown[] }).steps).toHaveLength(48);
    const plan = await run('npx', ['--offline', 'qlik-azure', 'plan', '--offline', '--config', join(ROOT, 'examples/qlik-azure.yaml')], { cwd: project });
    expect(plan.stdout).toMatch(/^Plan: /m);
  }, 180_000);
});
