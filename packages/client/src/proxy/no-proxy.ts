/**
 * `NO_PROXY` / `no_proxy` matching, the way curl reads it: a list separated by commas or spaces
 * of host names (each also covering its subdomains; a leading `.` or `*.` changes nothing),
 * IP addresses, CIDR ranges, an optional `:port` on any of them, and `*` for every host.
 */
import { BlockList, isIP } from 'node:net';

interface Entry {
  readonly port: number;
  readonly domain?: string;
  readonly ip?: BlockList;
}

/**
 * A parsed `NO_PROXY` list.
 *
 * @example
 * ```ts
 * const noProxy = NoProxy.parse('localhost, .internal.example, 10.0.0.0/8, api.example.com:8443');
 * noProxy.matches('svc.internal.example', 443); // true
 * noProxy.matches('api.example.com', 443);      // false (the entry names port 8443)
 * ```
 */
export class NoProxy {
  readonly #all: boolean;
  readonly #entries: readonly Entry[];

  private constructor(all: boolean, entries: readonly Entry[]) {
    this.#all = all;
    this.#entries = entries;
  }

  /** Parses a list; unparseable entries are ignored, as curl does. */
  static parse(value: string | undefined): NoProxy {
    let all = false;
    const entries: Entry[] = [];
    for (const raw of (value ?? '').split(/[,\s]+/)) {
      if (raw === '') continue;
      if (raw === '*') {
        all = true;
        continue;
      }
      const entry = parseEntry(raw.toLowerCase());
      if (entry !== undefined) entries.push(entry);
    }
    return new NoProxy(all, entries);
  }

  /** True when no entry is listed (every host goes through the proxy). */
  get empty(): boolean {
    return !this.#all && this.#entries.length === 0;
  }

  /** True when a connection to `hostname:port` must bypass the proxy. */
  matches(hostname: string, port: number): boolean {
    if (this.#all) return true;
    const host = unbracket(hostname.toLowerCase()).replace(/\.$/, '');
    const family = isIP(host);
    for (const entry of this.#entries) {
      if (entry.port !== 0 && entry.port !== port) continue;
      if (entry.ip !== undefined) {
        if (family !== 0 && entry.ip.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true;
      } else if (entry.domain !== undefined && family === 0) {
        if (host === entry.domain || host.endsWith(`.${entry.domain}`)) return true;
      }
    }
    return false;
  }
}

function parseEntry(text: string): Entry | undefined {
  let host = text;
  let port = 0;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed !== null) {
    host = bracketed[1]!;
    port = bracketed[2] === undefined ? 0 : Number(bracketed[2]);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const at = text.lastIndexOf(':');
    const maybePort = text.slice(at + 1);
    if (!/^\d{1,5}$/.test(maybePort)) return undefined;
    host = text.slice(0, at);
    port = Number(maybePort);
  }
  if (port > 65_535) return undefined;
  const [address, prefix] = host.split('/');
  const family = isIP(address ?? '');
  if (family !== 0) {
    const list = new BlockList();
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address!, type);
    else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 6 ? 128 : 32)) return undefined;
      list.addSubnet(address!, bits, type);
    }
    return { port, ip: list };
  }
  const domain = host.replace(/^\*?\./, '').replace(/\.$/, '');
  if (domain === '' || host.includes('/')) return undefined;
  return { port, domain };
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
