// `--resolve host=address` (like curl's --resolve): send a host name to a fixed address.
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { QrpinError } from '@qrpin/core';

/** Parses repeated `--resolve name=address` options into a map. */
export function parseResolveOptions(
  values: ReadonlyArray<string | boolean> | string | boolean | undefined,
): Map<string, string> {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  const map = new Map<string, string>();
  for (const value of list) {
    const match = typeof value === 'string' ? /^([a-z0-9.-]+)=([0-9a-f.:]+)$/i.exec(value) : null;
    if (match === null || isIP(match[2] ?? '') === 0) {
      throw new QrpinError(
        'ERR_USAGE',
        `--resolve takes host=address (e.g. promo.example.com=127.0.0.1), not "${String(value)}"`,
      );
    }
    map.set((match[1] ?? '').toLowerCase(), match[2] ?? '');
  }
  return map;
}

/** A socket `lookup` that answers from the map and defers to DNS otherwise. */
export function lookupFromMap(map: ReadonlyMap<string, string>, fallback: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    const address = map.get(hostname.toLowerCase());
    if (address === undefined) return fallback(hostname, options, callback);
    const family = isIP(address);
    if (options.all === true) {
      return (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address, family },
      ]);
    }
    return callback(null, address, family);
  };
}
