/**
 * IP address literals in URL hosts: which special-purpose range an address falls in.
 * Pure arithmetic, no `node:net`: core stays free of networking modules.
 *
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/
 */

interface V4Range {
  readonly base: number;
  readonly bits: number;
  readonly name: string;
}

function v4(text: string): number {
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

const V4_RANGES: readonly V4Range[] = (
  [
    ['0.0.0.0', 8, '"this network" (0.0.0.0 reaches the device itself on many systems)'],
    ['10.0.0.0', 8, 'private (RFC 1918)'],
    ['100.64.0.0', 10, 'carrier-grade NAT shared space (RFC 6598)'],
    ['127.0.0.0', 8, 'loopback (the device itself)'],
    ['169.254.0.0', 16, 'link-local (169.254.169.254 is the cloud instance-metadata service)'],
    ['172.16.0.0', 12, 'private (RFC 1918)'],
    ['192.0.0.0', 24, 'IETF protocol assignments'],
    ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
    ['192.88.99.0', 24, 'deprecated 6to4 relay anycast'],
    ['192.168.0.0', 16, 'private (RFC 1918)'],
    ['198.18.0.0', 15, 'benchmarking'],
    ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
    ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
    ['224.0.0.0', 4, 'multicast'],
    ['240.0.0.0', 4, 'reserved (and broadcast)'],
  ] as const
).map(([base, bits, name]) => ({ base: v4(base), bits, name }));

/** True for a dotted-quad IPv4 address as the URL parser serialises it. */
export function isDottedIpv4(host: string): boolean {
  return /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host.split('.').every((p) => Number(p) <= 255);
}

/** The special-purpose range of a dotted-quad IPv4 address, or undefined for a public one. */
export function ipv4Range(address: string): string | undefined {
  const value = v4(address);
  for (const range of V4_RANGES) {
    const size = 2 ** (32 - range.bits);
    if (value >= range.base && value < range.base + size) return range.name;
  }
  return undefined;
}

/** Parses an IPv6 address (no brackets, no zone) into eight 16-bit groups, or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isDottedIpv4(last)) return undefined;
    const value = v4(last);
    tail.push(Math.floor(value / 65536), value % 65536);
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 2 ? known > 7 : known !== 8) return undefined;
  const zeros = new Array<number>(8 - known).fill(0);
  return [...head, ...zeros, ...rest, ...tail];
}

function embeddedV4(groups: number[], at: number): string {
  const hi = groups[at] ?? 0;
  const lo = groups[at + 1] ?? 0;
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The special-purpose range of an IPv6 address (without brackets), or undefined for a public one. */
export function ipv6Range(address: string): string | undefined {
  const g = parseIpv6(address);
  if (g === undefined) return 'not a valid IPv6 address';
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, , g7 = 0] = g;
  const zeroTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified (::)';
  if (zeroTo(7) && g7 === 1) return 'loopback (::1, the device itself)';
  if (zeroTo(5) && g5 === 0xffff) {
    const inner = embeddedV4(g, 6);
    const range = ipv4Range(inner);
    return range === undefined ? undefined : `IPv4-mapped ${inner}: ${range}`;
  }
  if (zeroTo(6)) return `IPv4-compatible (deprecated) ${embeddedV4(g, 6)}`;
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    const inner = embeddedV4(g, 6);
    const range = ipv4Range(inner);
    return range === undefined ? undefined : `NAT64 of ${inner}: ${range}`;
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'local-use NAT64';
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'discard-only';
  if (g0 === 0x2001 && g1 === 0xdb8) return 'documentation';
  if (g0 === 0x2002) {
    const inner = embeddedV4(g, 1);
    const range = ipv4Range(inner);
    return range === undefined ? undefined : `6to4 of ${inner}: ${range}`;
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'unique local (private)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'site-local (deprecated, private)';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}
