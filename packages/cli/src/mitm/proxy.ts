/**
 * An intercepting HTTP CONNECT proxy on loopback, for `qrpin mitm-test`: it answers every CONNECT,
 * terminates the client's TLS with a certificate forged by its rogue CA, opens its own validated
 * TLS connection to the real server, and relays the decrypted bytes — exactly what a hostile
 * hotspot or an inspecting corporate proxy does.
 *
 * It records, per host, whether the client completed a TLS handshake with the forged certificate
 * and whether the client then sent application data through it (the interception succeeded).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  connect as tlsConnect,
  createSecureContext,
  rootCertificates,
  TLSSocket,
  type SecureContext,
} from 'node:tls';
import type { RogueCa } from './rogue-ca.ts';

/** What the proxy saw of one host. */
export interface InterceptionRecord {
  readonly host: string;
  /** CONNECT requests for this host. */
  connects: number;
  /** TLS handshakes the client completed with the forged certificate. */
  handshakes: number;
  /** Bytes of application data the client sent through the forged session. */
  bytesFromClient: number;
  /** Bytes relayed back from the real server. */
  bytesFromServer: number;
  /** Why connections ended without data, as seen from the proxy (client alert, reset, upstream error). */
  readonly errors: string[];
}

/** Options of {@link startInterceptingProxy}. */
export interface InterceptingProxyOptions {
  readonly rogueCa: RogueCa;
  /** Trust anchors for the proxy's own connections to the real servers (default: the system store). */
  readonly upstreamCa?: string | undefined;
  /** Where to connect for a host (e.g. demo hosts that do not resolve): address or undefined. */
  readonly resolve?: ((host: string) => string | undefined) | undefined;
}

/** A running intercepting proxy. */
export interface InterceptingProxy {
  readonly port: number;
  readonly url: string;
  /** Records by host name. */
  readonly records: ReadonlyMap<string, InterceptionRecord>;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 (a free port). */
export async function startInterceptingProxy(options: InterceptingProxyOptions): Promise<InterceptingProxy> {
  const records = new Map<string, InterceptionRecord>();
  const sockets = new Set<Socket>();
  const contexts = new Map<string, SecureContext>();
  const record = (host: string): InterceptionRecord => {
    let r = records.get(host);
    if (r === undefined) {
      r = { host, connects: 0, handshakes: 0, bytesFromClient: 0, bytesFromServer: 0, errors: [] };
      records.set(host, r);
    }
    return r;
  };
  const contextFor = (host: string): SecureContext => {
    let ctx = contexts.get(host);
    if (ctx === undefined) {
      const forged = options.rogueCa.forge(host);
      ctx = createSecureContext({ cert: forged.certPem, key: forged.keyPem });
      contexts.set(host, ctx);
    }
    return ctx;
  };

  const server: Server = createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('this proxy only answers CONNECT\n');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('connect', (req: IncomingMessage, clientSocket: Socket, head: Buffer) => {
    const target = parseAuthority(req.url ?? '');
    if (target === undefined) {
      clientSocket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const r = record(target.host);
    r.connects++;
    clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) clientSocket.unshift(head);
    const forged = new TLSSocket(clientSocket, {
      isServer: true,
      SNICallback: (servername, cb) => cb(null, contextFor(servername || target.host)),
      secureContext: contextFor(target.host),
      ALPNProtocols: ['http/1.1'],
    });
    forged.on('error', (err: NodeJS.ErrnoException) => r.errors.push(describe(err)));
    forged.once('secure', () => {
      r.handshakes++;
      const upstream = tlsConnect({
        host: options.resolve?.(target.host) ?? target.host,
        port: target.port,
        servername: /^[\d.]+$/.test(target.host) ? undefined : target.host,
        ca: options.upstreamCa ?? [...rootCertificates],
        ALPNProtocols: ['http/1.1'],
      });
      sockets.add(upstream);
      upstream.once('close', () => sockets.delete(upstream));
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        r.errors.push(`upstream: ${describe(err)}`);
        forged.destroy();
      });
      forged.on('data', (chunk: Buffer) => {
        r.bytesFromClient += chunk.length;
      });
      upstream.on('data', (chunk: Buffer) => {
        r.bytesFromServer += chunk.length;
      });
      forged.pipe(upstream);
      upstream.pipe(forged);
      forged.once('close', () => upstream.destroy());
      upstream.once('close', () => forged.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    records,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+)):(\d{1,5})$/i.exec(authority);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: (match[1] ?? match[2] ?? '').toLowerCase(), port };
}

function describe(err: NodeJS.ErrnoException): string {
  return err.code === undefined ? err.message : `${err.code}: ${err.message}`;
}
