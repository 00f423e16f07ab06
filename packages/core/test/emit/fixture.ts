/**
 * The policy every emitter test starts from: an exact host, a `*.` host, a `**.` host, a
 * report-mode host and a host with an expiry. Pins are fixed bytes so outputs are exact.
 */
import { compilePolicy, type Manifest, type ManifestHost, type Policy } from '@qrpin/core';

/** A canonical pin whose 32 digest bytes all equal `byte`. */
export const pinOf = (byte: number): string => `sha256/${Buffer.alloc(32, byte).toString('base64')}`;

export const A = pinOf(1); // sha256/AQEB…AQE=
export const B = pinOf(2); // sha256/AgIC…AgI=
export const C = pinOf(3); // sha256/AwMD…AwM=

/** The base64 body of a pin, as NSC, ATS, TrustKit and React Native write it. */
export const b64 = (pin: string): string => pin.slice('sha256/'.length);

export const fixtureHosts: ManifestHost[] = [
  { pattern: 'promo.example.com', pins: [A], backupPins: [B], mode: 'enforce' },
  { pattern: '*.cdn.example.com', pins: [A], backupPins: [C], mode: 'enforce' },
  { pattern: '**.api.example.com', pins: [B], backupPins: [C], mode: 'enforce' },
  { pattern: 'beta.example.com', pins: [A], backupPins: [B], mode: 'report' },
  { pattern: 'shop.example.com', pins: [C], backupPins: [A], mode: 'enforce', expires: '2027-01-01' },
];

/** A schema-valid manifest around `hosts`. */
export function manifestWith(hosts: ManifestHost[], project = 'spring-campaign'): Manifest {
  return { version: 1, project, destinations: [], hosts, signingKeys: [] };
}

/** The fixture policy, optionally under another project name. */
export function fixturePolicy(project = 'spring-campaign'): Policy {
  return compilePolicy(manifestWith(fixtureHosts, project));
}

/** A project name built to break out of every literal and comment syntax qrpin writes. */
export const HOSTILE_PROJECT =
  'evil"\'</x>*/ ${x} `$(id)` --> <!-- \\u000a \\ line\nbreak\r\u2028\u2029 é \u0000 end';
