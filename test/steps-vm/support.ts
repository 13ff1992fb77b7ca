/**
 * What the VM-step tests share: the ARM simulator with the simulated Windows VM as its Run Command
 * executor and the loopback Qlik proxy stand-in, the real steps and SDK clients in this process, and an
 * real state store in a temporary directory; or a CLI workspace (test/steps/support.ts) whose simulator runs the same VM.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError } from '../../src/azure/errors.js';
import type { AzureServices } from '../../src/azure/services.js';
import { stepContextFactory } from '../../src/cli/session.js';
import { Secret, secretValues, type Secrets } from '../../src/config/secrets.js';
import { catalogueEntry, RUNNABLE_STEPS, type RunnableEntry } from '../../src/engine/catalogue.js';
import type { JournalEntry } from '../../src/engine/journal.js';
import { runSteps, type RunOutcome } from '../../src/engine/runner.js';
import { prepareSubscription } from '../../src/steps/subscription-readiness.js';
import type { StepContext, StepRegistry } from '../../src/engine/step.js';
import type { DeploymentConfigInput } from '../../src/config/schema.js';
import { startSimulator, type RunCommandInvocation, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { startQlikProxyStandIn, type QlikProxyStandIn } from '../../src/simulator/qlik-proxy.js';
import { createSimulatedQlikVm, type SimulatedQlikVm, type SimulatedQlikVmOptions } from '../../src/simulator/qlik-vm.js';
import { StateStore } from '../../src/state/store.js';
import { loadStepRegistry } from '../../src/steps/index.js';
import { BASE_CONFIG, resolveConfig, SECRETS, simulatorServices } from '../steps/support.js';

export { SECRETS };
export const COMPUTER_NAME = 'qlik-sim';

export const VM_CONFIG: DeploymentConfigInput = {
  ...BASE_CONFIG,
  vm: { computerName: COMPUTER_NAME },
  qlik: {
    releaseName: 'Qlik Sense November 2025',
    installer: { source: 'url', url: 'https://downloads.example.test/Qlik_Sense_setup.exe' },
    hostWhiteList: ['qlik.example.com'],
  },
};

export const ALL_SECRETS: Secrets = Object.fromEntries(Object.entries(SECRETS).map(([name, value]) => [name, new Secret(value)]));
export const SECRET_VALUES: readonly string[] = Object.values(SECRETS);

/** Every secret value that occurs in `text`; a test expects none. */
export function leakedSecrets(text: string): string[] {
  return SECRET_VALUES.filter((value) => text.includes(value));
}

/** state.json as the CLI tests read it. */
export interface StateFile { journal: Record<string, { status: string; change?: string; outputs?: Record<string, unknown> }> }

export interface VmWorld {
  readonly sim: Simulator;
  readonly vm: SimulatedQlikVm;
  readonly invocations: readonly RunCommandInvocation[];
  readonly proxy: QlikProxyStandIn;
  readonly services: AzureServices;
  /** The real state store in a temporary directory: it also refuses to write a secret. */
  readonly store: StateStore;
  readonly notes: string[];
  readonly progress: string[];
  entry(step: number): JournalEntry | undefined;
  stateText(): Promise<string>;
  context(step: number, signal?: AbortSignal): StepContext;
  /** The selected steps (default: all 48) through the engine; the journal keeps what earlier runs recorded. */
  run(steps?: readonly RunnableEntry[]): Promise<RunOutcome>;
  close(): Promise<void>;
}

export async function startVmWorld(config: DeploymentConfigInput = VM_CONFIG, vmOptions: SimulatedQlikVmOptions = {}, secrets: Secrets = ALL_SECRETS, simulatorOptions: SimulatorOptions = {}): Promise<VmWorld> {
  const vm = createSimulatedQlikVm({ computerName: () => COMPUTER_NAME, ...vmOptions });
  // What Azure received, secrets included: the simulator hands the executor the PUT body as sent.
  const invocations: RunCommandInvocation[] = [];
  const sim = await startSimulator({ ...simulatorOptions, runCommandExecutor: (run) => { invocations.push(run); return vm.executor(run); } });
  const proxy = await startQlikProxyStandIn();
  const stateDir = await mkdtemp(join(tmpdir(), 'qlik-azure-vm-steps-'));
  const resolved = resolveConfig(config);
  const store = await StateStore.open({ stateDir, deployment: resolved.deployment, command: 'apply', toolVersion: 'test', secretValues: secretValues(secrets) });
  // The ARM clients of the Azure step tests, plus where the stand-in proxy answers for step 47.
  const arm = simulatorServices(sim);
  const services: AzureServices = { ...arm, connection: { ...arm.connection, qlikProxy: { host: '127.0.0.1', ports: proxy.ports, ca: proxy.caCertPem } } };
  const notes: string[] = [];
  const progress: string[] = [];
  const registry: StepRegistry = await loadStepRegistry();
  const factory = (signal: AbortSignal) => stepContextFactory({
    config: resolved,
    secrets,
    azure: services,
    journal: store,
    artifactDirectory: store.paths.directory,
    signal,
    progress: (step, message) => progress.push(`${step}: ${message}`),
    note: (step, message) => notes.push(`${step}: ${message}`),
  });
  const contextFor = factory(new AbortController().signal);
  return {
    sim, vm, invocations, proxy, services, store, notes, progress,
    entry: (step) => store.entry(step),
    stateText: () => readFile(store.paths.state, 'utf8'),
    context: (step, signal) => (signal ? factory(signal) : contextFor)(catalogueEntry(step) as RunnableEntry),
    // As apply does: the subscription's providers are registered before the first write.
    run: async (steps = RUNNABLE_STEPS) => {
      await prepareSubscription({ azure: services, steps: steps.map((e) => e.number), location: resolved.location, registerProviders: true, progress: () => undefined });
      return runSteps({
        steps, registry, contextFor, journal: store, concurrency: 6,
        stopScheduling: new AbortController().signal, describeError, events: () => undefined,
      });
    },
    async close() {
      await store.close();
      await sim.close();
      await proxy.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The runnable steps up to `last`. */
export const stepsUpTo = (last: number): RunnableEntry[] => RUNNABLE_STEPS.filter((entry) => entry.number <= last);

/** One envelope input as the VM decodes it: base64url of UTF-8 JSON (decoded here without the product's code). */
function envelopeInput(list: readonly { name: string; value: string }[], name: string): Record<string, string> {
  const value = list.find((p) => p.name === name)?.value;
  return value === undefined ? {} : (JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, string>);
}

/** What a Run Command invocation carried inside the envelope's QlikInputs and QlikProtectedInputs. */
export function sentInputs(run: RunCommandInvocation): { plain: Record<string, string>; protected: Record<string, string> } {
  return { plain: envelopeInput(run.parameters, 'QlikInputs'), protected: envelopeInput(run.protectedParameters, 'QlikProtectedInputs') };
}
