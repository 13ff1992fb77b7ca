/**
 * --simulate: the ARM simulator in this process, a simulated Windows VM as its Run Command executor and a
 * loopback stand-in for the VM's public Qlik ports. The world is loaded from and saved to the deployment's
 * simulation.json, so a later --simulate command (resume, apply again, destroy) goes on from it.
 */
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/derive.js';
import { createSimulatedQlikVm } from '../simulator/qlik-vm.js';
import { restoreMachines, snapshotMachines } from '../simulator/qlik-vm-snapshot.js';
import { startQlikProxyStandIn, type QlikProxyStandIn } from '../simulator/qlik-proxy.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { createPwshVm } from '../simulator/windows/pwsh-executor.js';
import { readSimulation, SIMULATION_SCHEMA_VERSION, SimulationRecorder, simulationPath, writeSimulation, type SimulationOwner } from './simulation-file.js';

const VIRTUAL_MACHINE_TYPE = 'microsoft.compute/virtualmachines';

export interface SimulatedWorldOptions {
  readonly stateDir: string;
  readonly config: ResolvedConfig;
  readonly subscriptionId: string;
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

export async function startSimulatedWorld(options: SimulatedWorldOptions): Promise<SimulatedWorld> {
  const { config } = options;
  const path = simulationPath(options.stateDir, config.deployment);
  const owner: SimulationOwner = { deployment: config.deployment, subscriptionId: options.subscriptionId };
  const { document, warning } = await readSimulation(path, owner);
  if (warning) options.warn(warning);
  // QLIK_AZURE_SIM_VM=pwsh runs the real templates under pwsh on the Windows stand-in instead of the TypeScript
  // fake VM (slower; the machines live in <state-dir>/<deployment>/windows-vm/, the fake QRS only as long as the command).
  const realScripts = process.env.QLIK_AZURE_SIM_VM === 'pwsh';
  const vm = createSimulatedQlikVm({
    computerName: () => config.names.computerName,
    ...(document ? { restoredMachines: restoreMachines(document.machines) } : {}),
  });
  const proxy = await startQlikProxyStandIn({ http: config.network.enableHttp ? 'answer' : 'refuse' });
  let recorder: SimulationRecorder | undefined;
  const start = (port: number) => startSimulator({
    port,
    latencyScale: Number(process.env.QLIK_AZURE_SIM_LATENCY ?? 0.01),
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
  const pwshVm = realScripts
    ? await createPwshVm({ rootDir: join(dirname(path), 'windows-vm'), computerName: () => config.names.computerName, trustedCaPem: simulator.caCertPem })
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
