// Loopback stand-in for the Qlik Proxy Service as an anonymous browser meets it (guide step 47),
// for `--simulate` and the probe's tests. /hub and /qmc redirect to the login: the form login on
// the same port, or Windows authentication on the separate authentication port (4244 on a real
// node). Each listener can instead simulate a failure: stay silent (accept, never answer, like a
// hung proxy), refuse (nothing listening), or reset; the page listener can also turn away hosts
// missing from its white list.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { generateLoopbackPki } from './qrs/certificates.js';

export type ListenerBehaviour = 'answer' | 'silent' | 'refuse' | 'reset';

export interface QlikProxyStandInOptions {
  https?: ListenerBehaviour;
  /** Plain HTTP (Allow HTTP); default 'refuse' as on a proxy with Allow HTTP off. */
  http?: ListenerBehaviour;
  /** The authentication port Windows authentication redirects to. */
  auth?: ListenerBehaviour;
  login?: 'form' | 'windows';
  /** Host names (without port) the virtual proxy accepts; undefined accepts every host. */
  hostWhiteList?: string[];
}

export interface QlikProxyStandIn {
  ports: { https: number; http: number; auth: number };
  caCertPem: string;
  close(): Promise<void>;
}

const loginForm = '<!DOCTYPE html><html><head><title>Qlik Sense</title></head><body><form method="post" action="/internal_forms_authentication/">'
  + '<input name="username" type="text"><input name="pwd" type="password"><button>Log in</button></form></body></html>';

export async function startQlikProxyStandIn(options: QlikProxyStandInOptions = {}): Promise<QlikProxyStandIn> {
  const pki = await generateLoopbackPki('qlik-azure-proxy-stand-in-CA');
  const tls = { key: pki.serverKeyPem, cert: pki.serverCertPem };
  const closers: Array<() => Promise<void>> = [];
  const ports = { https: 0, http: 0, auth: 0 };

  const pages = (secure: boolean) => (request: IncomingMessage, response: ServerResponse) => {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '');
    if (options.hostWhiteList && !options.hostWhiteList.some((allowed) => allowed.toLowerCase() === host.toLowerCase())) {
      response.writeHead(400, { 'content-type': 'text/html' }).end('<html><body><h1>400 - Bad Request</h1><p>The http request header is incorrect.</p></body></html>');
      return;
    }
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
    if (path.startsWith('/internal_forms_authentication/')) {
      response.writeHead(200, { 'content-type': 'text/html' }).end(loginForm);
    } else if (path === '/hub' || path === '/qmc' || path.startsWith('/hub/') || path.startsWith('/qmc/')) {
      const targetId = randomUUID();
      const scheme = secure ? 'https' : 'http';
      const location = options.login === 'windows'
        ? `https://${host}:${ports.auth}/windows_authentication/?targetId=${targetId}`
        : `${scheme}://${request.headers.host}/internal_forms_authentication/?targetId=${targetId}`;
      response.writeHead(302, { location }).end();
    } else {
      response.writeHead(404).end();
    }
  };
  const windowsAuthentication = (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(401, { 'www-authenticate': 'Negotiate' }).end();
  };

  ports.https = await serve(options.https ?? 'answer', () => createHttpsServer(tls, pages(true)), closers);
  ports.http = await serve(options.http ?? 'refuse', () => createHttpServer(pages(false)), closers);
  ports.auth = await serve(options.auth ?? 'answer', () => createHttpsServer(tls, windowsAuthentication), closers);

  return {
    ports,
    caCertPem: pki.caCertPem,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}

/** Starts one listener with the given behaviour on a free loopback port and returns the port. */
async function serve(behaviour: ListenerBehaviour, answering: () => Server, closers: Array<() => Promise<void>>): Promise<number> {
  const held = new Set<Socket>();
  const server = behaviour === 'answer' ? answering() : createTcpServer((socket) => {
    if (behaviour === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    // 'silent': keep the socket open and never write, until the stand-in closes.
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  const close = () => new Promise<void>((resolve) => {
    if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') server.closeAllConnections();
    for (const socket of held) socket.destroy();
    server.close(() => resolve());
  });
  // 'refuse': the port was free a moment ago and nothing listens on it now.
  if (behaviour === 'refuse') await close();
  else closers.push(close);
  return port;
}
