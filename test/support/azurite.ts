/**
 * Azurite (the npm package `azurite`, Microsoft's storage emulator) started by the tests themselves: blob
 * service only, on loopback, a port the system picks, in memory, telemetry off. The storage SDK sends a
 * newer api-version than Azurite knows, hence --skipApiVersionCheck. Stopped by close().
 *
 * The connection string names Azurite's endpoint (BlobEndpoint=): it is how the product reaches it, the
 * same setting (AZURE_STORAGE_CONNECTION_STRING) that reaches a private endpoint in real use.
 */
import { spawn } from 'node:child_process';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from './cli.js';

/** Azurite's well-known development account (public; docs: azurite#connection-strings). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  readonly connectionString: string;
  /** The development account's blob endpoint and key, for a test that gives them apart. */
  readonly endpoint: string;
  readonly accountKey: string;
  readonly service: BlobServiceClient;
  /** A new, empty container, named `<prefix>-<n>`. */
  container(prefix: string): Promise<ContainerClient>;
  close(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  const child = spawn(`${ROOT}node_modules/.bin/azurite-blob`, [
    '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--extentMemoryLimit', '64',
    '--skipApiVersionCheck', '--disableTelemetry', '--silent',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const look = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`azurite exited (${code}) before listening: ${output}`)));
  });
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`;
  const service = BlobServiceClient.fromConnectionString(connectionString);
  let containers = 0;
  return {
    connectionString,
    endpoint,
    accountKey: AZURITE_KEY,
    service,
    async container(prefix) {
      const container = service.getContainerClient(`${prefix}-${++containers}`);
      await container.create();
      return container;
    },
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** Azurite for the tests of one file: started before the first, stopped after the last. */
export function azuriteForFile(): { readonly current: Azurite } {
  const holder = {} as { current: Azurite };
  beforeAll(async () => {
    holder.current = await startAzurite();
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return holder;
}
