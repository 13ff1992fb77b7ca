import { AnonymousCredential, AppendBlobClient, BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { get } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, createNic, startSimulatedAzure, windowsVmBody, type SimulatedAzure } from '../support/simulator.js';

let azure: SimulatedAzure;
let service: BlobServiceClient;
let blobEndpoint = '';
const rg = 'rg-blob';
const loc = 'westeurope';
const account = 'qlikstaging01';

beforeAll(async () => {
  azure = await startSimulatedAzure();
  await azure.resources.resourceGroups.createOrUpdate(rg, { location: loc });
  const created = await azure.storage.storageAccounts.create(rg, account, { location: loc, kind: 'StorageV2', sku: { name: 'Standard_LRS' } }, FAST_POLL);
  blobEndpoint = created.primaryEndpoints?.blob ?? '';
  const key = (await azure.storage.storageAccounts.listKeys(rg, account)).keys?.[0]?.value ?? '';
  // `agent` is a core-rest-pipeline option that storage-blob passes through untyped.
  const options = { agent: azure.sim.httpsAgent(), retryOptions: { maxTries: 2, retryDelayInMs: 5 } } as StoragePipelineOptions;
  service = new BlobServiceClient(blobEndpoint, new StorageSharedKeyCredential(account, key), options);
});
afterAll(() => azure.close());

describe('blob data plane', () => {
  it('creates a container and uploads/downloads a block blob in one request', async () => {
    const container = service.getContainerClient('installers');
    await container.createIfNotExists();
    expect((await container.createIfNotExists()).succeeded).toBe(false);
    await container.getBlockBlobClient('hello.txt').upload('hello qlik', 10, { blobHTTPHeaders: { blobContentType: 'text/plain' } });
    const download = await container.getBlobClient('hello.txt').downloadToBuffer();
    expect(download.toString()).toBe('hello qlik');
    expect((await container.getBlobClient('hello.txt').getProperties()).contentType).toBe('text/plain');
  });

  it('stages blocks and commits a block list (large uploads)', async () => {
    const data = Buffer.alloc(300_000, 7);
    data.write('START', 0);
    data.write('END', data.length - 3);
    const blob = service.getContainerClient('installers').getBlockBlobClient('Qlik_Sense_setup.exe');
    await blob.uploadData(data, { blockSize: 64 * 1024, maxSingleShotSize: 64 * 1024, concurrency: 2 });
    const back = await blob.downloadToBuffer(0, undefined, { blockSize: 100_000, concurrency: 2 });
    expect(back.equals(data)).toBe(true);
    const names: string[] = [];
    for await (const item of service.getContainerClient('installers').listBlobsFlat()) names.push(item.name);
    expect(names).toEqual(['Qlik_Sense_setup.exe', 'hello.txt']);
  });

  it('creates append blobs and appends blocks', async () => {
    const logs = service.getContainerClient('runcommand-logs');
    await logs.createIfNotExists();
    const blob = logs.getAppendBlobClient('install.log');
    await blob.create();
    await blob.appendBlock('line 1\n', 7);
    const second = await blob.appendBlock('line 2\n', 7);
    expect(second.blobAppendOffset).toBe('7');
    expect((await blob.downloadToBuffer()).toString()).toBe('line 1\nline 2\n');
  });

  it('accepts a SAS URL (signature presence) and refuses anonymous access', async () => {
    const sasUrl = `${blobEndpoint}runcommand-logs/install.log?sv=2024-11-04&sr=b&sp=racw&sig=fake-signature`;
    const viaSas = new AppendBlobClient(sasUrl, new AnonymousCredential(), { agent: azure.sim.httpsAgent() } as StoragePipelineOptions);
    expect((await viaSas.downloadToBuffer()).toString()).toBe('line 1\nline 2\n');
    const anonymous = new AppendBlobClient(`${blobEndpoint}runcommand-logs/install.log`, new AnonymousCredential(), { agent: azure.sim.httpsAgent(), retryOptions: { maxTries: 1 } } as StoragePipelineOptions);
    await expect(anonymous.downloadToBuffer()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('serves a SAS link to a plain GET without x-ms-version, as a browser, curl or Invoke-WebRequest on the VM sends it', async () => {
    const sasUrl = `${blobEndpoint}runcommand-logs/install.log?sv=2024-11-04&sr=b&sp=r&sig=fake-signature`;
    const body = await new Promise<string>((resolve, reject) => {
      get(sasUrl, { agent: azure.sim.httpsAgent() }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
        response.on('end', () => resolve(`${response.statusCode} ${text}`));
      }).on('error', reject);
    });
    expect(body).toBe('200 line 1\nline 2\n');
  });

  it('answers BlobNotFound / ContainerNotFound like Azure', async () => {
    await expect(service.getContainerClient('installers').getBlobClient('nope').getProperties()).rejects.toMatchObject({ statusCode: 404 });
    await expect(service.getContainerClient('nope').getBlobClient('x').downloadToBuffer()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('receives Run Command output through outputBlobUri', async () => {
    const nicId = await createNic(azure, rg, 'nic');
    await azure.compute.virtualMachines.createOrUpdate(rg, 'vm', windowsVmBody(nicId) as never, FAST_POLL);
    const long = `${'x'.repeat(6000)}done`;
    azure.sim.setRunCommandExecutor(async () => ({ exitCode: 0, output: long, error: 'warning' }));
    await azure.compute.virtualMachineRunCommands.createOrUpdate(
      rg,
      'vm',
      'install',
      {
        location: loc,
        source: { script: 'Write-Output done' },
        outputBlobUri: `${blobEndpoint}runcommand-logs/install-out.log?sig=x`,
        errorBlobUri: `${blobEndpoint}runcommand-logs/install-err.log?sig=x`,
      },
      FAST_POLL,
    );
    const logs = service.getContainerClient('runcommand-logs');
    expect((await logs.getBlobClient('install-out.log').downloadToBuffer()).toString()).toBe(long);
    expect((await logs.getBlobClient('install-err.log').downloadToBuffer()).toString()).toBe('warning');
  });
});
