// Windows Run Command delivers parameters the way real Azure does: as an unquoted
// `powershell.exe -ExecutionPolicy Unrestricted -File script.ps1 -Name value ...` line that passes
// cmd.exe, then PowerShell's own parameter binding (sources in src/simulator/windows/*.ts).
// A value Azure would mangle reaches the script mangled; a line PowerShell refuses never runs it.

import { AnonymousCredential, BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunCommandInvocation } from '../../src/simulator/index.js';
import { FAST_POLL, startSimulatedAzure, type SimulatedAzure, createRunningVm } from '../support/simulator.js';

let azure: SimulatedAzure;
let blobEndpoint = '';
const rg = 'rg-transport';
const loc = 'westeurope';
const runs: RunCommandInvocation[] = [];

const INSTALL_SCRIPT = `[CmdletBinding()]
param(
    [string]$ReleaseName,
    [string]$InstallerSha256,
    [string]$InstallerUrl,
    [string]$ServicePassword
)
Write-Output 'installing'`;

const STRICT_SCRIPT = `[CmdletBinding(PositionalBinding = $false)]
param([string]$ReleaseName, [string]$InstallerSha256)
Write-Output 'strict'`;

beforeAll(async () => {
  azure = await startSimulatedAzure();
  await createRunningVm(azure, rg, loc, { computerName: 'qlik-central' });
  const storage = await azure.storage.storageAccounts.create(rg, 'qliklogs01', { location: loc, kind: 'StorageV2', sku: { name: 'Standard_LRS' } }, FAST_POLL);
  blobEndpoint = storage.primaryEndpoints?.blob ?? '';
  await blobService().getContainerClient('logs').createIfNotExists();
});
afterAll(() => azure.close());
beforeEach(() => {
  runs.length = 0;
  azure.sim.setRunCommandExecutor(async (run) => {
    runs.push(run);
    return { exitCode: 0, output: 'script output', error: 'script warning' };
  });
});

function blobService(): BlobServiceClient {
  return new BlobServiceClient(`${blobEndpoint}?sv=2022-11-02&sig=x`, new AnonymousCredential(), { agent: azure.sim.httpsAgent() } as StoragePipelineOptions);
}

type Pairs = Record<string, string>;
const pairs = (values: Pairs) => Object.entries(values).map(([name, value]) => ({ name, value }));

async function run(name: string, options: { script?: string; parameters?: Pairs; protectedParameters?: Pairs; runAsUser?: string; blobs?: boolean } = {}) {
  await azure.compute.virtualMachineRunCommands.createOrUpdate(rg, 'vm', name, {
    location: loc,
    source: { script: options.script ?? INSTALL_SCRIPT },
    parameters: pairs(options.parameters ?? {}),
    protectedParameters: pairs(options.protectedParameters ?? {}),
    ...(options.runAsUser ? { runAsUser: options.runAsUser, runAsPassword: 'Run-As-Secret-1' } : {}),
    ...(options.blobs ? { outputBlobUri: `${blobEndpoint}logs/${name}-out.log?sig=x`, errorBlobUri: `${blobEndpoint}logs/${name}-err.log?sig=x` } : {}),
    asyncExecution: false,
    treatFailureAsDeploymentFailure: false,
  }, FAST_POLL);
  const view = (await azure.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm', name, { expand: 'instanceView' })).instanceView;
  return { executionState: view?.executionState, exitCode: view?.exitCode, output: view?.output ?? '', error: view?.error ?? '' };
}

describe('Windows managed Run Command delivers parameters as Azure does', () => {
  it('a value with blanks splits, and the next word binds by position to the next free parameter', async () => {
    await run('blanks', { parameters: { ReleaseName: 'Qlik Sense' } });
    expect(runs).toHaveLength(1);
    expect(runs[0]?.boundParameters).toEqual({ ReleaseName: 'Qlik', InstallerSha256: 'Sense' });
    expect(runs[0]?.argv.slice(-3)).toEqual(['-ReleaseName', 'Qlik', 'Sense']);
    // What ARM received stays as it was, for recording.
    expect(runs[0]?.parameters).toEqual([{ name: 'ReleaseName', value: 'Qlik Sense' }]);
  });

  it('plain parameters come first, then protected ones, each as -Name value', async () => {
    await run('order', { parameters: { ReleaseName: 'May' }, protectedParameters: { ServicePassword: 'Sw0rdfish' } });
    expect(runs[0]?.commandLine).toMatch(/^powershell\.exe -ExecutionPolicy Unrestricted -File \S*script\.ps1 -ReleaseName May -ServicePassword Sw0rdfish$/);
    expect(runs[0]?.boundParameters).toEqual({ ReleaseName: 'May', ServicePassword: 'Sw0rdfish' });
    // The command line holds the secret; the simulator keeps it nowhere.
    expect(JSON.stringify([azure.sim.snapshot(), azure.sim.requestLog(), azure.sim.resources()])).not.toContain('Sw0rdfish');
  });

  it('an & in a SAS link ends the command: the script gets the link cut short, cmd.exe runs the rest', async () => {
    const sas = 'https://qliklogs01.blob.core.windows.net/installers/setup.exe?sv=2022-11-02&st=2025-01-01&sig=abc';
    const view = await run('sas', { protectedParameters: { InstallerUrl: sas, ServicePassword: 'Sw0rdfish' } });
    expect(runs[0]?.boundParameters).toEqual({ InstallerUrl: 'https://qliklogs01.blob.core.windows.net/installers/setup.exe?sv=2022-11-02' });
    expect(view.error).toContain("'st' is not recognized as an internal or external command");
    expect(view.error).toContain("'sig' is not recognized as an internal or external command");
    expect(view).toMatchObject({ executionState: 'Failed', exitCode: 9009 });
  });

  it('cmd.exe eats ^ and expands %NAME% of a variable the machine defines, leaving unknown ones', async () => {
    await run('caret', { protectedParameters: { ServicePassword: 'Pa^ss%SystemRoot%-%NOPE%-%COMPUTERNAME%' } });
    expect(runs[0]?.boundParameters).toEqual({ ServicePassword: 'PassC:\\Windows-%NOPE%-QLIK-CENTRAL' });
  });

  it('a command line over 8191 characters never starts', async () => {
    const view = await run('long', { protectedParameters: { ServicePassword: 'x'.repeat(8200) } });
    expect(runs).toHaveLength(0);
    expect(view).toMatchObject({ executionState: 'Failed', exitCode: 1, error: 'The command line is too long.\r\n' });
  });

  it('an unknown parameter name stops PowerShell before the script runs', async () => {
    const view = await run('unknown', { parameters: { Nope: 'x' } });
    expect(runs).toHaveLength(0);
    expect(view).toMatchObject({ executionState: 'Failed', exitCode: 1 });
    expect(view.error).toContain("A parameter cannot be found that matches parameter name 'Nope'.");
  });

  it('PositionalBinding=$false refuses the stray word of a split value', async () => {
    const view = await run('strict', { script: STRICT_SCRIPT, parameters: { ReleaseName: 'Qlik Sense' } });
    expect(runs).toHaveLength(0);
    expect(view.exitCode).toBe(1);
    expect(view.error).toContain("A positional parameter cannot be found that accepts argument 'Sense'.");
  });

  it('with runAsUser the instance view and the output blobs stay empty; the exit code is still reported', async () => {
    azure.sim.setRunCommandExecutor(async () => ({ exitCode: 3, output: '##qlik-azure[result] {}', error: 'failed' }));
    const view = await run('runas', { runAsUser: 'qliksvc', blobs: true });
    expect(view).toMatchObject({ executionState: 'Failed', exitCode: 3, output: '', error: '' });
    const logs = blobService().getContainerClient('logs');
    expect((await logs.getBlobClient('runas-out.log').downloadToBuffer()).toString()).toBe('');
    expect((await logs.getBlobClient('runas-err.log').downloadToBuffer()).toString()).toBe('');
  });

  it('without runAsUser the same run reports its streams', async () => {
    const view = await run('as-system', { blobs: true });
    expect(view).toMatchObject({ executionState: 'Succeeded', exitCode: 0, output: 'script output', error: 'script warning' });
  });
});

describe('Windows action Run Command (POST runCommand) passes parameters the same way', () => {
  it('splits a value with blanks; a script without [CmdletBinding()] takes the stray word in $args', async () => {
    const result = await azure.compute.virtualMachines.runCommand(rg, 'vm', {
      commandId: 'RunPowerShellScript',
      script: ['param([string]$Owner)', 'Write-Output $Owner'],
      parameters: [{ name: 'Owner', value: 'Jane Doe&Co' }],
    }, FAST_POLL);
    expect(runs[0]?.boundParameters).toEqual({ Owner: 'Jane' });
    expect(runs[0]?.argv.slice(-3)).toEqual(['-Owner', 'Jane', 'Doe']);
    expect(result.value?.[1]?.message).toContain("'Co' is not recognized as an internal or external command");
  });
});
