// The stand-in machine's network: pwsh runs with HTTP(S)_PROXY pointing here, so every connection a
// template opens passes through this loopback proxy. It connects the machine's own name on port 4242
// (the Qlik Repository Service, which the QRS scripts reach as https://<hostname>:4242) to the fake QRS,
// lets loopback destinations (the ARM simulator's blob endpoint serving a staged installer) through,
// and refuses everything else: no packet leaves the host, and a template reaching for the internet
// fails loudly instead.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface VmNetwork {
  /** http://127.0.0.1:PORT, for HTTP_PROXY and HTTPS_PROXY. */
  readonly proxyUrl: string;
  close(): Promise<void>;
}

/** Where host:port leads on the machine's network: a loopback port, or undefined (refused). */
export type VmRoute = (host: string, port: number) => Promise<number | undefined>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export async function startVmNetwork(route: VmRoute): Promise<VmNetwork> {
  const resolve = async (host: string, port: number) => (LOOPBACK.has(host.toLowerCase()) ? port : route(host, port));
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    // Plain HTTP through a proxy: an absolute URI in the request line.
    const target = new URL(request.url ?? '', 'http://invalid');
    void resolve(target.hostname, Number(target.port || 80)).then((port) => {
      if (port === undefined) {
        response.writeHead(502).end(`stand-in network: ${target.host} is not reachable from the simulated VM`);
        return;
      }
      const forwarded = httpRequest({ host: '127.0.0.1', port, method: request.method, path: `${target.pathname}${target.search}`, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      forwarded.on('error', () => response.destroy());
      request.pipe(forwarded);
    });
  });
  server.on('connect', (request, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const [host = '', portText = '443'] = (request.url ?? '').split(/:(?=\d+$)/);
    void resolve(host, Number(portText)).then((port) => {
      if (port === undefined) {
        client.end(`HTTP/1.1 502 Bad Gateway\r\n\r\n`);
        return;
      }
      const upstream = connect(port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
      upstream.on('error', () => client.destroy());
    });
  });
  const port = await new Promise<number>((done) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise((done) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => done());
    }),
  };
}
