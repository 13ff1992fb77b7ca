#!/usr/bin/env node
// Standalone simulator process for benchmarks and crash tests (the CLI under test can
// be SIGKILLed while the simulator keeps its state):
//   node dist/simulator/cli.js [--port N] [--latency-scale X] [--faults PROFILE] [--ca-out FILE] [--seed N]
//                              [--cloud AzureCloud|AzureChinaCloud|AzureUSGovernment] [--registered-providers all|NS,NS]
// Prints one JSON line {"url", "caFile"} on stdout, serves until SIGTERM/SIGINT.

import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SIMULATED_CLOUDS, startSimulator, type SimulatedCloud } from './index.js';

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} expects a number, got '${value}'`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'latency-scale': { type: 'string' },
      faults: { type: 'string' },
      'ca-out': { type: 'string' },
      seed: { type: 'string' },
      cloud: { type: 'string' },
      'registered-providers': { type: 'string' },
    },
    strict: true,
  });
  const port = numberOption(values.port, 'port');
  const latencyScale = numberOption(values['latency-scale'], 'latency-scale');
  const seed = numberOption(values.seed, 'seed');
  const cloud = values.cloud;
  if (cloud !== undefined && !(SIMULATED_CLOUDS as readonly string[]).includes(cloud)) throw new Error(`--cloud expects one of ${SIMULATED_CLOUDS.join(', ')}, got '${cloud}'`);
  const registered = values['registered-providers'];
  const sim = await startSimulator({
    ...(port !== undefined ? { port } : {}),
    ...(latencyScale !== undefined ? { latencyScale } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(values.faults !== undefined ? { faults: values.faults } : {}),
    ...(cloud !== undefined ? { cloud: cloud as SimulatedCloud } : {}),
    ...(registered !== undefined ? { registeredProviders: registered === 'all' ? 'all' : registered.split(',').map((namespace) => namespace.trim()) } : {}),
  });
  const caFile = values['ca-out'] ?? join(tmpdir(), `qlik-azure-sim-ca-${process.pid}.pem`);
  await writeFile(caFile, sim.caCertPem, 'utf8');
  process.stdout.write(`${JSON.stringify({ url: sim.url, caFile })}\n`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`qlik-azure simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
