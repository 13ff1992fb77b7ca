/**
 * --simulate: the ARM simulator in this process, a simulated Windows VM as its Run Command executor and a
 * loopback stand-in for the VM's public Qlik ports. The world is loaded from and saved to the deployment's
 * simulation.json, so a later --simulate command (resume, apply again, destroy) goes on from it.
 */
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/derive.js';
import { ConfigError } from '../config/errors.js';
import { resolveFaults } from '../simulator/faults.js';
import type { FaultRule } from '../simulator/index.js';
import { parseSeed } from '../simulator/random.js';
import { createSimulatedQlikVm } from '../simulator/qlik-vm.js';
import { restoreMachines, snapshotMachines } from '../simulator/qlik-vm-snapshot.js';
import { startQlikProxyStandIn, type QlikProxyStandIn } from '../simulator/qlik-proxy.js';
import { SIMULATED_CLOUDS, startSimulator, type SimulatedCloud, type Simulator } from '../simulator/index.js';
import { createPwshVm } from '../simulator/windows/pwsh-executor.js';
import { readSimulation, SIMULATION_SCHEMA_VERSION, SimulationRecorder, simulationPath, writeSimulation, type SimulationDocument, type SimulationOwner } from './simulation-file.js';

const VIRTUAL_MACHINE_TYPE = 'microsoft.compute/virtualmachines';

export interface SimulatedWorldOptions {
  readonly stateDir: string;
  readonly config: ResolvedConfig;
  readonly subscriptionId: string;
  /** --cloud: the simulated cloud offers that cloud's api-versions and regions. */
  readonly cloud?: string | undefined;
  /** The run's secret values: simulation.json is refused if it would contain one. */
  readonly secretValues: readonly string[];
  /** false for commands that only read (plan): they load the world but never write it. */
  readonly save: boolean;
  readonly warn: (message: string) => void;
}

export interface SimulatedWorld {
  readonly simulator: Simulator;
  readonly proxy: QlikProxyStandIn;
  close(): Promise<void>;
}

/** The simulation's settings from the environment, refused like config (exit 3) before anything starts. */
export interface SimulationSettings {
  readonly faults: FaultRule[];
  readonly seed: number;
  readonly latencyScale: number;
}

const SIMULATION_ENV_HELP = 'see "Rehearsing with --simulate" in the README';

export function simulationSettings(env: NodeJS.ProcessEnv): SimulationSettings {
  const issues: { field: string; message: string }[] = [];
  let faults: FaultRule[] = [];
  try {
    faults = resolveFaults(env.QLIK_AZURE_SIM_FAULTS ?? 'none');
  } catch (error) {
    issues.push({ field: 'QLIK_AZURE_SIM_FAULTS', message: `${(error as Error).message}. Fix: set it to a profile name or a JSON array of fault rules, or unset it (${SIMULATION_ENV_HELP})` });
  }
  const { seed = 1, problem } = env.QLIK_AZURE_SIM_SEED === undefined ? {} : parseSeed(env.QLIK_AZURE_SIM_SEED);
  if (problem) issues.push({ field: 'QLIK_AZURE_SIM_SEED', message: `${problem}. Fix: set it to a whole number, or unset it (seed 1)` });
  const latencyScale = Number(env.QLIK_AZURE_SIM_LATENCY ?? 0.01);
  if (!(Number.isFinite(latencyScale) && latencyScale >= 0)) issues.push({ field: 'QLIK_AZURE_SIM_LATENCY', message: `'${env.QLIK_AZURE_SIM_LATENCY}' is not a number ≥ 0. Fix: 0 for no latency, 1 for Azure's, or unset it (0.01)` });
  if (issues.length > 0) throw new ConfigError(issues, 'the simulation settings');
  return { faults, seed, latencyScale };
}

function isSimulatedCloud(cloud: string | undefined): cloud is SimulatedCloud {
  return (SIMULATED_CLOUDS as readonly (string | undefined)[]).includes(cloud);
}

export async function startSimulatedWorld(options: SimulatedWorldOptions): Promise<SimulatedWorld> {
  const { config } = options;
  const settings = simulationSettings(process.env);
  const path = simulationPath(options.stateDir, config.deployment);
  const owner: SimulationOwner = { deployment: config.deployment, subscriptionId: options.subscriptionId };
  const { document, warning } = await readSimulation(path, owner);
  if (warning) options.warn(warning);
  const vm = createSimulatedQlikVm({
    computerName: () => config.names.computerName,
    ...(document ? { restoredMachines: restoreMachines(document.machines) } : {}),
  });
  const proxy = await startQlikProxyStandIn({ http: config.network.enableHttp ? 'answer' : 'refuse' });
  try {
    return await startArm(options, { settings, path, owner, vm, proxy, document });
  } catch (error) {
    // Nothing may stay listening: an open server would keep the process from ever ending.
    await proxy.close();
    throw error;
  }
}

interface WorldParts {
  readonly settings: SimulationSettings;
  readonly path: string;
  readonly owner: SimulationOwner;
  readonly vm: ReturnType<typeof createSimulatedQlikVm>;
  readonly proxy: QlikProxyStandIn;
  readonly document: SimulationDocument | undefined;
}

async function startArm(options: SimulatedWorldOptions, { settings, path, owner, vm, proxy, document }: WorldParts): Promise<SimulatedWorld> {
  let recorder: SimulationRecorder | undefined;
  const start = (port: number) => startSimulator({
    port,
    latencyScale: settings.latencyScale,
    faults: settings.faults,
    seed: settings.seed,
    ...(isSimulatedCloud(options.cloud) ? { cloud: options.cloud } : {}),
    runCommandExecutor: vm.executor,
    ...(document ? { restore: document.simulator } : {}),
    ...(options.save ? { onRequestServed: () => recorder?.changed() } : {}),
  });
  // The journal's outputs (the blob endpoint of step 13) name the last simulator's port: listen there again
  // when it is free; otherwise the restore rewrites Azure's side and the steps that re-run correct the journal.
  const previousPort = document ? Number(new URL(document.simulator.baseUrl).port) : 0;
  const simulator = await start(previousPort).catch((error: NodeJS.ErrnoException) => {
    if (previousPort === 0 || error.code !== 'EADDRINUSE') throw error;
    return start(0);
  });
  // QLIK_AZURE_SIM_VM=pwsh runs the real templates under pwsh on the Windows stand-in instead of the TypeScript
  // fake VM (slower; the machines live in <state-dir>/<deployment>/windows-vm/, the fake QRS only as long as the command).
  const pwshVm = process.env.QLIK_AZURE_SIM_VM === 'pwsh'
    ? await createPwshVm({ rootDir: join(dirname(path), 'windows-vm'), computerName: () => options.config.names.computerName, trustedCaPem: simulator.caCertPem })
    : undefined;
  if (pwshVm) simulator.setRunCommandExecutor(pwshVm.executor);
  const save = async () => {
    const world = simulator.snapshot();
    const vmNames = new Set(world.resources.filter((r) => r.type.toLowerCase() === VIRTUAL_MACHINE_TYPE).map((r) => r.name));
    await writeSimulation(path, {
      schemaVersion: SIMULATION_SCHEMA_VERSION,
      ...owner,
      savedAt: new Date().toISOString(),
      simulator: world,
      machines: snapshotMachines(vm.machines(), (vmName) => vmNames.has(vmName)),
    }, options.secretValues);
  };
  if (options.save) recorder = new SimulationRecorder(save, options.warn);
  return {
    simulator,
    proxy,
    async close() {
      await recorder?.close();
      await simulator.close();
      await pwshVm?.close();
      await proxy.close();
    },
  };
}
