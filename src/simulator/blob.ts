// Minimal Azure Blob data plane for the accounts the simulator creates, served
// path-style (https://127.0.0.1:PORT/<account>/<container>/<blob>) like Azurite, so
// @azure/storage-blob can create containers, upload block blobs and append blobs
// (Run Command output) and read them back.

export interface StoredBlob {
  kind: 'BlockBlob' | 'AppendBlob';
  content: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
  /** Uncommitted blocks by block id (Put Block before Put Block List). */
  blocks: Map<string, Buffer>;
}

interface Account {
  keys?: string[];
  containers: Map<string, Map<string, StoredBlob>>;
}

export class BlobStore {
  private readonly accounts = new Map<string, Account>();

  account(name: string): Account {
    let account = this.accounts.get(name);
    if (!account) {
      account = { containers: new Map() };
      this.accounts.set(name, account);
    }
    return account;
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
}
