/**
 * A team's backend: the state, the account table and the RDP file in an Azure blob container,
 * `<prefix>/<deployment>/…`. The lock is a lease on the state blob itself (as Terraform's azurerm backend
 * does): every write of the state names the lease, so a run whose lease was broken or expired cannot write
 * over its successor's state; Azure refuses the write (412). The lease lasts 60 s and is renewed while the
 * run lasts, so a killed run lets go within a minute. Who holds it (command, pid, host, start time) is in
 * the blob's metadata, for the refusal message and for `state force-unlock`.
 *
 * The previous version is kept as a copy, state.json.backup, written before each write: blob versioning
 * would need the account's versioning switched on (and Azurite has none), and the copy has the same name
 * as the local backend's, so every "restore state.json.backup" message holds for both.
 */
import { hostname } from 'node:os';
import type { TokenCredential } from '@azure/core-auth';
import { AnonymousCredential, BlobServiceClient, RestError, StorageSharedKeyCredential, type BlobLeaseClient, type BlockBlobClient, type ContainerClient } from '@azure/storage-blob';
import { cloudProfile } from '../azure/clouds.js';
import { ConfigError } from '../config/errors.js';
import { checkDeploymentName } from '../config/rules.js';
import { formatAzblobUrl, type AzblobLocation } from '../config/azblob-url.js';
import type { StateBackend, StatePaths, StateSession } from './backend.js';
import { LockedError, UNKNOWN_HOLDER, type LockHolder } from './lock.js';

export const DEFAULT_LEASE_SECONDS = 60;

/**
 * QLIK_AZURE_STATE_LEASE_SECONDS: a test seam, so a test of a killed run waits 15 s (Azure's shortest
 * lease) instead of 60. Azure accepts 15-60.
 */
export function leaseSeconds(env: NodeJS.ProcessEnv): number {
  const value = Number(env.QLIK_AZURE_STATE_LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS);
  if (!Number.isInteger(value) || value < 15 || value > 60) {
    throw new ConfigError([{ field: 'QLIK_AZURE_STATE_LEASE_SECONDS', message: `'${env.QLIK_AZURE_STATE_LEASE_SECONDS}' is not a lease duration; Azure leases last 15 to 60 seconds. Fix: unset it (60) or give a whole number from 15 to 60` }]);
  }
  return value;
}

/**
 * What signs in to the blob service other than Entra ID; secrets, so they come from the environment or
 * the secrets file, never from flags or the URL.
 */
export interface StorageKeys {
  /** AZURE_STORAGE_CONNECTION_STRING: carries its own endpoint (BlobEndpoint=). */
  readonly connectionString?: string;
  /** AZURE_STORAGE_KEY, or stateStorageKey in the secrets file. */
  readonly accountKey?: string;
  /** AZURE_STORAGE_SAS_TOKEN, or stateStorageSasToken in the secrets file. */
  readonly sasToken?: string;
}

export interface AzblobAccess {
  readonly location: AzblobLocation;
  readonly deployment: string;
  readonly keys: StorageKeys;
  readonly cloud?: string;
  /** Seconds a lease lasts: DEFAULT_LEASE_SECONDS but in tests (leaseSeconds()). */
  readonly leaseSeconds?: number;
  /**
   * QLIK_AZURE_TEST_BLOB_ENDPOINT, a test seam: the blob service of the account (Azurite on loopback) in
   * place of https://<account>.blob.<cloud's storage suffix>.
   */
  readonly endpoint?: string;
  /** The Azure sign-in of the run (Entra ID), asked for only when no key or SAS is given. */
  readonly signIn: () => Promise<TokenCredential>;
}

type Auth = 'entra' | 'key' | 'sas';

/**
 * The service client, and how it signs in. A connection string carries its own endpoint (BlobEndpoint=):
 * that is how a private endpoint is reached, and how the tests reach Azurite on loopback.
 */
async function serviceClient(access: AzblobAccess): Promise<{ client: BlobServiceClient; auth: Auth }> {
  const { keys, location } = access;
  const options = { retryOptions: { maxTries: 3 } };
  if (keys.connectionString) {
    const client = BlobServiceClient.fromConnectionString(keys.connectionString, options);
    if (client.accountName !== location.account) {
      throw new ConfigError([{ field: 'AZURE_STORAGE_CONNECTION_STRING', message: `is for storage account '${client.accountName}', but the state is in '${location.account}'. Fix: set the connection string of ${location.account}, or unset it to sign in with Entra ID` }]);
    }
    return { client, auth: 'key' };
  }
  const url = access.endpoint ?? `https://${location.account}.blob.${cloudProfile(access.cloud).storageSuffix}`;
  if (keys.accountKey) return { client: new BlobServiceClient(url, new StorageSharedKeyCredential(location.account, keys.accountKey), options), auth: 'key' };
  if (keys.sasToken) return { client: new BlobServiceClient(`${url}?${keys.sasToken.replace(/^\?/, '')}`, new AnonymousCredential(), options), auth: 'sas' };
  return { client: new BlobServiceClient(url, await access.signIn(), options), auth: 'entra' };
}

const LEASE_CODES = new Set(['LeaseIdMissing', 'LeaseNotPresentWithBlobOperation', 'LeaseIdMismatchWithBlobOperation', 'LeaseLost', 'LeaseIsBrokenAndCannotBeRenewed', 'LeaseIdMismatchWithLeaseOperation', 'LeaseNotPresentWithLeaseOperation']);

/** Azure's error code: in the body, or (HEAD requests, which have none) only in the x-ms-error-code header. */
function codeOf(error: unknown): string | undefined {
  if (!(error instanceof RestError)) return undefined;
  return error.code ?? (error.details as { errorCode?: string } | undefined)?.errorCode;
}

/** What the data plane refused, said with its fix; anything else passes through. */
export function explainBlobError(error: unknown, location: AzblobLocation, auth: Auth): unknown {
  if (!(error instanceof RestError)) return error;
  const where = formatAzblobUrl(location);
  const code = codeOf(error) ?? '';
  if (error.statusCode === 403 && (code === 'AuthorizationPermissionMismatch' || (auth === 'entra' && code === 'AuthorizationFailure'))) {
    return new ConfigError([{ field: '--state', message: `your Azure sign-in may not read and write blobs in ${where} (${code}): reading and writing blobs with Entra ID needs a data-plane role, which Owner or Contributor on the account does not give. Fix: assign the role 'Storage Blob Data Contributor' on the account or the container: az role assignment create --role "Storage Blob Data Contributor" --assignee <your user or app id> --scope $(az storage account show -n ${location.account} --query id -o tsv); the assignment takes a few minutes to apply. Or give an account key or SAS token (AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN, or stateStorageKey / stateStorageSasToken in the secrets file) for an account without Entra ID` }]);
  }
  if (error.statusCode === 403) {
    const fix = auth === 'sas'
      ? 'check the SAS token (AZURE_STORAGE_SAS_TOKEN or stateStorageSasToken in the secrets file): it needs read, write, create, delete and list on the container, and must not have expired'
      : `check the account key (AZURE_STORAGE_KEY, stateStorageKey in the secrets file, or the connection string): az storage account keys list -n ${location.account}`;
    return new ConfigError([{ field: '--state', message: `storage account ${location.account} refused the ${auth === 'sas' ? 'SAS token' : 'account key'} (${code || 403}). Fix: ${fix}` }]);
  }
  if (code === 'ContainerNotFound') {
    return new ConfigError([{ field: '--state', message: `container '${location.container}' does not exist in storage account ${location.account}. Fix: az storage container create --account-name ${location.account} --name ${location.container} --auth-mode login` }]);
  }
  if (code === 'ENOTFOUND' || code === 'REQUEST_SEND_ERROR') {
    return new ConfigError([{ field: '--state', message: `storage account ${location.account} cannot be reached (${error.message.split('\n')[0]}) for ${where}. Fix: check the account name and the --cloud` }]);
  }
  return error;
}

/** The run that holds the lock, as metadata (names are identifiers, values URI-encoded ASCII). */
function holderMetadata(holder: LockHolder): Record<string, string> {
  return { holdercommand: encodeURIComponent(holder.command), holderpid: String(holder.pid), holderhost: encodeURIComponent(holder.host), holderstartedat: holder.startedAt };
}

function holderFrom(metadata: Record<string, string> | undefined): LockHolder | undefined {
  if (!metadata?.holderpid) return undefined;
  return { command: decodeURIComponent(metadata.holdercommand ?? 'unknown'), pid: Number(metadata.holderpid), host: decodeURIComponent(metadata.holderhost ?? 'unknown'), startedAt: metadata.holderstartedat ?? 'unknown' };
}

/** The lease was broken (force-unlock) or ran out: this run may no longer write the state. */
export class LockLostError extends Error {
  constructor(where: string, cause?: unknown) {
    super(`the lock on ${where} was lost (broken with 'state force-unlock', or its lease ran out): this run stops writing the state, which another run may now hold. Fix: run 'qlik-azure status' to see the state, and resume when no other run holds it`, { cause });
    this.name = 'LockLostError';
  }
}

export class AzblobStateBackend implements StateBackend {
  readonly kind = 'azblob';
  readonly paths: StatePaths;
  readonly #access: AzblobAccess;
  readonly #base: string;
  #connection: Promise<{ container: ContainerClient; auth: Auth }> | undefined;

  constructor(access: AzblobAccess) {
    const problem = checkDeploymentName(access.deployment);
    if (problem) throw new ConfigError([{ field: '--deployment', message: problem }]);
    this.#access = access;
    this.#base = `${access.location.prefix ? `${access.location.prefix}/` : ''}${access.deployment}`;
    const directory = `${formatAzblobUrl({ ...access.location, prefix: '' })}/${this.#base}`;
    this.paths = { deployment: access.deployment, directory, state: `${directory}/state.json`, lock: `${directory}/state.json` };
  }

  async #connect(): Promise<{ container: ContainerClient; auth: Auth }> {
    this.#connection ??= serviceClient(this.#access).then(({ client, auth }) => ({ container: client.getContainerClient(this.#access.location.container), auth }));
    return this.#connection;
  }

  /** Runs one data-plane call, turning refusals into messages with their fix. */
  async #call<T>(action: (container: ContainerClient) => Promise<T>): Promise<T> {
    const { container, auth } = await this.#connect();
    try {
      return await action(container);
    } catch (error) {
      throw explainBlobError(error, this.#access.location, auth);
    }
  }

  #blob(container: ContainerClient, name: string): BlockBlobClient {
    return container.getBlockBlobClient(`${this.#base}/${name}`);
  }

  #download(name: string): Promise<string | undefined> {
    return this.#call(async (container) => {
      try {
        return (await this.#blob(container, name).downloadToBuffer()).toString('utf8');
      } catch (error) {
        if (codeOf(error) === 'BlobNotFound') return undefined;
        throw error;
      }
    });
  }

  /** The state's text; the empty blob that exists only to be leased (before the first write) is no state. */
  async read(): Promise<string | undefined> {
    const text = await this.#download('state.json');
    return text === '' ? undefined : text;
  }

  async open(command: string): Promise<StateSession> {
    const seconds = this.#access.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    const holder: LockHolder = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
    const { state, lease, left } = await this.#call(async (container) => {
      const state = this.#blob(container, 'state.json');
      // A blob must exist to be leased: an empty one, created only if there is none.
      await state.upload('', 0, { conditions: { ifNoneMatch: '*' } }).catch((error: unknown) => {
        if (codeOf(error) !== 'BlobAlreadyExists' && codeOf(error) !== 'ConditionNotMet' && codeOf(error) !== 'LeaseIdMissing') throw error;
      });
      const lease = state.getBlobLeaseClient();
      try {
        await lease.acquireLease(seconds);
      } catch (error) {
        if (codeOf(error) !== 'LeaseAlreadyPresent') throw error;
        const current = holderFrom((await state.getProperties()).metadata) ?? UNKNOWN_HOLDER;
        throw new LockedError(this.paths.lock, current, ` (a lease on the state blob)`, `wait for it to finish; a run that was killed lets go within ${seconds} s, when its lease runs out. If the lock stays, run 'qlik-azure state force-unlock --state ${formatAzblobUrl(this.#access.location)} --deployment ${this.paths.deployment}'`);
      }
      // Metadata naming a holder on a blob nobody leased: that run ended without letting go (killed).
      const left = holderFrom((await state.getProperties({ conditions: { leaseId: lease.leaseId } })).metadata);
      await state.setMetadata(holderMetadata(holder), { conditions: { leaseId: lease.leaseId } });
      return { state, lease, left };
    });
    try {
      const text = await this.read();
      return this.#session({ state, lease, holder, seconds, text, ...(left ? { left } : {}) });
    } catch (error) {
      await lease.releaseLease().catch(() => undefined);
      throw error;
    }
  }

  #session(held: { state: BlockBlobClient; lease: BlobLeaseClient; holder: LockHolder; seconds: number; text: string | undefined; left?: LockHolder }): StateSession {
    const { state, lease } = held;
    const where = this.paths.state;
    let lost: unknown;
    let previous = held.text;
    // Renewed at a third of the lease, so two renewals can fail (a network blip) before it runs out.
    const renewal = setInterval(() => {
      lease.renewLease().catch((error: unknown) => {
        if (LEASE_CODES.has(codeOf(error) ?? '') || codeOf(error) === 'LeaseAlreadyPresent') {
          lost = error;
          clearInterval(renewal);
        }
      });
    }, (held.seconds * 1000) / 3);
    renewal.unref();
    const conditions = { leaseId: lease.leaseId };
    return {
      ...(held.left ? { staleTakenOver: held.left } : {}),
      text: held.text,
      write: async (text) => {
        if (lost !== undefined) throw new LockLostError(where, lost);
        await this.#call(async (container) => {
          try {
            // Renewed first: a run whose lease was broken learns it before it touches the (unleased) backup.
            await lease.renewLease();
            if (previous !== undefined) await this.#blob(container, 'state.json.backup').upload(previous, Buffer.byteLength(previous), { blobHTTPHeaders: { blobContentType: 'application/json' } });
            await state.upload(text, Buffer.byteLength(text), { conditions, metadata: holderMetadata(held.holder), blobHTTPHeaders: { blobContentType: 'application/json' } });
          } catch (error) {
            if (!LEASE_CODES.has(codeOf(error) ?? '')) throw error;
            lost = error;
            clearInterval(renewal);
            throw new LockLostError(where, error);
          }
        });
        previous = text;
      },
      release: async () => {
        clearInterval(renewal);
        if (lost !== undefined) return;
        // Metadata cleared first: a holder named on an unleased blob means a run that never let go.
        await state.setMetadata({}, { conditions }).catch(() => undefined);
        await lease.releaseLease().catch(() => undefined);
      },
      // A process leaving at once cannot wait for the blob service: the lease runs out within its length,
      // and the next run takes it over, naming this one.
      abandon: () => clearInterval(renewal),
    };
  }

  forceUnlock(): Promise<LockHolder | undefined> {
    return this.#call(async (container) => {
      const state = this.#blob(container, 'state.json');
      const properties = await state.getProperties().catch((error: unknown) => {
        if (codeOf(error) === 'BlobNotFound') return undefined;
        throw error;
      });
      if (properties?.leaseState !== 'leased') return undefined;
      try {
        await state.getBlobLeaseClient().breakLease(0);
      } catch (error) {
        if (codeOf(error) === 'LeaseNotPresentWithLeaseOperation') return undefined; // let go meanwhile
        throw error;
      }
      await state.setMetadata({});
      return holderFrom(properties.metadata) ?? UNKNOWN_HOLDER;
    });
  }

  writeArtifact(name: string, content: string): Promise<string> {
    return this.#call(async (container) => {
      await this.#blob(container, name).upload(content, Buffer.byteLength(content));
      return `${this.paths.directory}/${name}`;
    });
  }

  readArtifact(name: string): Promise<string | undefined> {
    return this.#download(name);
  }

  simulatedWhenUnrecorded(): boolean {
    return false; // every state in a container was written after `simulated` was recorded
  }
}
