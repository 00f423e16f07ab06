/**
 * Which proxy, if any, a connection goes through (internal): an explicit `proxy` option, or the
 * `https_proxy` / `HTTPS_PROXY`, `http_proxy` and `no_proxy` / `NO_PROXY` variables of an
 * environment the caller handed in. Nothing is read from `process.env` unless asked.
 */
import type { ConnectionOptions } from 'node:tls';
import { QrpinError, describeInput } from '@qrpin/core';
import { NoProxy } from './no-proxy.ts';

/** An HTTP(S) proxy that tunnels with `CONNECT`. */
export interface ProxyOptions {
  /** `http://host:port` or `https://host:port`; credentials in it become `Proxy-Authorization: Basic`. */
  readonly uri: string | URL;
  /** The whole `Proxy-Authorization` value (e.g. `Bearer …`); takes precedence over URI credentials. */
  readonly token?: string | undefined;
  /** TLS options for the connection to an `https:` proxy itself (e.g. its `ca`). */
  readonly tls?: ConnectionOptions | undefined;
}

/** The environment variables read for proxies. */
export type ProxyEnvironment = Readonly<Record<string, string | undefined>>;

/** One proxy, resolved. */
export interface ProxyRoute {
  readonly url: URL;
  /** `scheme://host:port`, without credentials: safe to log and report. */
  readonly display: string;
  readonly authorization?: string | undefined;
  readonly tls?: ConnectionOptions | undefined;
}

/** Proxy routing for one dispatcher. */
export class ProxyRouter {
  readonly #https: ProxyRoute | undefined;
  readonly #http: ProxyRoute | undefined;
  readonly #noProxy: NoProxy;

  private constructor(https: ProxyRoute | undefined, http: ProxyRoute | undefined, noProxy: NoProxy) {
    this.#https = https;
    this.#http = http;
    this.#noProxy = noProxy;
  }

  /**
   * From the dispatcher options: `proxy` (with `noProxy`) wins; otherwise `env`, or
   * `process.env` when `proxyFromEnv` is true. `undefined` when nothing is proxied.
   */
  static from(options: {
    readonly proxy?: string | URL | ProxyOptions | undefined;
    readonly noProxy?: string | undefined;
    readonly env?: ProxyEnvironment | undefined;
    readonly proxyFromEnv?: boolean | undefined;
  }): ProxyRouter | undefined {
    if (options.proxy !== undefined) {
      const proxy =
        typeof options.proxy === 'string' || options.proxy instanceof URL
          ? { uri: options.proxy }
          : options.proxy;
      const route = resolveRoute('proxy', proxy);
      return new ProxyRouter(route, route, NoProxy.parse(options.noProxy));
    }
    const env = options.env ?? (options.proxyFromEnv === true ? process.env : undefined);
    if (env === undefined) return undefined;
    const pick = (...names: string[]): [string, string] | undefined => {
      for (const name of names) {
        const value = env[name];
        if (value !== undefined && value.trim() !== '') return [name, value.trim()];
      }
      return undefined;
    };
    const https = pick('https_proxy', 'HTTPS_PROXY');
    // Only the lower-case http_proxy: CGI servers put a request's Proxy header in HTTP_PROXY (httpoxy).
    const http = pick('http_proxy');
    if (https === undefined && http === undefined) return undefined;
    const noProxy = options.noProxy ?? pick('no_proxy', 'NO_PROXY')?.[1];
    return new ProxyRouter(
      https === undefined ? undefined : resolveRoute(https[0], { uri: withScheme(https[1]) }),
      http === undefined ? undefined : resolveRoute(http[0], { uri: withScheme(http[1]) }),
      NoProxy.parse(noProxy),
    );
  }

  /** The proxy for a connection to `hostname:port` over `protocol`, or `undefined` to go direct. */
  route(protocol: string, hostname: string, port: number): ProxyRoute | undefined {
    const route = protocol === 'https:' ? this.#https : this.#http;
    if (route === undefined || this.#noProxy.matches(hostname, port)) return undefined;
    return route;
  }
}

function withScheme(uri: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : `http://${uri}`;
}

function resolveRoute(source: string, proxy: ProxyOptions): ProxyRoute {
  let url: URL;
  try {
    url = new URL(proxy.uri);
  } catch (err) {
    throw new QrpinError(
      'ERR_DISPATCHER_OPTIONS',
      `${source}: ${describeInput(String(proxy.uri).replace(/\/\/[^@/]*@/, '//…@'))} is not a URL; write http://host:port`,
      { cause: err },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new QrpinError(
      'ERR_DISPATCHER_OPTIONS',
      `${source}: proxy scheme "${url.protocol}" is not supported; use an http: or https: proxy that tunnels with CONNECT`,
    );
  }
  let authorization = proxy.token;
  if (authorization === undefined && (url.username !== '' || url.password !== '')) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  const display = `${url.protocol}//${url.host}`;
  return { url, display, authorization, tls: proxy.tls };
}
