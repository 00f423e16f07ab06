/**
 * The rogue CA of `qrpin mitm-test`: a fresh CA per run that forges a leaf certificate for any
 * host it is asked about, the way an intercepting proxy (or a compromised CA) would.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { issueCertificate, type CertificateIssuer } from '@qrpin/core';
import { generateKeyPair } from '../lib/keys.ts';

const DAY = 86_400_000;

/** A CA that forges certificates on demand. */
export interface RogueCa {
  readonly certPem: string;
  /** A certificate and key for `host`, issued by the rogue CA (cached per host). */
  forge(host: string): { certPem: string; keyPem: string };
}

/** Creates a rogue CA valid around `now`. */
export function createRogueCa(now: Date): RogueCa {
  const keys = generateKeyPair('ec-p256');
  const subject = {
    commonName: 'qrpin mitm-test rogue CA',
    organization: 'qrpin mitm-test (NOT TRUSTWORTHY)',
  };
  const certPem = issueCertificate({
    subject,
    publicKey: keys.publicKey,
    selfSigningKey: keys.privateKey,
    serialNumber: randomBytes(16),
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 30 * DAY),
    isCA: true,
  });
  const issuer: CertificateIssuer = { subject, ...keys };
  // Like mitmproxy, every forged leaf reuses one key: forging is then as fast as signing.
  const leafKeys = generateKeyPair('ec-p256');
  const leafKeyPem = leafKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const cache = new Map<string, { certPem: string; keyPem: string }>();
  return {
    certPem,
    forge(host) {
      const cached = cache.get(host);
      if (cached !== undefined) return cached;
      const isIp = /^[\d.]+$/.test(host);
      const forged = {
        certPem: issueCertificate({
          subject: { commonName: host },
          publicKey: leafKeys.publicKey as KeyObject,
          issuer,
          serialNumber: randomBytes(16),
          notBefore: new Date(now.getTime() - DAY),
          notAfter: new Date(now.getTime() + 30 * DAY),
          dnsNames: isIp ? [] : [host],
          ipAddresses: isIp ? [host] : [],
        }),
        keyPem: leafKeyPem,
      };
      cache.set(host, forged);
      return forged;
    },
  };
}
