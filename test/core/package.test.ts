import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../support/cli.js';

const run = promisify(execFile);

/**
 * The project's own lock, re-rooted: a throwaway project that depends on the tarball, with the tarball's
 * production dependencies locked at the versions the repository's lock (and so the npm cache) holds.
 */
async function lockFor(tarball: string): Promise<object> {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; [key: string]: unknown }> };
  const { '': root, ...installed } = lock.packages;
  const production = Object.fromEntries(Object.entries(installed).filter(([, entry]) => entry.dev !== true));
  const { devDependencies: _dev, ...packaged } = root!;
  return {
    name: 'try-qlik-azure',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'try-qlik-azure', version: '1.0.0', dependencies: { 'qlik-azure': `file:${tarball}` } },
      'node_modules/qlik-azure': { ...packaged, resolved: `file:${tarball}` },
      ...production,
    },
  };
}

describe('the packed tarball', () => {
  it('installs from the local npm cache and runs through npx', async () => {
    assertBuilt();
    const dir = await mkdtemp(join(tmpdir(), 'qa-pack-'));
    // dist/ is already built by `npm test`; --ignore-scripts keeps pack from rebuilding it.
    const { stdout: packed } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
    const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['bin/qlik-azure.js', 'dist/cli/main.js', 'examples/qlik-azure.yaml', 'README.md', 'schemas/plan.schema.json', 'schemas/status.schema.json', 'schemas/events.schema.json']));
    expect(paths.some((p) => p.startsWith('templates/'))).toBe(true);
    expect(paths.some((p) => p.startsWith('test/') || p.startsWith('src/'))).toBe(false);

    const project = join(dir, 'project');
    await run('mkdir', ['-p', project]);
    const tarball = join(dir, filename);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'try-qlik-azure', version: '1.0.0', private: true, dependencies: { 'qlik-azure': `file:${tarball}` } }));
    await writeFile(join(project, 'package-lock.json'), JSON.stringify(await lockFor(tarball)));
    // --offline with a lock: exactly the tarballs `npm ci` put in the npm cache, no registry metadata needed;
    // the test sends nothing out.
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: project });
    const { stdout } = await run('npx', ['--offline', 'qlik-azure', 'steps', '--json'], { cwd: project });
    expect((JSON.parse(stdout) as { steps: unknown[] }).steps).toHaveLength(48);
    const plan = await run('npx', ['--offline', 'qlik-azure', 'plan', '--offline', '--config', join(ROOT, 'examples/qlik-azure.yaml')], { cwd: project });
    expect(plan.stdout).toMatch(/^Plan: /m);
  }, 180_000);
});
