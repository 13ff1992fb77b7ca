/**
 * The deployment's storage account (step 13) as the VM's drop box: the CLI uploads local files the VM
 * needs (the Qlik installer, a PFX) and hands the VM a short-lived read-only SAS URL; Run Command
 * writes its full output to append blobs there. Access uses the account key from listKeys, so it works
 * with any identity allowed to read the keys, and the SAS never outlives the script that uses it.
 */
import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import type { Readable } from 'node:stream';
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import { StepError, type LocalFile, type StepContext } from '../engine/step.js';

/** Step 13's outputs, as recorded in the journal. */
const STORAGE_STEP = 13;

export type StagingContext = Pick<StepContext, 'azure' | 'config' | 'outputsOf' | 'progress'>;

export type BlobAccess = 'read' | 'append';

export interface StagingStorage {
  readonly accountName: string;
  /** The container, created when missing. */
  container(name: string): Promise<ContainerClient>;
  /** A blob URL with a SAS valid for `ttlSeconds`: `read` to download, `append` for Run Command's logs. */
  sasUrl(container: string, blob: string, access: BlobAccess, ttlSeconds: number): string;
  /** The blob URL without its SAS: safe for notes, logs and state. */
  plainUrl(container: string, blob: string): string;
}

/** Run Command's append blobs need read, add, create and write (run-command-managed docs). */
const SAS_PERMISSIONS: Record<BlobAccess, string> = { read: 'r', append: 'racw' };
/** Tolerates clock skew between this machine and Azure. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The storage account step 13 made, or undefined when that step has not run (e.g. an adopted VM without one). */
export async function openStagingStorage(ctx: StagingContext): Promise<StagingStorage | undefined> {
  let outputs;
  try {
    outputs = ctx.outputsOf(STORAGE_STEP);
  } catch {
    return undefined;
  }
  const { storageAccountName: accountName, blobEndpoint: endpoint } = outputs;
  // An adopted VM's deployment may have no account: step 13 is then recorded without one.
  if (typeof accountName !== 'string' || typeof endpoint !== 'string' || !accountName || !endpoint) return undefined;
  const storage = await ctx.azure.storage();
  const keys = await storage.storageAccounts.listKeys(ctx.config.names.resourceGroup, accountName);
  const key = keys.keys?.find((k) => k.value)?.value;
  if (!key) throw new StepError(`storage account ${accountName} returned no account key`, { advice: 'Check that shared key access is allowed on the account (allowSharedKeyAccess)' });
  const blob = await import('@azure/storage-blob');
  const credential = new blob.StorageSharedKeyCredential(accountName, key);
  const service = new blob.BlobServiceClient(endpoint, credential, pipelineOptions(ctx.azure.connection.agent));
  const base = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
  const plainUrl = (container: string, name: string) => `${base}${container}/${name.split('/').map(encodeURIComponent).join('/')}`;
  return {
    accountName,
    async container(name) {
      const client = service.getContainerClient(name);
      await client.createIfNotExists();
      return client;
    },
    sasUrl(container, name, access, ttlSeconds) {
      const now = Date.now();
      const sas = blob.generateBlobSASQueryParameters({
        containerName: container,
        blobName: name,
        permissions: blob.BlobSASPermissions.parse(SAS_PERMISSIONS[access]),
        startsOn: new Date(now - CLOCK_SKEW_MS),
        expiresOn: new Date(now + ttlSeconds * 1000),
        protocol: blob.SASProtocol.Https,
      }, credential);
      return `${plainUrl(container, name)}?${sas.toString()}`;
    },
    plainUrl,
  };
}

/**
 * The simulator's private CA reaches the blob client through the connection's agent, as it does the ARM
 * clients. StoragePipelineOptions does not declare `agent`, but storage-blob hands its options to
 * core-rest-pipeline's createPipelineFromOptions, which installs an agent policy for it.
 */
function pipelineOptions(agent: Agent | undefined): StoragePipelineOptions {
  return agent ? ({ agent } as StoragePipelineOptions) : {};
}

const STAGING_CONTAINER = 'qlik-azure-staging';

export interface StagedFile {
  /** Read-only SAS URL for the VM; a secret-like value: never log or record it. */
  readonly url: string;
  /** Where it lives, without the SAS. */
  readonly location: string;
  readonly sha256: string;
  readonly uploaded: boolean;
}

/**
 * Uploads a local file once: blobs are named by their SHA-256, so a re-run finds the upload it made
 * (whatever the file's name or date) and the VM can verify what it downloads against the same digest.
 */
export async function stageLocalFile(ctx: StagingContext, file: LocalFile, options: { expectedSha256?: string | undefined; ttlSeconds: number }): Promise<StagedFile> {
  const storage = await openStagingStorage(ctx);
  if (!storage) throw new StepError(`${file.name} is a local file, but the deployment has no storage account to stage it in`, { advice: 'Run step 13 (qlik-azure apply --from-step 13), or give the file as a URL (source: url)' });
  ctx.progress(`computing the SHA-256 of ${file.name}`);
  const sha256 = await sha256Of(file.open());
  const expected = options.expectedSha256?.toLowerCase();
  if (expected && expected !== sha256) {
    throw new StepError(`${file.name} has SHA-256 ${sha256}, not the ${expected} the config expects`, { advice: 'Check that the file is the intended download, or correct the sha256 in the config' });
  }
  const container = await storage.container(STAGING_CONTAINER);
  const blobName = `${sha256}/${file.name}`;
  const client = container.getBlockBlobClient(blobName);
  const uploaded = !(await client.exists());
  if (uploaded) {
    ctx.progress(`uploading ${file.name} (${Math.round(file.size / 1e6)} MB) to ${storage.accountName}`);
    await client.uploadStream(file.open(), UPLOAD_BLOCK_BYTES, UPLOAD_CONCURRENCY);
  }
  return { url: storage.sasUrl(STAGING_CONTAINER, blobName, 'read', options.ttlSeconds), location: storage.plainUrl(STAGING_CONTAINER, blobName), sha256, uploaded };
}

const UPLOAD_BLOCK_BYTES = 8 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
