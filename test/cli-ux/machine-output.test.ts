/**
 * `--json` for programs: the published JSON Schemas (schemas/) are the ones generated from the product's
 * zod schemas, and what the real CLI prints validates against them; an error is one object per problem
 * with a stable code, the field, the message and the fix apart; a run's stream opens with its plan; and
 * --generate-secrets leaves no secrets file behind when the run is refused. Needs `npx tsc` first.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExampleSecrets } from '../support/example-secrets.js';
import { runCli, ROOT } from '../support/cli.js';
import { scratchDirectory } from './terminal.js';

const EXAMPLE_CONFIG = join(ROOT, 'examples', 'qlik-azure.yaml');
const SCHEMA_FILES = ['plan.schema.json', 'status.schema.json', 'events.schema.json'] as const;
type SchemaFile = (typeof SCHEMA_FILES)[number];

interface Validator { (value: unknown): boolean; errors?: unknown }
// ajv (draft 2020-12) is already in node_modules; an independent validator, not the zod that made the schemas.
const Ajv2020 = (createRequire(import.meta.url)('ajv/dist/2020') as { default: new (options: object) => { compile(schema: object): Validator } }).default;

async function generated(open: boolean): Promise<Record<string, object>> {
  const module = await import(join(ROOT, 'dist/cli/machine-output.js')) as { machineOutputJsonSchemas(options: { open: boolean }): Record<string, object> };
  return module.machineOutputJsonSchemas({ open });
}

/** Validates with the published schema, and with its closed twin, which also refuses fields the schema does not name. */
async function validators(file: SchemaFile): Promise<Validator[]> {
  const published = JSON.parse(readFileSync(join(ROOT, 'schemas', file), 'utf8')) as object;
  const closed = (await generated(false))[file]!;
  return [published, closed].map((schema) => new Ajv2020({ strict: false, allErrors: true }).compile(schema));
}

async function expectValid(file: SchemaFile, values: readonly unknown[]): Promise<void> {
  for (const validate of await validators(file)) {
    for (const value of values) expect(validate(value), `${JSON.stringify(value).slice(0, 200)}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
}

const lines = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('--json for programs', () => {
  it('the published schemas are the ones the product\'s zod schemas generate', async () => {
    const schemas = await generated(true);
    expect(Object.keys(schemas).sort()).toEqual([...SCHEMA_FILES].sort());
    for (const file of SCHEMA_FILES) {
      expect(JSON.parse(readFileSync(join(ROOT, 'schemas', file), 'utf8')), `schemas/${file} is stale: run node scripts/write-schemas.mjs`).toEqual(schemas[file]);
    }
    const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(packageJson.files).toContain('schemas/');
  });

  it('a run streams its plan before the first step; the plan, the stream and the status validate against the schemas', async () => {
    const cwd = scratchDirectory();
    const secrets = await copyExampleSecrets(cwd);
    const flags = ['--simulate', '--yes', '--json', '--config', EXAMPLE_CONFIG, '--secrets-file', secrets.path, '--state-dir', 'state'];
    const env = { QLIK_AZURE_SIM_LATENCY: '0' };

    const plan = await runCli(['plan', '--offline', '--json', '--config', EXAMPLE_CONFIG], { cwd });
    expect(plan.code).toBe(0);
    await expectValid('plan.schema.json', [JSON.parse(plan.stdout)]);

    const apply = await runCli(['apply', '--to-step', '33', ...flags], { cwd, env });
    expect(apply.code, apply.stderr).toBe(0);
    const events = lines(apply.stdout);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('plan');
    expect(types.indexOf('plan')).toBeLessThan(types.indexOf('step-started'));
    expect(events[0]).toMatchObject({ deployment: 'qlik-demo', simulated: true, summary: { hasChanges: true } });
    expect((events[0]!.steps as { number: number; change: string }[]).find((row) => row.number === 1)).toMatchObject({ change: 'create', symbol: '+' });
    await expectValid('events.schema.json', events);

    const resume = await runCli(['resume', ...flags], { cwd, env });
    expect(resume.code, resume.stderr).toBe(0);
    const resumed = lines(resume.stdout);
    expect(resumed[0]!.type).toBe('plan');
    await expectValid('events.schema.json', resumed);

    const status = await runCli(['status', '--json', '--state-dir', 'state', '--config', EXAMPLE_CONFIG], { cwd });
    expect(status.code).toBe(0);
    await expectValid('status.schema.json', [JSON.parse(status.stdout)]);

    const destroy = await runCli(['destroy', '--confirm', 'qlik-demo', ...flags], { cwd, env });
    expect(destroy.code, destroy.stderr).toBe(0);
    await expectValid('events.schema.json', lines(destroy.stdout));
  }, 120_000);

  it('errors are one object per problem, with a stable code, the field, and the fix apart', async () => {
    const cwd = scratchDirectory();
    writeFileSync(join(cwd, 'bad.yaml'), readFileSync(EXAMPLE_CONFIG, 'utf8').replace('vnetAddressSpace: 10.0.0.0/16', 'vnetAddressSpace: ten-dot-zero'));
    const run = await runCli(['apply', '--json', '--simulate', '--config', 'bad.yaml'], { cwd });
    expect(run.code).toBe(3);
    const errors = lines(run.stdout);
    await expectValid('events.schema.json', errors);
    expect(errors.every((error) => error.type === 'error' && error.exitCode === 3)).toBe(true);
    expect(errors.find((error) => error.field === 'network.vnetAddressSpace')).toMatchObject({ code: 'config_invalid', file: 'bad.yaml' });
    // --yes is missing and cannot be asked for: a problem of its own, with its own code.
    expect(errors.find((error) => error.field === '--yes')).toMatchObject({ code: 'cannot_ask', fix: expect.stringContaining('--yes') });
    for (const error of errors) {
      expect(error.message).not.toContain('\n');
      expect(error.message).not.toContain('Fix:');
    }

    const usage = await runCli(['apply', '--json', '--concurrency', 'many'], { cwd });
    expect(usage.code).toBe(3);
    const [flagError, ...more] = lines(usage.stdout);
    expect(more).toEqual([]);
    expect(flagError).toMatchObject({ type: 'error', code: 'flag_invalid', message: expect.stringContaining('--concurrency') });
    await expectValid('events.schema.json', [flagError]);

    const secretsRun = await runCli(['apply', '--json', '--simulate', '--yes', '--config', EXAMPLE_CONFIG, '--state-dir', 'state'], { cwd });
    const missing = lines(secretsRun.stdout);
    await expectValid('events.schema.json', missing);
    expect(missing.length).toBeGreaterThanOrEqual(6);
    for (const error of missing) expect(error).toMatchObject({ type: 'error', code: 'secrets_invalid', field: expect.stringMatching(/^secrets\.\w+$/), fix: expect.stringContaining('secrets file') });
  }, 60_000);

  it('--generate-secrets writes no secrets file when the run is refused, and says where it wrote one when the run starts', async () => {
    const cwd = scratchDirectory();
    const generatedFile = join(cwd, 'state', 'qlik-demo', 'secrets.yaml');
    // No license key (it is never generated) and no --yes: refused with exit 3, nothing created.
    const refused = await runCli(['apply', '--simulate', '--generate-secrets', '--config', EXAMPLE_CONFIG, '--state-dir', 'state'], { cwd });
    expect(refused.code).toBe(3);
    expect(existsSync(generatedFile), 'a secrets file of a refused run').toBe(false);

    writeFileSync(join(cwd, 'license.yaml'), 'licenseKey: "example-only.signed-license-key.not-valid"\n', { mode: 0o600 });
    const started = await runCli(['apply', '--simulate', '--yes', '--generate-secrets', '--to-step', '1', '--config', EXAMPLE_CONFIG, '--secrets-file', 'license.yaml', '--state-dir', 'state'], { cwd, env: { QLIK_AZURE_SIM_LATENCY: '0' } });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain(`into ${join('state', 'qlik-demo', 'secrets.yaml')} (mode 0600)`);
    expect(existsSync(generatedFile)).toBe(true);
  }, 60_000);
});
