/**
 * simulation.json never holds a secret, not even inside a blob: blob contents are saved base64-encoded,
 * and while a step runs, the simulated storage account holds the Run Command inputs staged for the VM
 * (protected values too long for a command line).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATION_SCHEMA_VERSION, writeSimulation, type SimulationDocument } from '../../src/cli/simulation-file.js';
import { SecretLeakError } from '../../src/config/secrets.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

const SECRET = 'Staged-Service-Password-7q';

let sim: Simulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  sim = undefined;
  dir = undefined;
});

function documentWithBlob(snapshot: ReturnType<Simulator['snapshot']>, content: string): SimulationDocument {
  const blobs = structuredClone(snapshot.blobs);
  blobs.accounts.qastaged = {
    'qlik-azure-run-command-inputs': {
      created: new Date(0).toISOString(), etag: '"1"',
      blobs: { 'vm/step-48/inputs.json': { kind: 'BlockBlob', contentBase64: Buffer.from(content).toString('base64'), contentType: 'application/json', etag: '"1"', created: new Date(0).toISOString(), lastModified: new Date(0).toISOString(), committedBlocks: 0 } },
    },
  } as never;
  return { schemaVersion: SIMULATION_SCHEMA_VERSION, deployment: 'd', subscriptionId: 's', savedAt: new Date(0).toISOString(), simulator: { ...snapshot, blobs }, machines: {} };
}

describe('writeSimulation', () => {
  it('refuses a world whose blob holds a secret, and writes the same world without it', async () => {
    sim = await startSimulator();
    dir = await mkdtemp(join(tmpdir(), 'qa-simfile-'));
    const path = join(dir, 'simulation.json');
    await expect(writeSimulation(path, documentWithBlob(sim.snapshot(), JSON.stringify({ ServiceAccountPassword: SECRET })), [SECRET])).rejects.toBeInstanceOf(SecretLeakError);
    await writeSimulation(path, documentWithBlob(sim.snapshot(), JSON.stringify({ Ports: '443' })), [SECRET]);
    expect(await readFile(path, 'utf8')).not.toContain(SECRET);
  });
});
