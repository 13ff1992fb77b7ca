// Blob data plane dispatch (see blob.ts for the store).

import type { IncomingMessage } from 'node:http';
import { ArmError, type SimResponse } from './arm.js';
import type { RequestContext } from './context.js';

/** Storage SDK requests carry x-ms-version and never start with an ARM root segment. */
export function isBlobRequest(req: IncomingMessage, path: string): boolean {
  return req.headers['x-ms-version'] !== undefined && !/^\/(subscriptions|providers|tenants)(\/|$)/i.test(path);
}

export async function handleBlobRequest(ctx: RequestContext): Promise<SimResponse> {
  throw new ArmError(404, 'ResourceNotFound', `No blob handler for ${ctx.method} ${ctx.path}.`);
}
