/**
 * Opens an HTTP `CONNECT` tunnel through a proxy (internal). The socket it yields carries raw
 * bytes to the origin; TLS to the origin, its validation and the pin check happen inside it, end
 * to end, exactly as on a direct connection.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.3.6 (CONNECT)
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { isIPv6 } from 'node:net';
import { QrpinError } from '@qrpin/core';
import type { ProxyRoute } from './route.ts';

/** Asks `route`'s proxy for a tunnel to `hostname:port`; calls back once with the socket or an error. */
export function openTunnel(
  route: ProxyRoute,
  hostname: string,
  port: number,
  timeoutMs: number,
  callback: (err: Error | null, socket?: Socket) => void,
): void {
  const authority = `${isIPv6(hostname) ? `[${hostname}]` : hostname}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (route.authorization !== undefined) headers['proxy-authorization'] = route.authorization;
  const secure = route.url.protocol === 'https:';
  const options = {
    ...(secure ? route.tls : undefined),
    host: route.url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(route.url.port) || (secure ? 443 : 80),
    method: 'CONNECT',
    path: authority,
    headers,
    agent: false as const,
    setHost: false,
  };
  let done = false;
  const finish = (err: Error | null, socket?: Socket): void => {
    if (done) {
      socket?.destroy();
      return;
    }
    done = true;
    clearTimeout(timer);
    callback(err, socket);
  };
  const fail = (message: string, cause?: unknown): void =>
    finish(
      new QrpinError(
        'ERR_PROXY_CONNECT',
        `proxy ${route.display} did not open a tunnel to ${authority}: ${message}`,
        cause === undefined ? {} : { cause },
      ),
    );
  const req: ClientRequest = (secure ? httpsRequest : httpRequest)(options);
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          fail(`no answer within ${timeoutMs} ms`);
          req.destroy();
        }, timeoutMs)
      : undefined;
  timer?.unref();
  req.once('connect', (res: IncomingMessage, socket: Socket, head: Buffer) => {
    res.resume();
    if (res.statusCode !== 200) {
      socket.destroy();
      fail(`it answered ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trimEnd());
      return;
    }
    if (head.length > 0) socket.unshift(head);
    finish(null, socket);
  });
  req.once('response', (res: IncomingMessage) => {
    res.resume();
    req.destroy();
    fail(`it answered ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trimEnd());
  });
  req.once('error', (err) => fail(err.message, err));
  req.end();
}
