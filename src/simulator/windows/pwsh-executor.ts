// A Run Command executor that runs the script Azure runs (the product's envelope around a template) under
// PowerShell 7 on the stand-in Windows machine (windows-standin.psm1): the script text goes to a file, and
// `pwsh -File bootstrap.ps1 <file> <argv...>` imports the stand-in, then runs it with the words Windows Run
// Command's transport hands powershell.exe after `-File script.ps1` (invocation.argv, run-command-transport.ts).
// Each VM is one machine folder under rootDir (machine.json and its disks), kept between runs. The QRS
// scripts reach the project's fake QRS, started with the certificates the stand-in installer made, through
// the machine's network (vm-network.ts) at https://<hostname>:4242, as on Windows.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeQrs, type FakeQrs } from '../qrs/server.js';
import type { RunCommandExecutor, RunCommandInvocation, RunCommandOutcome } from '../types.js';
import { startVmNetwork, type VmNetwork } from './vm-network.js';

const BOOTSTRAP = fileURLToPath(new URL('../../../src/simulator/windows/bootstrap.ps1', import.meta.url));
const QRS_PORT = 4242;
/** Where the repository exports its certificates as PEM, below C:\. */
const EXPORTED_CERTIFICATES = ['ProgramData', 'Qlik', 'Sense', 'Repository', 'Exported Certificates', '.Local Certificates'];

export interface PwshVmOptions {
  /** Folder holding one machine folder per VM name. */
  rootDir: string;
  /** The Windows computer name of a VM resource (default: its first 15 characters). */
  computerName?: (vmName: string) => string;
  os?: { caption: string; version: string };
  /** A CA the machine trusts besides the system's (the ARM simulator's, for a staged installer or staged inputs on its blob endpoint). */
  trustedCaPem?: string;
}

export interface PwshVm {
  readonly executor: RunCommandExecutor;
  /** The running fake QRS of a VM, once Qlik Sense is installed there and a QRS script has run. */
  qrs(vmName: string): FakeQrs | undefined;
  close(): Promise<void>;
}

interface MachineState {
  computerName: string;
  qrs?: { hostName: string };
}

/** Whether pwsh is on PATH; tests skip, loudly, where it is not. */
export function pwshAvailable(): boolean {
  return spawnSync('pwsh', ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.Major'], { stdio: 'ignore' }).status === 0;
}

export async function createPwshVm(options: PwshVmOptions): Promise<PwshVm> {
  const qrsByVm = new Map<string, FakeQrs>();
  const rootDir = resolve(options.rootDir);
  const machineDir = (vmName: string) => join(rootDir, vmName.replace(/[^A-Za-z0-9_.-]/g, '_'));
  const hostToVm = new Map<string, string>();
  const network: VmNetwork = await startVmNetwork(async (host, port) => {
    const vmName = hostToVm.get(host.toLowerCase());
    if (port !== QRS_PORT || !vmName) return undefined;
    const url = qrsByVm.get(vmName)?.url;
    return url ? Number(new URL(url).port) : undefined;
  });
  const caFile = join(rootDir, 'trusted-ca.pem');
  await mkdir(rootDir, { recursive: true });
  if (options.trustedCaPem) await writeFile(caFile, options.trustedCaPem);
  let runNumber = 0;

  const readState = async (vmName: string): Promise<MachineState> => JSON.parse(await readFile(join(machineDir(vmName), 'machine.json'), 'utf8')) as MachineState;

  const ensureMachine = async (vmName: string): Promise<MachineState> => {
    const dir = machineDir(vmName);
    if (!existsSync(join(dir, 'machine.json'))) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const os = options.os ?? { caption: 'Microsoft Windows Server 2022 Datacenter Azure Edition', version: '10.0.20348' };
      const machine = {
        computerName: options.computerName?.(vmName) ?? vmName.slice(0, 15),
        os: { ...os, productType: 3 },
        freeSpaceBytes: Math.round(97.4 * 1024 ** 3),
        salt: randomBytes(16).toString('hex'),
        users: {}, administrators: [], firewallRules: {}, shares: {}, acls: {}, tasks: {}, uninstall: [],
        services: { seclogon: { status: 'Stopped', startType: 'Manual', startName: 'LocalSystem' } },
      };
      await writeFile(join(dir, 'machine.json'), JSON.stringify(machine, null, 2), { mode: 0o600 });
    }
    const state = await readState(vmName);
    hostToVm.set(state.computerName.toLowerCase(), vmName);
    return state;
  };

  // Qlik Sense installed: its repository answers on 4242 with the certificates the installer made.
  const ensureQrs = async (vmName: string, state: MachineState) => {
    if (!state.qrs || qrsByVm.has(vmName)) return;
    const exported = join(machineDir(vmName), 'C', ...EXPORTED_CERTIFICATES);
    const pem = (name: string) => readFile(join(exported, name), 'utf8');
    qrsByVm.set(vmName, await startFakeQrs({
      siteCertificates: { caCertPem: await pem('root.pem'), serverCertPem: await pem('server.pem'), serverKeyPem: await pem('server_key.pem') },
    }));
    hostToVm.set(state.qrs.hostName.toLowerCase(), vmName);
  };

  // One script at a time per machine: each run reads machine.json when it starts and writes it as it goes,
  // so two at once would lose each other's changes (a real machine has no such limit; runs only end later).
  const queues = new Map<string, Promise<unknown>>();
  const executor: RunCommandExecutor = (run) => {
    const previous = queues.get(run.vmName) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => runOnMachine(run));
    queues.set(run.vmName, next);
    return next;
  };

  const runOnMachine = async (run: RunCommandInvocation): Promise<RunCommandOutcome> => {
    // The product never uses runAsUser (its output is reported empty, issue 10): not modelled here.
    if (run.runAsUser) return { exitCode: 1, output: '', error: 'stand-in: a runAsUser run is not implemented (the envelope runs as the service account through a scheduled task)\n' };
    let state = await ensureMachine(run.vmName);
    await ensureQrs(run.vmName, state);
    const dir = machineDir(run.vmName);
    const scriptFile = join(dir, `run-${process.pid}-${++runNumber}.ps1`);
    await writeFile(scriptFile, run.script, { mode: 0o600 });
    try {
      const outcome = await runPwsh([BOOTSTRAP, scriptFile, ...run.argv], {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        TMPDIR: process.env.TMPDIR ?? '/tmp',
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        POWERSHELL_TELEMETRY_OPTOUT: '1',
        POWERSHELL_UPDATECHECK: 'Off',
        QLIK_STANDIN_MACHINE: dir,
        HTTP_PROXY: network.proxyUrl,
        HTTPS_PROXY: network.proxyUrl,
        ...(options.trustedCaPem ? { SSL_CERT_FILE: caFile } : {}),
      });
      state = await readState(run.vmName);
      await ensureQrs(run.vmName, state);
      return outcome;
    } finally {
      await rm(scriptFile, { force: true });
    }
  };

  return {
    executor,
    qrs: (vmName) => qrsByVm.get(vmName),
    async close() {
      await Promise.all([...qrsByVm.values()].map((qrs) => qrs.close()));
      await network.close();
    },
  };
}

/** Runs pwsh with these words; never logs them (Windows puts secrets there, so they are there). */
function runPwsh(words: string[], env: NodeJS.ProcessEnv): Promise<RunCommandOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('pwsh', ['-NoProfile', '-NonInteractive', '-File', ...words], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    const error: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => error.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({
      exitCode: code ?? 1,
      output: Buffer.concat(output).toString('utf8'),
      error: Buffer.concat(error).toString('utf8'),
    }));
  });
}
