/** The state store on its backends: the blob backend against Azurite (started here, on loopback), migration, and force-unlock. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestError, type ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { SecretLeakError } from '../../src/config/secrets.js';
import { parseAzblobUrl } from '../../src/config/azblob-url.js';
import { AzblobStateBackend, explainBlobError, LockLostError } from '../../src/state/azblob-backend.js';
import { LockedError } from '../../src/state/lock.js';
import { LocalStateBackend } from '../../src/state/local-backend.js';
import { migrateState, readState, StateStore } from '../../src/state/store.js';
import { AZURITE_ACCOUNT, azuriteForFile } from '../support/azurite.js';

const azurite = azuriteForFile();
let container: ContainerClient;

/** A fresh container per test; the backend of deployment 'demo' under prefix 'team'. */
async function backend() {
  container = await azurite.current.container('state');
  return backendIn(container.containerName);
}

function backendIn(containerName: string) {
  return new AzblobStateBackend({
    location: parseAzblobUrl(`azblob://${AZURITE_ACCOUNT}/${containerName}/team`, '--state'),
    deployment: 'demo',
    keys: { connectionString: azurite.current.connectionString },
    signIn: () => { throw new Error('an account key is given; the Azure sign-in must not be asked for'); },
  });
}

const open = (from: AzblobStateBackend, extra: { secretValues?: string[]; command?: string } = {}) =>
  StateStore.open({ backend: from, deployment: 'demo', command: extra.command ?? 'apply', toolVersion: '0.0.0', ...(extra.secretValues ? { secretValues: extra.secretValues } : {}) });

const blobText = async (name: string) => (await container.getBlockBlobClient(`team/demo/${name}`).downloadToBuffer()).toString('utf8');

describe('blob state backend (Azurite)', () => {
  it('writes the state to <prefix>/<deployment>/state.json, keeps the previous write as state.json.backup, and lets go of the lease', async () => {
    const store = await open(await backend());
    await store.markPending([1]);
    await store.markRunning(1);
    await store.markDone(1, { change: 'create', outputs: { resourceGroupId: '/subscriptions/x/resourceGroups/rg-demo' } });
    await store.close();
    const state = JSON.parse(await blobText('state.json'));
    const backup = JSON.parse(await blobText('state.json.backup'));
    expect(state.serial).toBe(3);
    expect(backup.serial).toBe(2);
    expect(state.journal['1']).toMatchObject({ status: 'done', outputs: { resourceGroupId: '/subscriptions/x/resourceGroups/rg-demo' } });
    const properties = await container.getBlockBlobClient('team/demo/state.json').getProperties();
    expect(properties.leaseState).toBe('available');
    expect(properties.metadata).toEqual({});
    expect(store.paths.state).toBe(`azblob://${AZURITE_ACCOUNT}/${container.containerName}/team/demo/state.json`);
  });

  it('reads no state before the first write (the leased placeholder is empty)', async () => {
    const from = await backend();
    const store = await open(from);
    expect(await readState(from)).toBeUndefined();
    await store.close();
  });

  it('refuses a second command while a lease is held, naming its command, pid, host and start time', async () => {
    const from = await backend();
    const first = await open(from, { command: 'apply' });
    const refusal = await open(backendIn(container.containerName), { command: 'resume' }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LockedError);
    expect((refusal as LockedError).holder).toMatchObject({ command: 'apply', pid: process.pid, host: hostname() });
    expect((refusal as Error).message).toMatch(new RegExp(`locked by 'apply' \\(pid ${process.pid} on ${hostname()}, since \\d{4}-\\d\\d-\\d\\dT`));
    expect((refusal as Error).message).toContain('state force-unlock');
    await first.close();
    await (await open(backendIn(container.containerName))).close();
  });

  it('refuses a write holding a secret exactly as the local store does, and the blob keeps the last good state', async () => {
    const store = await open(await backend(), { secretValues: ['Hunter2-Correct-Horse'] });
    await store.markPending([1]);
    expect(() => store.markDone(1, { change: 'create', outputs: { note: 'password Hunter2-Correct-Horse' } })).toThrow(SecretLeakError);
    await store.close();
    const text = await blobText('state.json');
    expect(text).not.toContain('Hunter2-Correct-Horse');
    expect(JSON.parse(text).journal['1'].status).toBe('pending');
  });

  it('force-unlock breaks the lease naming its holder; the run that held it stops writing and says so', async () => {
    const from = await backend();
    const running = await open(from, { command: 'apply' });
    await running.markPending([1]);
    const holder = await backendIn(container.containerName).forceUnlock();
    expect(holder).toMatchObject({ command: 'apply', pid: process.pid, host: hostname() });
    const successor = await open(backendIn(container.containerName), { command: 'resume' });
    await expect(running.markRunning(1)).rejects.toThrow(LockLostError);
    await expect(running.markRunning(1)).rejects.toThrow(/lock on azblob:\/\/.*state\.json was lost .*this run stops writing/);
    // The run that lost the lock touched nothing, not even the backup beside the state (which has no lease).
    await expect(blobText('state.json.backup')).rejects.toMatchObject({ statusCode: 404 });
    await successor.markRunning(1);
    await running.close();
    await successor.close();
    expect(JSON.parse(await blobText('state.json')).journal['1'].status).toBe('running');
    expect(await backendIn(container.containerName).forceUnlock()).toBeUndefined();
  });

  it('writes the account table and the RDP file beside the state', async () => {
    const from = await backend();
    expect(await from.writeArtifact('accounts.md', '# Accounts\n')).toBe(`azblob://${AZURITE_ACCOUNT}/${container.containerName}/team/demo/accounts.md`);
    expect(await blobText('accounts.md')).toBe('# Accounts\n');
  });

  it('names the account of a connection string that is not the state\'s', async () => {
    const other = new AzblobStateBackend({
      location: parseAzblobUrl('azblob://otheraccount/state', '--state'), deployment: 'demo',
      keys: { connectionString: azurite.current.connectionString }, signIn: () => { throw new Error('not asked'); },
    });
    await expect(other.read()).rejects.toThrow(/AZURE_STORAGE_CONNECTION_STRING: is for storage account 'devstoreaccount1', but the state is in 'otheraccount'/);
  });

  it('names a container that does not exist, with the command that makes it', async () => {
    const missing = backendIn('no-such-container');
    await expect(missing.open('apply')).rejects.toThrow(ConfigError);
    await expect(missing.open('apply')).rejects.toThrow(/container 'no-such-container' does not exist in storage account devstoreaccount1\. Fix: az storage container create/);
  });
});

describe('migrating between backends', () => {
  it('carries the state, the account table and the RDP file over; secrets.yaml and the simulator\'s world stay on this machine', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-migrate-'));
    const local = new LocalStateBackend(dir, 'demo');
    const store = await StateStore.open({ backend: local, deployment: 'demo', command: 'apply', toolVersion: '0.0.0' });
    await store.markPending([1]);
    await store.close();
    await local.writeArtifact('accounts.md', '# Accounts\n');
    await local.writeArtifact('demo.rdp', 'full address:s:demo\r\n');
    await writeFile(join(dir, 'demo', 'secrets.yaml'), 'vmAdminPassword: Never-In-The-Blob-7\n', { mode: 0o600 });
    await writeFile(join(dir, 'demo', 'simulation.json'), '{}');
    const shared = await backend();
    const { state, artifacts } = await migrateState(local, shared);
    expect(state.serial).toBe(1);
    expect(artifacts.map((path) => path.split('/').pop())).toEqual(['demo.rdp', 'accounts.md']);
    expect(await blobText('state.json')).toBe(await readFile(join(dir, 'demo', 'state.json'), 'utf8'));
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names.sort()).toEqual(['team/demo/accounts.md', 'team/demo/demo.rdp', 'team/demo/state.json']);
  });
});

describe('force-unlock of the local backend', () => {
  it('removes state.lock naming its holder, so the next command runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-unlock-'));
    const local = new LocalStateBackend(dir, 'demo');
    await StateStore.open({ backend: local, deployment: 'demo', command: 'apply', toolVersion: '0.0.0' }); // never closed: a run on another host
    await expect(StateStore.open({ backend: local, deployment: 'demo', command: 'resume', toolVersion: '0.0.0' })).rejects.toThrow(/run 'qlik-azure state force-unlock'/);
    expect(await local.forceUnlock()).toMatchObject({ command: 'apply', pid: process.pid, host: hostname() });
    expect(await local.forceUnlock()).toBeUndefined();
    await (await StateStore.open({ backend: local, deployment: 'demo', command: 'resume', toolVersion: '0.0.0' })).close();
  });
});

describe('blob data-plane refusals', () => {
  const location = parseAzblobUrl('azblob://qlikstate/deployments', '--state');
  it('names the missing role assignment when Entra ID may not use the data plane (403 AuthorizationPermissionMismatch)', () => {
    // Azurite has no role assignments, so the refusal Azure sends is built here (its code, per the Blob service error codes page).
    const refusal = new RestError('This request is not authorized to perform this operation using this permission.', { statusCode: 403, code: 'AuthorizationPermissionMismatch' });
    const explained = explainBlobError(refusal, location, 'entra') as Error;
    expect(explained).toBeInstanceOf(ConfigError);
    expect(explained.message).toMatch(/--state: your Azure sign-in may not read and write blobs in azblob:\/\/qlikstate\/deployments .*Fix: assign the role 'Storage Blob Data Contributor'/);
    expect(explained.message).toContain('az storage account show -n qlikstate --query id -o tsv');
  });

  it('does not blame the role when an account key is refused', () => {
    const refusal = new RestError('Server failed to authenticate the request.', { statusCode: 403, code: 'AuthenticationFailed' });
    expect((explainBlobError(refusal, location, 'key') as Error).message).toMatch(/refused the account key .*Fix: check the account key \(AZURE_STORAGE_KEY/);
  });
});
