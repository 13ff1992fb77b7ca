/**
 * The envelope round trip with the real PowerShell: TypeScript builds the script and encodes the inputs
 * (src/azure/script-envelope.ts), pwsh runs templates/lib/envelope.ps1 as its own process the way Run Command
 * starts a script (-File, named arguments), and a template inside it checks, byte for byte, that every value
 * arrived as sent. Values hold what Windows' command line would mangle: blanks, quotes, & ^ % < > | $,
 * backticks, CR/LF, non-ASCII and 8 KB.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeInputs, envelopeScript } from '../src/azure/script-envelope.js';
import { loadTemplate } from '../src/qlik/templates.js';

const pwsh = await new Promise<string | undefined>((resolve) => {
  execFile('pwsh', ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.Major'], (error) => resolve(error ? undefined : 'pwsh'));
});
if (!pwsh) console.warn('\n*** test/envelope.test.ts SKIPPED: pwsh is not on PATH (run `. scripts/toolchain.sh`); the envelope round trip is NOT tested ***\n');

const HOSTILE = `a b  c ' " & ^ % %PATH% ^& !x! < > | $env:TEMP $(whoami) \`n \` ; -Name value`;
const VALUES: Record<string, string> = {
  LicenseOwner: HOSTILE,
  ReleaseName: 'Qlik Sense November 2025',
  HostName: `line one\r\nline two\nline three\r`,
  SharedFolder: 'C:\\Qlik Share\\é 漢 😀\\',
  Lef: `${'LEF-Ünïcødé-漢字-😀 & ^ % \r\n'.repeat(256)}`.slice(0, 8192),
  Empty: '',
};
const SECRET_VALUES: Record<string, string> = {
  AdminPassword: `Fake-p@ss "quoted" 'single' ^caret% &amp; \`tick $dollar 漢😀`,
  LicenseKey: `${'K'.repeat(4000)} & ^ %`,
  InstallerUrl: 'https://example.blob.core.windows.net/c/Qlik_Sense_setup.exe?sv=2025-01-05&sp=r&sig=Fake%2Bsig%3D',
};
const NAMES = [...Object.keys(VALUES), ...Object.keys(SECRET_VALUES)];

/** A template that compares each input's UTF-8 bytes with the hex the test wrote, and exits 9 naming the first that differs. */
async function echoTemplate(): Promise<string> {
  const common = await loadTemplate('lib/common.ps1');
  return [
    '<# test template: compares its inputs with the bytes the test expects #>',
    '[CmdletBinding()]',
    `param(${NAMES.map((name) => `[string]$${name}`).join(', ')}, [string]$ExpectedFile)`,
    common.trimEnd(),
    '$boundNames = @($PSBoundParameters.Keys | Sort-Object)',
    'Invoke-QlikMain {',
    '    $expected = Get-Content -Raw -LiteralPath $ExpectedFile | ConvertFrom-Json',
    '    foreach ($property in $expected.PSObject.Properties) {',
    '        $actual = (Get-Variable -Name $property.Name -ValueOnly)',
    "        $hex = -join ([Text.Encoding]::UTF8.GetBytes($actual) | ForEach-Object { $_.ToString('x2') })",
    "        if ($hex -cne $property.Value) { Exit-QlikFailure -Code 9 -Message \"$($property.Name) differs: $($actual.Length) chars arrived\" }",
    '    }',
    '    Write-QlikPhase "admin password $AdminPassword, installer $InstallerUrl"',
    "    Write-QlikResult ([ordered]@{ matched = @($expected.PSObject.Properties.Name); bound = $boundNames })",
    '}',
  ].join('\n');
}

interface Run { code: number | null; stdout: string; stderr: string }

function runEnvelope(path: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(pwsh!, ['-NoProfile', '-NonInteractive', '-File', path, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const hexOf = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).map(([name, value]) => [name, Buffer.from(value, 'utf8').toString('hex')]));

describe.skipIf(!pwsh)('the envelope under pwsh', () => {
  let directory: string;
  let script: string;
  let expectedFile: string;
  const inputs = (expected = expectedFile) => ['-QlikInputs', encodeInputs({ ...VALUES, ExpectedFile: expected }), '-QlikProtectedInputs', encodeInputs(SECRET_VALUES)];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'qlik-azure-envelope-'));
    script = join(directory, 'script.ps1');
    await writeFile(script, await envelopeScript(await echoTemplate(), 'echo.ps1'));
    expectedFile = join(directory, 'expected.json');
    await writeFile(expectedFile, JSON.stringify(hexOf({ ...VALUES, ...SECRET_VALUES })));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('delivers every value byte for byte, as the template declares it, and the template still masks its secrets', async () => {
    const run = await runEnvelope(script, inputs());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.split('\n').find((line) => line.startsWith('##qlik-azure[result] '))!.slice(21)) as { matched: string[]; bound: string[] };
    expect(result.matched.sort()).toEqual([...NAMES].sort());
    // $PSBoundParameters inside the template is the template's own: what lib/common.ps1 masks by.
    expect(result.bound).toEqual([...NAMES, 'ExpectedFile'].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    expect(run.stdout).toContain('##qlik-azure[phase] admin password ***, installer https://example.blob.core.windows.net/c/Qlik_Sense_setup.exe');
    for (const secret of Object.values(SECRET_VALUES)) expect(run.stdout).not.toContain(secret);
    expect(run.stdout).not.toContain('sig=');
  }, 60_000);

  it("passes the template's exit code and its stderr line through as the process's own", async () => {
    const wrong = join(directory, 'wrong.json');
    await writeFile(wrong, JSON.stringify(hexOf({ ReleaseName: 'Qlik Sense May 2025' })));
    const run = await runEnvelope(script, inputs(wrong));
    expect(run.code).toBe(9);
    expect(run.stderr.trim()).toBe('qlik-azure: ReleaseName differs: 24 chars arrived');
    expect(run.stdout).not.toContain('##qlik-azure[result]');
  }, 60_000);

  it('refuses an input the template does not declare with exit code 2, before the template runs', async () => {
    const run = await runEnvelope(script, ['-QlikInputs', encodeInputs({ Colour: 'blue' }), '-QlikProtectedInputs', encodeInputs({})]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^qlik-azure: input 'Colour' is not a parameter of this script \(it declares: LicenseOwner, /);
    expect(run.stdout).toBe('');
  }, 60_000);

  it('refuses a secret that arrives in the plain input, and a value that is not base64url (what cmd.exe leaves of a mangled one)', async () => {
    const exposed = await runEnvelope(script, ['-QlikInputs', encodeInputs({ AdminPassword: 'x' })]);
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toContain("input 'AdminPassword' arrived in -QlikInputs; secrets must come in -QlikProtectedInputs");
    const mangled = await runEnvelope(script, ['-QlikInputs', 'eyJ+Zm9vIjoi']);
    expect(mangled.code).toBe(2);
    expect(mangled.stderr).toContain('-QlikInputs is not base64url');
  }, 60_000);

  it('downloads protected inputs staged as a blob from their link, and delivers them byte for byte', async () => {
    const served: string[] = [];
    const server: Server = createServer((request, response) => {
      served.push(request.url ?? '');
      if (!request.url?.startsWith('/inputs/staged.json?')) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(JSON.stringify(SECRET_VALUES), 'utf8'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const staged = await runEnvelope(script, ['-QlikInputs', encodeInputs({ ...VALUES, ExpectedFile: expectedFile }), '-QlikProtectedInputs', encodeInputs({ QlikInputsUrl: `${base}/inputs/staged.json?sp=r&sig=FakeSig%2B1` })]);
      expect(staged.stderr).toBe('');
      expect(staged.code).toBe(0);
      expect(staged.stdout).toContain('##qlik-azure[result] {"matched":');
      expect(served).toEqual(['/inputs/staged.json?sp=r&sig=FakeSig%2B1']);

      const missing = await runEnvelope(script, ['-QlikProtectedInputs', encodeInputs({ QlikInputsUrl: `${base}/inputs/gone.json?sp=r&sig=FakeSig%2B1` })]);
      expect(missing.code).toBe(5);
      expect(missing.stderr).toContain(`qlik-azure: could not read the staged inputs from ${base}/inputs/gone.json: `);
      expect(missing.stderr).not.toContain('FakeSig');
    } finally {
      server.close();
    }
  }, 60_000);

  it('fails loudly on a stray word, as a value split at a blank would leave, instead of binding it by position', async () => {
    const run = await runEnvelope(script, ['-QlikInputs', encodeInputs({ ReleaseName: 'x' }), 'Sense']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/positional parameter cannot be found that accepts argument 'Sense'/);
    expect(run.stdout).toBe('');
  }, 60_000);
});
