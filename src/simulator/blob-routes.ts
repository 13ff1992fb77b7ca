// Blob REST operations used by @azure/storage-blob against path-style URLs
// (https://127.0.0.1:PORT/<account>/<container>/<blob>): container create/get/delete/
// list, Put Blob, Put Block, Put Block List, append blob create + Append Block, Get
// Blob (with x-ms-range), Get Properties (HEAD) and Delete. Authorization is checked
// for presence only (SAS `sig` or an Authorization header): no signature is verified.

import type { IncomingMessage } from 'node:http';
import type { SimResponse } from './arm.js';
import type { RequestContext } from './context.js';
import type { BlobContainer, BlobKind, StoredBlob } from './blob.js';

/** Storage SDK requests carry x-ms-version and never start with an ARM root segment. */
/** Splits a path-style blob URL path into account, container and blob name. */
export function blobAddress(path: string): BlobAddress {
  const [account = '', container = '', ...rest] = path.split('/').slice(1).map(decodeURIComponent);
  return { account, container, blob: rest.join('/') };
}

/** The storage SDK sends x-ms-version; a SAS link opened by a browser, curl or the VM's Invoke-WebRequest
 * sends nothing but its query, whose `sig` no ARM request carries (Azure serves both: the blob endpoint
 * needs no version header with a SAS). */
export function isBlobRequest(req: IncomingMessage, path: string): boolean {
  if (/^\/(subscriptions|providers|tenants)(\/|$)/i.test(path)) return false;
  return req.headers['x-ms-version'] !== undefined || new URL(req.url ?? '/', 'https://blob').searchParams.has('sig');
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function blobError(status: number, code: string, message: string): SimResponse {
  return {
    status,
    headers: { 'x-ms-error-code': code, 'Content-Type': 'application/xml' },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}\nTime:${new Date().toISOString()}</Message></Error>`,
  };
}

function commonHeaders(ctx: RequestContext): Record<string, string> {
  return { 'x-ms-version': String(ctx.headers['x-ms-version']) };
}

function blobHeaders(ctx: RequestContext, blob: StoredBlob): Record<string, string> {
  return {
    ...commonHeaders(ctx),
    ETag: blob.etag,
    'Last-Modified': blob.lastModified.toUTCString(),
    'x-ms-creation-time': blob.created.toUTCString(),
    'x-ms-blob-type': blob.kind,
    'Accept-Ranges': 'bytes',
    'Content-Type': blob.contentType,
    'x-ms-server-encrypted': 'true',
    ...(blob.kind === 'AppendBlob' ? { 'x-ms-blob-committed-block-count': String(blob.committedBlocks) } : {}),
  };
}

function written(ctx: RequestContext, blob: StoredBlob, extra: Record<string, string> = {}): SimResponse {
  return {
    status: 201,
    headers: { ...commonHeaders(ctx), ETag: blob.etag, 'Last-Modified': blob.lastModified.toUTCString(), 'x-ms-request-server-encrypted': 'true', ...extra },
  };
}

export interface BlobAddress {
  account: string;
  container: string;
  blob: string;
}

function containerOps(ctx: RequestContext, at: BlobAddress): SimResponse {
  const { blobs } = ctx.sim;
  const container = blobs.container(at.account, at.container);
  const comp = ctx.query.get('comp');
  if (ctx.method === 'PUT' && !comp) {
    if (!blobs.createContainer(at.account, at.container)) return blobError(409, 'ContainerAlreadyExists', 'The specified container already exists.');
    const created = blobs.container(at.account, at.container) as BlobContainer;
    return { status: 201, headers: { ...commonHeaders(ctx), ETag: created.etag, 'Last-Modified': created.created.toUTCString() } };
  }
  if (!container) return blobError(404, 'ContainerNotFound', 'The specified container does not exist.');
  if (ctx.method === 'DELETE') {
    blobs.deleteContainer(at.account, at.container);
    return { status: 202, headers: commonHeaders(ctx) };
  }
  if (ctx.method === 'GET' && comp === 'list') return listBlobs(ctx, at, container);
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    return { status: 200, headers: { ...commonHeaders(ctx), ETag: container.etag, 'Last-Modified': container.created.toUTCString() } };
  }
  return blobError(400, 'UnsupportedHttpVerb', `The simulator does not support ${ctx.method} on containers.`);
}

function listBlobs(ctx: RequestContext, at: BlobAddress, container: BlobContainer): SimResponse {
  const prefix = ctx.query.get('prefix') ?? '';
  const items = [...container.blobs.entries()]
    .filter(([name]) => name.startsWith(prefix))
    // Azure lists blob names in ordinal (byte) order, not locale order.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([name, blob]) =>
        `<Blob><Name>${escapeXml(name)}</Name><Properties><Creation-Time>${blob.created.toUTCString()}</Creation-Time><Last-Modified>${blob.lastModified.toUTCString()}</Last-Modified><Etag>${blob.etag}</Etag><Content-Length>${blob.content.length}</Content-Length><Content-Type>${escapeXml(blob.contentType)}</Content-Type><BlobType>${blob.kind}</BlobType></Properties></Blob>`,
    )
    .join('');
  const endpoint = `${ctx.sim.baseUrl}/${at.account}`;
  return {
    status: 200,
    headers: { ...commonHeaders(ctx), 'Content-Type': 'application/xml' },
    body: `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${endpoint}/" ContainerName="${escapeXml(at.container)}"><Prefix>${escapeXml(prefix)}</Prefix><Blobs>${items}</Blobs><NextMarker /></EnumerationResults>`,
  };
}

/** Block ids named in a Put Block List body (<Latest>, <Uncommitted> or <Committed>). */
function blockListIds(xml: string): string[] {
  return [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2] ?? '');
}

function putBlob(ctx: RequestContext, container: BlobContainer, name: string): SimResponse {
  const { blobs } = ctx.sim;
  const existing = container.blobs.get(name);
  const contentType = String(ctx.headers['x-ms-blob-content-type'] ?? 'application/octet-stream');
  switch (ctx.query.get('comp')) {
    case 'block': {
      const staged = container.staged.get(name) ?? new Map<string, Buffer>();
      staged.set(ctx.query.get('blockid') ?? '', ctx.rawBody);
      container.staged.set(name, staged);
      return { status: 201, headers: { ...commonHeaders(ctx), 'x-ms-request-server-encrypted': 'true' } };
    }
    case 'blocklist': {
      const staged = container.staged.get(name) ?? new Map<string, Buffer>();
      const ids = blockListIds(ctx.rawBody.toString('utf8'));
      const missing = ids.find((id) => !staged.has(id));
      if (missing !== undefined) return blobError(400, 'InvalidBlockList', 'The specified block list is invalid.');
      const blob = blobs.writeBlob(container, name, 'BlockBlob', Buffer.concat(ids.map((id) => staged.get(id) as Buffer)), contentType, ids.length);
      container.staged.delete(name);
      return written(ctx, blob);
    }
    case 'appendblock': {
      if (!existing) return blobError(404, 'BlobNotFound', 'The specified blob does not exist.');
      if (existing.kind !== 'AppendBlob') return blobError(409, 'InvalidBlobType', 'The blob type is invalid for this operation.');
      const offset = blobs.append(existing, ctx.rawBody);
      return written(ctx, existing, { 'x-ms-blob-append-offset': String(offset), 'x-ms-blob-committed-block-count': String(existing.committedBlocks) });
    }
    case null: {
      const kind = String(ctx.headers['x-ms-blob-type'] ?? 'BlockBlob') as BlobKind;
      if (kind !== 'BlockBlob' && kind !== 'AppendBlob') return blobError(400, 'InvalidHeaderValue', `Unsupported x-ms-blob-type ${kind}.`);
      if (ctx.headers['if-none-match'] === '*' && existing) return blobError(409, 'BlobAlreadyExists', 'The specified blob already exists.');
      return written(ctx, blobs.writeBlob(container, name, kind, kind === 'BlockBlob' ? ctx.rawBody : Buffer.alloc(0), contentType));
    }
    default:
      return blobError(400, 'UnsupportedQueryParameter', `The simulator does not support comp=${ctx.query.get('comp') ?? ''}.`);
  }
}

function readBlob(ctx: RequestContext, blob: StoredBlob): SimResponse {
  const headers = blobHeaders(ctx, blob);
  if (ctx.method === 'HEAD') return { status: 200, headers: { ...headers, 'Content-Length': String(blob.content.length) } };
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(ctx.headers['x-ms-range'] ?? ctx.headers.range ?? ''));
  if (!range) return { status: 200, headers, body: blob.content };
  const start = Number(range[1]);
  const end = Math.min(range[2] ? Number(range[2]) : blob.content.length - 1, blob.content.length - 1);
  if (start >= blob.content.length && blob.content.length > 0) return blobError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
  return {
    status: 206,
    headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${blob.content.length}` },
    body: blob.content.subarray(start, end + 1),
  };
}

function blobOps(ctx: RequestContext, at: BlobAddress): SimResponse {
  const container = ctx.sim.blobs.container(at.account, at.container);
  if (!container) return blobError(404, 'ContainerNotFound', 'The specified container does not exist.');
  if (ctx.method === 'PUT') return putBlob(ctx, container, at.blob);
  const blob = container.blobs.get(at.blob);
  if (!blob) {
    return blobError(404, 'BlobNotFound', 'The specified blob does not exist.');
  }
  if (ctx.method === 'GET' || ctx.method === 'HEAD') return readBlob(ctx, blob);
  if (ctx.method === 'DELETE') {
    container.blobs.delete(at.blob);
    return { status: 202, headers: commonHeaders(ctx) };
  }
  return blobError(400, 'UnsupportedHttpVerb', `The simulator does not support ${ctx.method} on blobs.`);
}

export function handleBlobRequest(ctx: RequestContext): SimResponse {
  const at = blobAddress(ctx.path);
  const accountExists = ctx.sim.store.list('Microsoft.Storage/storageAccounts').some((a) => a.name === at.account);
  if (!accountExists) return blobError(404, 'ResourceNotFound', `The storage account '${at.account}' does not exist in the simulator.`);
  if (!ctx.query.has('sig') && !ctx.headers.authorization) {
    return blobError(401, 'NoAuthenticationInformation', 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.');
  }
  if (!at.container) return blobError(400, 'UnsupportedQueryParameter', 'Account-level blob operations are not simulated.');
  return at.blob ? blobOps(ctx, at) : containerOps(ctx, at);
}
