// HTTPS front door: reads the request, applies request-level faults, dispatches to
// the ARM route table (or the blob data plane), turns errors into ARM error bodies,
// and logs every request with secrets redacted. Nothing a client sends may crash it.

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ArmError, type SimResponse } from './arm.js';
import type { RequestContext, SimState } from './context.js';
import { REQUEST_FAULTS } from './faults.js';
import { redactSecrets } from './redact.js';
import { matchRoute, type Route } from './router.js';
import type { TlsIdentity } from './tls.js';
import type { FaultRule, LoggedRequest } from './types.js';
import { handleBlobRequest, isBlobRequest } from './blob-routes.js';
import { isMyAddressRequest, myAddressResponse } from './stand-ins.js';

export interface ServerDeps {
  state: SimState;
  routes: Route[];
  tls: TlsIdentity;
  log: LoggedRequest[];
  /** After each request that reached a handler, answered or (responseLost) not. */
  onRequestServed?: () => void;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Response for a request-level fault; undefined for a connection reset (no response at all). */
function faultResponse(rule: FaultRule, state: SimState): SimResponse | undefined {
  const retryAfter = state.latency.retryAfter(rule.retryAfterSeconds ?? 1);
  switch (rule.kind) {
    case 'throttle':
      return {
        status: 429,
        headers: { 'Retry-After': retryAfter },
        body: new ArmError(
          429,
          rule.code ?? 'SubscriptionRequestsThrottled',
          rule.message ?? `Number of requests for subscription exceeded the limit. Please try again after '${retryAfter}' seconds.`,
        ).toBody(),
      };
    case 'serverError': {
      const status = rule.status ?? 500;
      const code = rule.code ?? (status === 503 ? 'ServiceUnavailable' : 'InternalServerError');
      const message = rule.message ?? 'Encountered internal server error. Diagnostic information: simulated fault.';
      return { status, ...(status === 503 ? { headers: { 'Retry-After': retryAfter } } : {}), body: new ArmError(status, code, message).toBody() };
    }
    case 'notFound':
      return {
        status: 404,
        body: new ArmError(404, rule.code ?? 'ResourceNotFound', rule.message ?? 'The Resource was not found (simulated eventual consistency).').toBody(),
      };
    default:
      return undefined;
  }
}

async function dispatchArm(ctx: RequestContext, routes: Route[]): Promise<SimResponse> {
  const authorization = ctx.headers.authorization ?? '';
  if (!/^Bearer \S+/i.test(authorization)) {
    throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
  }
  const match = matchRoute(routes, ctx.method, ctx.path);
  if (match.kind === 'wrongMethod') {
    throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${ctx.method}'.`);
  }
  if (match.kind === 'none') {
    throw new ArmError(404, 'SimulatorRouteNotFound', `The ARM simulator has no handler for ${ctx.method} ${ctx.path}.`);
  }
  if (!ctx.apiVersion && ctx.path !== '/subscriptions') {
    throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  }
  if (ctx.rawBody.length > 0 && parseJson(ctx.rawBody) === undefined) {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  ctx.params = match.params;
  return match.route.handler(ctx);
}

function send(res: ServerResponse, method: string, response: SimResponse): void {
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
    Date: new Date().toUTCString(),
    ...response.headers,
  };
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(response.body)) payload = response.body;
  else if (typeof response.body === 'string') payload = Buffer.from(response.body, 'utf8');
  else if (response.body !== undefined) {
    payload = Buffer.from(JSON.stringify(response.body), 'utf8');
    headers['Content-Type'] ??= 'application/json; charset=utf-8';
  }
  // HEAD answers carry the length of the body a GET would return.
  headers['Content-Length'] ??= String(payload?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(method === 'HEAD' ? undefined : payload);
}

export function createSimulatorServer({ state, routes, tls, log, onRequestServed }: ServerDeps): https.Server {
  return https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    void (async () => {
      const at = Date.now();
      const method = (req.method ?? 'GET').toUpperCase();
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const path = url.pathname;
      const apiVersion = url.searchParams.get('api-version') ?? undefined;
      const rawBody = await readBody(req);
      const json = parseJson(rawBody);
      const entry: LoggedRequest = { method, path, apiVersion, status: 0, body: json === undefined ? undefined : redactSecrets(json), at };
      log.push(entry);
      state.operations.settleDue();

      const fault = state.faults.take(method, path, REQUEST_FAULTS);
      if (fault?.kind === 'connectionReset') {
        req.socket.destroy();
        return;
      }
      const ctx: RequestContext = {
        method,
        path,
        params: {},
        query: url.searchParams,
        apiVersion: apiVersion ?? '',
        headers: req.headers,
        body: json ?? {},
        rawBody,
        sim: state,
      };
      let response: SimResponse;
      const budget = fault ? undefined : state.readBudgets.charge(method, path);
      try {
        response =
          (fault && faultResponse(fault, state)) ??
          budget?.refusal ??
          (isMyAddressRequest(method, path) ? myAddressResponse() : isBlobRequest(req, path) ? handleBlobRequest(ctx) : await dispatchArm(ctx, routes));
      } catch (err) {
        response =
          err instanceof ArmError
            ? { status: err.status, body: err.toBody() }
            : { status: 500, body: new ArmError(500, 'InternalServerError', `Simulator error: ${err instanceof Error ? err.message : String(err)}`).toBody() };
      }
      if (fault?.kind === 'responseLost') {
        onRequestServed?.();
        req.socket.destroy();
        return;
      }
      if (budget) response = { ...response, headers: { ...response.headers, ...budget.headers } };
      entry.status = response.status;
      send(res, method, response);
      onRequestServed?.();
    })().catch(() => {
      // The socket may already be gone (client reset); there is nobody left to answer.
      if (!res.headersSent) res.destroy();
    });
  });
}
