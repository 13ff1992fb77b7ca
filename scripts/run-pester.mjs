#!/usr/bin/env node
// Runs every Pester suite under test/powershell/ (recursively, *.Tests.ps1) with PowerShell 7 and
// Pester 5, and ends with one line "N passed, N failed" (", N skipped" when any were skipped).
// Exit code: 0 when everything passed; 1 on any failure. When pwsh or Pester is missing the suites
// cannot run: that is a failure, so a green `npm test` always means the templates were tested. A
// machine without PowerShell skips them only when told so (QLIK_AZURE_SKIP_PESTER=1), with a warning.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const suitesRoot = join(repositoryRoot, 'test', 'powershell');
const pwshFile = process.platform === 'win32' ? 'pwsh.exe' : 'pwsh';
// The PowerShell side prints its counts on one marker line, read here and not shown.
const summaryMarker = '##run-pester ';

function findPwsh() {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, pwshFile));
  return [...onPath, join(homedir(), '.dotnet', 'tools', pwshFile)].find((candidate) => existsSync(candidate));
}

/** Numeric comparison of dotted versions: newest first. */
function byVersionDescending(a, b) {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (right[index] ?? 0) - (left[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** { path } of Pester.psd1, or { problem } saying why there is none. */
function findPester() {
  const configured = process.env.PESTER_MODULE;
  if (configured) {
    return existsSync(configured) ? { path: configured } : { problem: `PESTER_MODULE is ${configured}, which does not exist` };
  }
  const packages = join(homedir(), '.nuget', 'packages', 'pester');
  const versions = existsSync(packages) ? readdirSync(packages).filter((name) => /^5\.\d+\.\d+$/.test(name)) : [];
  const manifest = versions
    .sort(byVersionDescending)
    .map((version) => join(packages, version, 'tools', 'Pester.psd1'))
    .find((candidate) => existsSync(candidate));
  return manifest ? { path: manifest } : { problem: `Pester 5 not found (set PESTER_MODULE, or restore it to ${packages}/5.x)` };
}

function findSuites() {
  if (!existsSync(suitesRoot)) return [];
  return readdirSync(suitesRoot, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.Tests.ps1'))
    .sort()
    .map((name) => join(suitesRoot, name));
}

const SKIP_VARIABLE = 'QLIK_AZURE_SKIP_PESTER';

function notRun(reason) {
  const message = `Pester suites NOT run: ${reason}`;
  if (process.env[SKIP_VARIABLE] === '1') {
    console.warn(`WARNING: ${message} (skipped because ${SKIP_VARIABLE}=1: the PowerShell templates are untested)`);
    process.exit(0);
  }
  console.error(`${message}. Install PowerShell 7 and Pester 5 (see scripts/toolchain.sh), or set ${SKIP_VARIABLE}=1 to skip them knowingly.`);
  process.exit(1);
}

// Run.Exit would end pwsh inside Invoke-Pester, before the counts could be reported; PassThru keeps
// them, and this script sets the exit code itself.
const pesterScript = `
$ErrorActionPreference = 'Stop'
Import-Module -Name $env:RUN_PESTER_MODULE -Force
$configuration = New-PesterConfiguration
$configuration.Run.Path = [string[]]@($env:RUN_PESTER_SUITES | ConvertFrom-Json)
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $configuration
# A file that failed outside its tests (parse error, failing root set-up or AfterAll) without any failed
# test would otherwise not show in the counts; one whose tests failed is already counted through them.
$brokenFiles = @($result.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.FailedCount -eq 0 }).Count
$counts = [ordered]@{ passed = $result.PassedCount; failed = $result.FailedCount; skipped = $result.SkippedCount; brokenFiles = $brokenFiles }
Write-Host ('${summaryMarker}' + ($counts | ConvertTo-Json -Compress))
`;

function runPester(pwsh, pesterModule, suites) {
  return new Promise((resolve, reject) => {
    const child = spawn(pwsh, ['-NoProfile', '-NonInteractive', '-Command', pesterScript], {
      cwd: repositoryRoot,
      // pwsh's folder goes on PATH so that suites which start `pwsh` themselves find the same one.
      env: {
        ...process.env,
        PATH: [dirname(pwsh), process.env.PATH].filter(Boolean).join(delimiter),
        RUN_PESTER_MODULE: pesterModule,
        RUN_PESTER_SUITES: JSON.stringify(suites),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let counts;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(summaryMarker)) counts = JSON.parse(line.slice(summaryMarker.length));
      else console.log(line);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, counts }));
  });
}

const pwsh = findPwsh();
if (!pwsh) notRun(`pwsh (PowerShell 7) not found on PATH or in ${join(homedir(), '.dotnet', 'tools')}`);
const pester = findPester();
if (!pester.path) notRun(pester.problem);
const suites = findSuites();
if (suites.length === 0) {
  console.error(`No *.Tests.ps1 files under ${relative(repositoryRoot, suitesRoot)}`);
  process.exit(1);
}

const started = Date.now();
const { code, counts } = await runPester(pwsh, pester.path, suites);
if (!counts) {
  console.error(`Pester did not report results (pwsh exited with code ${code})`);
  process.exit(1);
}
console.log(`Pester: ${suites.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (counts.brokenFiles > 0) console.log(`${counts.brokenFiles} test file(s) failed outside their tests (each counted as one failure)`);
const failed = counts.failed + counts.brokenFiles;
console.log(`${counts.passed} passed, ${failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}`);
process.exit(failed > 0 || code !== 0 ? 1 : 0);
