// In-memory blob storage behind the simulated storage accounts: containers, block
// blobs (whole uploads or staged blocks + block list) and append blobs.

export type BlobKind = 'BlockBlob' | 'AppendBlob';

export interface StoredBlob {
  kind: BlobKind;
  content: Buffer;
  contentType: string;
  etag: string;
  created: Date;
  lastModified: Date;
  committedBlocks: number;
}

export interface BlobContainer {
  created: Date;
  etag: string;
  blobs: Map<string, StoredBlob>;
  /** Uncommitted blocks (Put Block) per blob name, by block id, until Put Block List. */
  staged: Map<string, Map<string, Buffer>>;
}

/** Blobs larger than this are left out of a snapshot (an uploaded installer): a later run uploads them again. */
export const SNAPSHOT_BLOB_LIMIT = 1024 * 1024;

/** Committed blobs as JSON (content in base64). Account keys and staged blocks are not kept: keys are made again on listKeys. */
export interface BlobStoreSnapshot {
  etagCounter: number;
  accounts: Record<string, Record<string, { created: string; etag: string; blobs: Record<string, SnapshotBlob> }>>;
}

interface SnapshotBlob {
  kind: BlobKind;
  contentBase64: string;
  contentType: string;
  etag: string;
  created: string;
  lastModified: string;
  committedBlocks: number;
}

interface BlobAccount {
  keys?: string[];
  containers: Map<string, BlobContainer>;
}

export class BlobStore {
  private readonly accounts = new Map<string, BlobAccount>();
  private etagCounter = 0;

  private account(name: string): BlobAccount {
    let account = this.accounts.get(name);
    if (!account) {
      account = { containers: new Map() };
      this.accounts.set(name, account);
    }
    return account;
  }

  nextEtag(): string {
    this.etagCounter += 1;
    return `"0x8DD${this.etagCounter.toString(16).toUpperCase().padStart(11, '0')}"`;
  }

  /** Keys are created on first listKeys and stay stable for the account's life. */
  accountKeys(name: string, create: () => string[]): string[] {
    const account = this.account(name);
    account.keys ??= create();
    return account.keys;
  }

  dropAccount(name: string): void {
    this.accounts.delete(name);
  }

  container(account: string, container: string): BlobContainer | undefined {
    return this.account(account).containers.get(container);
  }

  /** Creates the container; false when it already existed. */
  createContainer(account: string, container: string): boolean {
    const containers = this.account(account).containers;
    if (containers.has(container)) return false;
    containers.set(container, { created: new Date(), etag: this.nextEtag(), blobs: new Map(), staged: new Map() });
    return true;
  }

  deleteContainer(account: string, container: string): boolean {
    return this.account(account).containers.delete(container);
  }

  /** Creates or replaces a blob (Put Blob, or Put Block List when committing). */
  writeBlob(into: BlobContainer, name: string, kind: BlobKind, content: Buffer, contentType: string, committedBlocks = 0): StoredBlob {
    const now = new Date();
    const blob: StoredBlob = {
      kind,
      content,
      contentType,
      etag: this.nextEtag(),
      created: into.blobs.get(name)?.created ?? now,
      lastModified: now,
      committedBlocks,
    };
    into.blobs.set(name, blob);
    return blob;
  }

  /**
   * What the Run Command extension does with outputBlobUri/errorBlobUri: the append
   * blob is replaced if present, created if absent. False when the container is missing.
   */
  replaceAppendBlob(account: string, container: string, name: string, content: string): boolean {
    const into = this.container(account, container);
    if (!into) return false;
    const blob = this.writeBlob(into, name, 'AppendBlob', Buffer.alloc(0), 'application/octet-stream');
    if (content.length > 0) this.append(blob, Buffer.from(content, 'utf8'));
    return true;
  }

  append(blob: StoredBlob, block: Buffer): number {
    const offset = blob.content.length;
    blob.content = Buffer.concat([blob.content, block]);
    blob.committedBlocks += 1;
    blob.etag = this.nextEtag();
    blob.lastModified = new Date();
    return offset;
  }

  snapshot(): BlobStoreSnapshot {
    const accounts: BlobStoreSnapshot['accounts'] = {};
    for (const [accountName, account] of this.accounts) {
      const containers: BlobStoreSnapshot['accounts'][string] = {};
      for (const [containerName, container] of account.containers) {
        const blobs: Record<string, SnapshotBlob> = {};
        for (const [blobName, blob] of container.blobs) {
          if (blob.content.length > SNAPSHOT_BLOB_LIMIT) continue;
          blobs[blobName] = {
            kind: blob.kind, contentBase64: blob.content.toString('base64'), contentType: blob.contentType, etag: blob.etag,
            created: blob.created.toISOString(), lastModified: blob.lastModified.toISOString(), committedBlocks: blob.committedBlocks,
          };
        }
        containers[containerName] = { created: container.created.toISOString(), etag: container.etag, blobs };
      }
      accounts[accountName] = containers;
    }
    return { etagCounter: this.etagCounter, accounts };
  }

  restore(snapshot: BlobStoreSnapshot): void {
    this.etagCounter = snapshot.etagCounter;
    for (const [accountName, containers] of Object.entries(snapshot.accounts)) {
      const account = this.account(accountName);
      for (const [containerName, container] of Object.entries(containers)) {
        const blobs = new Map(Object.entries(container.blobs).map(([name, blob]): [string, StoredBlob] => [name, {
          kind: blob.kind, content: Buffer.from(blob.contentBase64, 'base64'), contentType: blob.contentType, etag: blob.etag,
          created: new Date(blob.created), lastModified: new Date(blob.lastModified), committedBlocks: blob.committedBlocks,
        }]));
        account.containers.set(containerName, { created: new Date(container.created), etag: container.etag, blobs, staged: new Map() });
      }
    }
  }
}
