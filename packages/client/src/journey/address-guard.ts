/**
 * Keeps journeys away from addresses a QR code must never make a client (or a server following
 * codes on someone's behalf) talk to: loopback, private, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast and reserved ranges. The check runs on the
 * addresses DNS returns, inside the connection's own lookup, so a name that resolves to a
 * private address (or re-resolves to one: DNS rebinding) is refused just like a literal.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { QrpinError } from '@qrpin/core';

const SPECIAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  SPECIAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  SPECIAL.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for loopback, private, link-local, CGNAT, multicast, documentation and reserved
 * addresses, including IPv4-mapped IPv6 forms of them.
 *
 * @example
 * ```ts
 * isSpecialAddress('169.254.169.254'); // true
 * isSpecialAddress('::ffff:10.0.0.1');  // true
 * isSpecialAddress('93.184.215.14');    // false
 * ```
 */
export function isSpecialAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return SPECIAL.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined) return SPECIAL.check(mapped[1], 'ipv4');
    return SPECIAL.check(address, 'ipv6');
  }
  return true; // not an address at all: refuse rather than guess
}

/** Raised by the guarded lookup; undici surfaces it as the request's error. */
export class PrivateAddressError extends QrpinError {
  readonly host: string;
  readonly address: string;

  constructor(host: string, address: string) {
    super(
      'ERR_JOURNEY_PRIVATE_ADDRESS',
      `${host} resolves to ${address}, a loopback/private/link-local address; a QR journey may not go there (allowPrivateAddresses to permit it)`,
    );
    this.host = host;
    this.address = address;
  }
}

/**
 * A `lookup` for socket options that refuses special addresses (see {@link isSpecialAddress}):
 * if any address a name resolves to is special, the connection fails with `ERR_JOURNEY_PRIVATE_ADDRESS`.
 *
 * @example
 * ```ts
 * new PinnedAgent({ policy, connect: { lookup: guardedLookup() } });
 * ```
 */
export function guardedLookup(
  resolve: LookupFunction = dnsLookup as unknown as LookupFunction,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) return callback(err, '', 0);
      const list = (
        Array.isArray(addresses) ? addresses : [{ address: addresses, family: 4 }]
      ) as LookupAddress[];
      const bad = list.find((a) => isSpecialAddress(a.address));
      if (bad !== undefined) return callback(new PrivateAddressError(hostname, bad.address), '', 0);
      if (options.all === true)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (first === undefined) return callback(new PrivateAddressError(hostname, 'no address'), '', 0);
      return callback(null, first.address, first.family);
    });
  };
}
