// Fake Qlik Repository Service on loopback HTTPS. It enforces what the real QRS enforces on
// its certificate-authenticated port 4242 (client certificate from the site CA, xrfkey
// query/header pair, X-Qlik-User, JSON bodies, modifiedDate conflicts), can pretend to be
// still starting, and records every call so tests can assert on exactly what was sent.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { generateLoopbackPki, type LoopbackPki } from './certificates.js';
import type { CollectionName } from './entities.js';
import type { Entity } from './filter.js';
import { routeQrs } from './routes.js';
import { QrsStore } from './store.js';

export type NotReadyMode = '503' | 'refuse';

export interface FakeQrsOptions {
  /** Milliseconds the repository stays "starting"; 'forever' never becomes ready. Default 0. */
  notReadyMs?: number | 'forever';
  /** While starting: answer 503 (service up, repository not) or refuse connections (nothing listening). */
  notReadyMode?: NotReadyMode;
  /** Reject calls without a client certificate issued by the fake's CA (as port 4242 does). Default true. */
  requireClientCertificate?: boolean;
  /** The node's own certificates (as a Qlik install exports them) instead of a generated loopback PKI:
   * the site CA that issued the client certificates it accepts, and the server certificate it presents. */
  siteCertificates?: Pick<LoopbackPki, 'caCertPem' | 'serverCertPem' | 'serverKeyPem'>;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  xrfkeyQuery: string | null;
  xrfkeyHeader: string | null;
  qlikUser: string | null;
  contentType: string | null;
  clientCertificate: string | null;
  body: unknown;
  status: number;
}

export interface FakeQrsControl {
  /** Start (or restart) a not-ready period, answering 503. */
  notReadyMs?: number | 'forever';
  /** After the next GET of one entity in this collection, someone "edits" it in the QMC. */
  concurrentEditAfterGet?: CollectionName;
  /** Back to the freshly installed repository, calls forgotten. */
  reset?: boolean;
}

export interface FakeQrs {
  /** Base URL without /qrs, e.g. https://127.0.0.1:40123 */
  url: string;
  caCertPem: string;
  /** The generated client certificate; '' with siteCertificates (the node's own client certificate is in its store). */
  clientCertPem: string;
  clientKeyPem: string;
  calls(): RecordedCall[];
  entities(): Record<string, Entity[]>;
  control(change: FakeQrsControl): void;
  close(): Promise<void>;
}

const xrfkeyPattern = /^[0-9A-Za-z]{16}$/;

export async function startFakeQrs(options: FakeQrsOptions = {}): Promise<FakeQrs> {
  const pki: LoopbackPki = options.siteCertificates ? { ...options.siteCertificates, clientCertPem: '', clientKeyPem: '' } : await generateLoopbackPki();
  const store = new QrsStore();
  const calls: RecordedCall[] = [];
  const requireClientCertificate = options.requireClientCertificate ?? true;
  let readyAt = readyTime(options.notReadyMs ?? 0);
  let editAfterGet: CollectionName | undefined;

  const control = (change: FakeQrsControl): void => {
    if (change.reset) {
      store.reset();
      calls.length = 0;
      editAfterGet = undefined;
      readyAt = 0;
    }
    if (change.notReadyMs !== undefined) readyAt = readyTime(change.notReadyMs);
    if (change.concurrentEditAfterGet !== undefined) editAfterGet = change.concurrentEditAfterGet;
  };

  const handleQrs = (request: IncomingMessage, url: URL, rawBody: string, response: ServerResponse): void => {
    const record: RecordedCall = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      xrfkeyQuery: queryParam(url, 'xrfkey'),
      xrfkeyHeader: header(request, 'x-qlik-xrfkey'),
      qlikUser: header(request, 'x-qlik-user'),
      contentType: header(request, 'content-type'),
      clientCertificate: clientSubject(request),
      body: parseJson(rawBody),
      status: 0,
    };
    calls.push(record);
    const refusal = refuse(record, rawBody, requireClientCertificate, Date.now() < readyAt);
    const reply = refusal ?? routeQrs(store, {
      method: record.method,
      resource: url.pathname.replace(/^\/qrs\/?/i, '').replace(/\/$/, '').toLowerCase(),
      query: url.searchParams,
      body: record.body,
    });
    if (!refusal && 'touched' in reply && reply.touched && reply.touched.collection === editAfterGet && reply.status === 200) {
      editAfterGet = undefined;
      store.touch(reply.touched.collection, reply.touched.id);
    }
    record.status = reply.status;
    send(response, reply.status, reply.body);
  };

  const handleControl = (request: IncomingMessage, url: URL, rawBody: string, response: ServerResponse): void => {
    const route = `${request.method} ${url.pathname}`;
    if (route === 'GET /__calls') return send(response, 200, calls);
    if (route === 'GET /__entities') return send(response, 200, store.snapshot());
    if (route === 'POST /__control') {
      control((parseJson(rawBody) ?? {}) as FakeQrsControl);
      return send(response, 204);
    }
    send(response, 404, `unknown control route ${route}`);
  };

  const server = createServer(
    { key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'https://fake-qrs');
        const rawBody = Buffer.concat(chunks).toString('utf8');
        if (url.pathname.startsWith('/__')) handleControl(request, url, rawBody, response);
        else handleQrs(request, url, rawBody, response);
      });
    },
  );

  const port = await listenWhenReady(server, options);
  return {
    url: `https://127.0.0.1:${port}`,
    caCertPem: pki.caCertPem,
    clientCertPem: pki.clientCertPem,
    clientKeyPem: pki.clientKeyPem,
    calls: () => structuredClone(calls),
    entities: () => store.snapshot(),
    control,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      if (server.listening) server.close(() => resolve());
      else resolve();
    }),
  };
}

/** Why the real QRS would turn this call away, or undefined when it would serve it. */
function refuse(call: RecordedCall, rawBody: string, requireClientCertificate: boolean, starting: boolean) {
  if (starting) return { status: 503, body: 'Service Unavailable: the repository is starting' };
  if (requireClientCertificate && call.clientCertificate === null) {
    return { status: 403, body: 'Forbidden: a client certificate issued by the site CA is required' };
  }
  if (call.xrfkeyQuery === null || call.xrfkeyQuery !== call.xrfkeyHeader || !xrfkeyPattern.test(call.xrfkeyQuery)) {
    return { status: 403, body: 'XSRF prevention check failed. Possible XSRF discovered.' };
  }
  if (!call.qlikUser || !/UserDirectory=[^;]+;\s*UserId=.+/i.test(call.qlikUser)) {
    return { status: 403, body: 'Forbidden: X-Qlik-User header missing or malformed' };
  }
  if (rawBody !== '' && !/^application\/json/i.test(call.contentType ?? '')) {
    return { status: 415, body: 'Unsupported Media Type: send application/json' };
  }
  if (rawBody !== '' && call.body === undefined) return { status: 400, body: 'Body is not valid JSON' };
  return undefined;
}

/** Binds now, or — when the repository must refuse connections while starting — later. */
async function listenWhenReady(server: Server, options: FakeQrsOptions): Promise<number> {
  const refusing = options.notReadyMode === 'refuse' && options.notReadyMs !== undefined && options.notReadyMs !== 0;
  const port = await listen(server, 0);
  if (!refusing) return port;
  await new Promise((resolve) => server.close(resolve));
  if (options.notReadyMs !== 'forever') {
    setTimeout(() => void listen(server, port), options.notReadyMs).unref();
  }
  return port;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function readyTime(notReadyMs: number | 'forever'): number {
  return notReadyMs === 'forever' ? Number.POSITIVE_INFINITY : Date.now() + notReadyMs;
}

function clientSubject(request: IncomingMessage): string | null {
  const socket = request.socket as TLSSocket;
  if (!socket.authorized) return null;
  const subject = socket.getPeerCertificate().subject;
  return subject?.CN ? `CN=${subject.CN}` : null;
}

function queryParam(url: URL, name: string): string | null {
  for (const [key, value] of url.searchParams) if (key.toLowerCase() === name) return value;
  return null;
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined || status === 204) {
    response.writeHead(status).end();
    return;
  }
  const text = typeof body === 'string' && status >= 400 ? body : JSON.stringify(body);
  const type = typeof body === 'string' && status >= 400 ? 'text/plain' : 'application/json';
  response.writeHead(status, { 'content-type': `${type}; charset=utf-8` }).end(text);
}
