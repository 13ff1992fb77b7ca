/**
 * What the Azure step tests share: a simulator in the test process (so it outlives a killed CLI), a fake
 * `az`, a config and a 0600 secrets file in a temporary directory, and two ways to run steps 1-33: the
 * built CLI as a child process, or the engine in-process with the real SDK clients.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createAzureServices, type AzureServices } from '../../src/azure/services.js';
import { describeError } from '../../src/azure/errors.js';
import { resolveNames, type ResolvedConfig } from '../../src/config/derive.js';
import { configSchema, type DeploymentConfigInput } from '../../src/config/schema.js';
import { Secret, type Secrets } from '../../src/config/secrets.js';
import { RUNNABLE_STEPS, type RunnableEntry } from '../../src/engine/catalogue.js';
import type { JournalEntry } from '../../src/engine/journal.js';
import { runSteps, type RunOutcome } from '../../src/engine/runner.js';
import type { StepContext, StepRegistry } from '../../src/engine/step.js';
import { stepContextFactory } from '../../src/cli/session.js';
import { writeFakeAz } from '../../src/simulator/fake-az.js';
import { SIMULATED_SUBSCRIPTION_ID, startSimulator, type LoggedRequest, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { steps as azureSteps } from '../../src/steps/azure/index.js';
import { prepareSubscription } from '../../src/steps/subscription-readiness.js';
import { runCli, type CliResult } from '../support/cli.js';

export const VM_PASSWORD = 'Sim-Only-Vm-Admin-7x!';
export const SECRETS = {
  vmAdminPassword: VM_PASSWORD,
  serviceAccountPassword: 'Sim-Only-Service-8y!',
  qlikAdminPassword: 'Sim-Only-QSAdmin-9z!',
  localUserPassword: 'Sim-Only-Users-6w!',
  repositoryDbPassword: 'Sim-Only-Repository-5v!',
  licenseKey: 'sim-only.signed-license-key.not-valid',
};

export const BASE_CONFIG: DeploymentConfigInput = {
  deployment: 'qlik-sim',
  subscriptionId: SIMULATED_SUBSCRIPTION_ID,
  location: 'westeurope',
  tags: { owner: 'bi-team' },
  network: { allowedSourceCidrs: ['203.0.113.0/24'] },
  vm: { dataDiskSizeGb: 64 },
};

export const AZURE_STEPS_TO = 33;
/** The runnable steps up to 33: the Azure phase. */
export const AZURE_ENTRIES: readonly RunnableEntry[] = RUNNABLE_STEPS.filter((entry) => entry.number <= AZURE_STEPS_TO);
export const AZURE_REGISTRY: StepRegistry = new Map(azureSteps);

/** The resources a clean apply of 1-33 leaves, by ARM type and name. */
export const EXPECTED_RESOURCES = [
  'Microsoft.Resources/resourceGroups rg-qlik-sim',
  'Microsoft.Network/networkSecurityGroups qlik-sim-nsg',
  'Microsoft.Storage/storageAccounts',
  'Microsoft.Network/virtualNetworks qlik-sim-vnet',
  'Microsoft.Network/publicIPAddresses qlik-sim-ip',
  'Microsoft.Network/networkInterfaces qlik-sim-nic',
  'Microsoft.Compute/virtualMachines qlik-sim-vm',
  // Made by Azure with the VM (its managed OS disk), not written by qlik-azure.
  'Microsoft.Compute/disks qlik-sim-vm-osdisk',
];

export interface Workspace {
  readonly sim: Simulator;
  readonly dir: string;
  readonly caFile: string;
  readonly configFile: string;
  readonly secretsFile: string;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  writeConfig(config: DeploymentConfigInput): Promise<void>;
  cli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** `apply --to-step 33 --yes` (or another command with the same connection flags). */
  apply(command?: 'apply' | 'resume', extra?: readonly string[]): Promise<CliResult>;
  stateJson(): Promise<string>;
  close(): Promise<void>;
}

export async function createWorkspace(options: SimulatorOptions = {}, config: DeploymentConfigInput = BASE_CONFIG): Promise<Workspace> {
  const sim = await startSimulator(options);
  const dir = await mkdtemp(join(tmpdir(), 'qlik-azure-steps-'));
  const caFile = join(dir, 'ca.pem');
  const configFile = join(dir, 'qlik-azure.yaml');
  const secretsFile = join(dir, 'secrets.yaml');
  const stateDir = join(dir, 'state');
  await writeFile(caFile, sim.caCertPem);
  await writeFile(secretsFile, stringify(SECRETS), { mode: 0o600 });
  await chmod(secretsFile, 0o600);
  await writeFakeAz(join(dir, 'bin'));
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    NODE_EXTRA_CA_CERTS: caFile,
    QLIK_AZURE_POLL_INTERVAL_MS: '20',
    // The CLI paces reads by Azure's real-world durations scaled by this; the simulator runs at its latencyScale.
    QLIK_AZURE_TIME_SCALE: String(options.latencyScale ?? 0),
    CI: 'true',
  };
  const writeConfig = (next: DeploymentConfigInput) => writeFile(configFile, stringify(next));
  await writeConfig(config);
  const connection = ['--config', configFile, '--secrets-file', secretsFile, '--arm-endpoint', sim.url, '--auth', 'cli', '--state-dir', stateDir];
  const cli = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: dir, env: { ...env, ...extraEnv } });
  return {
    sim, dir, caFile, configFile, secretsFile, stateDir, env, writeConfig, cli,
    apply: (command = 'apply', extra = []) => cli([command, '--to-step', String(AZURE_STEPS_TO), '--yes', ...connection, ...extra]),
    stateJson: () => readFile(join(stateDir, 'qlik-sim', 'state.json'), 'utf8'),
    async close() {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The flags every CLI command of a workspace needs to reach its simulator. */
export function connectionFlags(ws: Workspace): string[] {
  return ['--config', ws.configFile, '--secrets-file', ws.secretsFile, '--arm-endpoint', ws.sim.url, '--auth', 'cli', '--state-dir', ws.stateDir];
}

const WRITE_METHODS = new Set(['PUT', 'PATCH', 'DELETE', 'POST']);
/** POSTs that only read: name checks and storage keys. */
const READ_ONLY_POST = /\/(checkNameAvailability|listKeys)$/i;

/** Registering a resource provider with the subscription (before the first write) creates no resource. */
export const PROVIDER_REGISTRATION = /^\/subscriptions\/[^/]+\/providers\/[^/]+\/register$/i;

/** Requests that create, change or delete resources. */
export function writes(log: readonly LoggedRequest[]): LoggedRequest[] {
  return log.filter((request) => WRITE_METHODS.has(request.method) && !(request.method === 'POST' && (READ_ONLY_POST.test(request.path) || PROVIDER_REGISTRATION.test(request.path))));
}

export function countByMethod(log: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of log) counts[request.method] = (counts[request.method] ?? 0) + 1;
  return counts;
}

/** Resources as "<type> <name>", the storage account by type only (its name is derived from a hash). */
export function resourceSummary(sim: Simulator): string[] {
  return sim.resources().map((r) => (r.type === 'Microsoft.Storage/storageAccounts' ? r.type : `${r.type} ${r.name}`));
}

export function resourceBody(sim: Simulator, type: string): Record<string, unknown> & { properties: Record<string, any>; tags?: Record<string, string> } {
  const found = sim.resources().find((r) => r.type === type);
  if (!found) throw new Error(`no ${type} in the simulator`);
  return found.body as never;
}

// --- In-process runs --------------------------------------------------------------------------------

export function resolveConfig(input: DeploymentConfigInput): ResolvedConfig {
  return resolveNames(configSchema.parse(input));
}

export function simulatorServices(sim: Simulator): AzureServices {
  return createAzureServices({
    subscriptionId: SIMULATED_SUBSCRIPTION_ID,
    credential: { getToken: async () => ({ token: 'test', expiresOnTimestamp: Date.now() + 3_600_000 }) },
    endpoint: sim.url,
    agent: sim.httpsAgent(),
    pollIntervalMs: 5,
    retryDelayMs: 5,
    userAgent: 'qlik-azure-test',
  });
}

export interface InProcess {
  readonly notes: string[];
  readonly journal: Map<number, JournalEntry>;
  context(step: number): StepContext;
  run(steps?: readonly RunnableEntry[]): Promise<RunOutcome>;
}

/** The engine and the real steps in this process, with an in-memory journal. */
export function inProcess(sim: Simulator, config: DeploymentConfigInput = BASE_CONFIG, secrets: Secrets = { vmAdminPassword: new Secret(VM_PASSWORD) }): InProcess {
  const journal = new Map<number, JournalEntry>();
  const notes: string[] = [];
  const now = () => new Date().toISOString();
  const services = simulatorServices(sim);
  const contextFor = stepContextFactory({
    config: resolveConfig(config),
    secrets,
    azure: services,
    journal: { entry: (step) => journal.get(step) },
    artifactDirectory: tmpdir(),
    signal: new AbortController().signal,
    progress: () => undefined,
    note: (step, message) => notes.push(`${step}: ${message}`),
  });
  const entry = (step: number) => AZURE_ENTRIES.find((e) => e.number === step)!;
  return {
    notes,
    journal,
    context: (step) => contextFor(entry(step)),
    // As apply does: the subscription's providers are registered before the first write.
    run: async (selected = AZURE_ENTRIES) => {
      await prepareSubscription({ azure: services, steps: selected.map((e) => e.number), location: resolveConfig(config).location, registerProviders: true, progress: () => undefined });
      return runSteps({
      steps: selected,
      registry: AZURE_REGISTRY,
      contextFor,
      concurrency: 6,
      stopScheduling: new AbortController().signal,
      describeError,
      events: () => undefined,
      journal: {
        entry: (step) => journal.get(step),
        markPending: async () => undefined,
        markRunning: async (step) => { journal.set(step, { status: 'running', startedAt: now(), attempt: 1 }); },
        markDone: async (step, result) => { journal.set(step, { status: 'done', startedAt: now(), finishedAt: now(), attempt: 1, change: result.change, outputs: result.outputs }); },
        markFailed: async (step, error) => { journal.set(step, { status: 'failed', startedAt: now(), finishedAt: now(), attempt: 1, error }); },
      },
      });
    },
  };
}
