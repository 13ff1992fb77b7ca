// `init --simulate` through the built CLI twice with the same config and secrets: once with the TypeScript
// fake VM (the default), once with QLIK_AZURE_SIM_VM=pwsh, where every Run Command step (34-48) runs the real
// template under pwsh on the Windows stand-in and the QRS steps reach the fake QRS. Each step's outputs in the
// state journal must agree, so the fake VM and the scripts cannot drift apart.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { pwshAvailable } from '../../../src/simulator/windows/pwsh-executor.js';
import { ROOT, runCli, type CliResult } from '../../support/cli.js';
import { copyExampleSecrets, type ExampleSecrets } from '../../support/example-secrets.js';

const HAS_PWSH = pwshAvailable();
if (!HAS_PWSH) console.warn('\n!!! pwsh is not on PATH: `apply --simulate` with the real templates is NOT tested (. scripts/toolchain.sh puts it there) !!!\n');

const RELEASE = 'Qlik Sense November 2025';
const VM_STEPS = ['34', '38', '40', '41', '42', '43', '44', '45', '46', '47', '48'];

interface Journal { journal: Record<string, { status: string; outputs?: Record<string, unknown> }> }

/** Outputs without what differs between any two runs: ids QRS generates and the loopback ports of the
 * stand-in proxy (step 47). */
function runNeutral(outputs: Record<string, unknown> | undefined) {
  if (!outputs) return outputs;
  const text = JSON.stringify(outputs)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<guid>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
  return JSON.parse(text) as unknown;
}

describe.skipIf(!HAS_PWSH)('init --simulate with the real templates under pwsh agrees with the TypeScript fake VM', () => {
  let dir: string;
  let secrets: ExampleSecrets;
  const runs: Record<'fake' | 'pwsh', { cli: CliResult; state: Journal }> = {} as never;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qlik-azure-apply-pwsh-'));
    secrets = await copyExampleSecrets(dir);
    // The stand-in installer names its release on its first line; staged from a file, so the VM downloads it
    // from the simulator's blob endpoint (loopback) instead of the example's internet URL.
    await writeFile(join(dir, 'Qlik_Sense_setup.exe'), `${RELEASE}\nstand-in installer\n`);
    const config = parse(await readFile(join(ROOT, 'examples/qlik-azure.yaml'), 'utf8')) as { qlik: Record<string, unknown> };
    config.qlik.releaseName = RELEASE;
    config.qlik.installer = { source: 'file', path: join(dir, 'Qlik_Sense_setup.exe') };
    await writeFile(join(dir, 'qlik-azure.yaml'), stringify(config));
    for (const kind of ['fake', 'pwsh'] as const) {
      const stateDir = join(dir, `state-${kind}`);
      const cli = await runCli(['init', '--simulate', '--yes', '--config', join(dir, 'qlik-azure.yaml'), '--secrets-file', secrets.path, '--state-dir', stateDir], {
        cwd: dir,
        env: kind === 'pwsh' ? { QLIK_AZURE_SIM_VM: 'pwsh', QLIK_AZURE_SIM_LATENCY: '0' } : { QLIK_AZURE_SIM_LATENCY: '0' },
      });
      const state = JSON.parse(await readFile(join(stateDir, 'qlik-demo', 'state.json'), 'utf8')) as Journal;
      runs[kind] = { cli, state };
    }
  }, 900_000);
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('finishes with the real scripts as with the fake VM', () => {
    expect(runs.fake.cli.code, runs.fake.cli.stdout + runs.fake.cli.stderr).toBe(0);
    expect(runs.pwsh.cli.code, runs.pwsh.cli.stdout + runs.pwsh.cli.stderr).toBe(0);
  });

  it.each(VM_STEPS)('step %s records the same outputs', (step) => {
    const [fake, pwsh] = [runs.fake.state.journal[step], runs.pwsh.state.journal[step]];
    expect(pwsh?.status).toBe(fake?.status);
    expect(runNeutral(pwsh?.outputs)).toEqual(runNeutral(fake?.outputs));
  });

  it('puts no secret in the output, the state or the stand-in machine', async () => {
    const machine = await readFile(join(dir, 'state-pwsh', 'qlik-demo', 'windows-vm', 'qlik-demo-vm', 'machine.json'), 'utf8');
    // The real scripts ran there: the stand-in installer left its release and the service account's services.
    expect(JSON.parse(machine)).toMatchObject({ uninstall: [{ displayName: RELEASE }], services: { QlikSenseRepositoryService: { status: 'Running', startName: '.\\qservice' } } });
    const text = runs.pwsh.cli.stdout + runs.pwsh.cli.stderr + JSON.stringify(runs.pwsh.state) + machine;
    expect(secrets.values.filter((value) => text.includes(value))).toEqual([]);
  });
});
