/** Real local servers for the dispatcher tests: HTTPS origins and a CONNECT proxy, on 127.0.0.1. */
import { EventEmitter, once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as netConnect, type AddressInfo, type LookupFunction, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecureVersion, TLSSocket } from 'node:tls';

/** Resolves every name to 127.0.0.1, so tests can use many host names on one machine. */
export const loopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all === true) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

export interface TestOrigin {
  readonly port: number;
  /** Requests that reached the HTTP layer. */
  readonly requests: string[];
  /** TLS connections completed, with whether each resumed a session. */
  readonly handshakes: { reused: boolean }[];
  /** TCP connections closed so far. */
  closedConnections: number;
  /** Emits `request` (url), `handshake` and `closed` as they happen. */
  readonly events: EventEmitter;
  readonly server: HttpsServer;
  close(): Promise<void>;
}

export interface OriginOptions {
  /** The served chain in order (leaf first, then anything else the server appends). */
  readonly cert: string;
  readonly key: string;
  readonly maxVersion?: SecureVersion;
  readonly handler?: (req: IncomingMessage, res: ServerResponse) => void;
}

export async function startOrigin(options: OriginOptions): Promise<TestOrigin> {
  const sockets = new Set<Socket>();
  const origin: Omit<TestOrigin, 'port'> & { port: number } = {
    port: 0,
    requests: [],
    handshakes: [],
    closedConnections: 0,
    events: new EventEmitter(),
    server: createHttpsServer(
      {
        cert: options.cert,
        key: options.key,
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      },
      (req, res) => {
        origin.requests.push(req.url ?? '');
        origin.events.emit('request', req.url);
        if (options.handler) options.handler(req, res);
        else res.end('ok');
      },
    ),
    async close() {
      for (const socket of sockets) socket.destroy();
      origin.server.close();
      await once(origin.server, 'close');
    },
  };
  origin.server.on('secureConnection', (socket: TLSSocket) => {
    origin.handshakes.push({ reused: socket.isSessionReused() });
    origin.events.emit('handshake');
  });
  origin.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      origin.closedConnections += 1;
      origin.events.emit('closed');
    });
  });
  origin.server.on('tlsClientError', () => {});
  origin.server.listen(0, '127.0.0.1');
  await once(origin.server, 'listening');
  origin.port = (origin.server.address() as AddressInfo).port;
  return origin;
}

export interface TestProxy {
  readonly port: number;
  readonly url: string;
  /** The `CONNECT` targets asked for, in order. */
  readonly tunnels: string[];
  readonly server: HttpServer;
  close(): Promise<void>;
}

export interface ProxyBehaviour {
  /** Answer CONNECT with this status instead of 200. */
  readonly refuse?: number;
  /** Pipe every tunnel to this local port instead of the target's: an intercepting proxy. */
  readonly interceptTo?: number;
}

/**
 * A tiny CONNECT proxy: it answers 200 and pipes bytes to 127.0.0.1:<port of the target>
 * (or to `interceptTo`, like a TLS-intercepting middlebox).
 */
export async function startProxy(behaviour: ProxyBehaviour = {}): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => {
    res.statusCode = 405;
    res.end();
  });
  const proxy: Omit<TestProxy, 'port' | 'url'> & { port: number; url: string } = {
    port: 0,
    url: '',
    tunnels: [],
    server,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    proxy.tunnels.push(req.url ?? '');
    sockets.add(client);
    if (behaviour.refuse !== undefined) {
      client.end(`HTTP/1.1 ${behaviour.refuse} Refused\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const port = behaviour.interceptTo ?? Number(/:(\d+)$/.exec(req.url ?? '')?.[1]);
    const upstream = netConnect({ host: '127.0.0.1', port }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end).on('close', end);
    client.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.port = (server.address() as AddressInfo).port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  return proxy;
}

/** Resolves once `predicate()` holds, checking now and after each `event` of `emitter`. */
export async function waitFor(emitter: EventEmitter, event: string, predicate: () => boolean): Promise<void> {
  while (!predicate()) await once(emitter, event);
}
