/** Test PKI: CAs and leaf certificates made with @qrpin/core's issuer, and their pins. */
import { X509Certificate, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { Pin, issueCertificate } from '@qrpin/core';

export type KeyType = 'ec' | 'rsa';

interface KeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

export interface TestCa {
  readonly name: string;
  readonly pem: string;
  readonly keys: KeyPair;
  readonly pin: string;
}

export interface TestLeaf {
  readonly pem: string;
  readonly keyPem: string;
  readonly pin: string;
}

const HOUR = 3_600_000;

function generate(type: KeyType): KeyPair {
  return type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** The pin of a PEM certificate, computed from its parsed key. */
export function pinOf(pem: string): string {
  return Pin.fromSpki(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).toString();
}

/** A made-up pin that matches nothing. */
export function strangerPin(): string {
  return Pin.fromSpki(randomBytes(64)).toString();
}

export function makeCa(name: string, type: KeyType = 'ec'): TestCa {
  const keys = generate(type);
  const pem = issueCertificate({
    subject: { commonName: name, organization: 'qrpin tests' },
    publicKey: keys.publicKey,
    selfSigningKey: keys.privateKey,
    serialNumber: randomBytes(12),
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 24 * HOUR),
    isCA: true,
  });
  return { name, pem, keys, pin: pinOf(pem) };
}

export function makeLeaf(ca: TestCa, names: readonly string[], type: KeyType = 'ec'): TestLeaf {
  const keys = generate(type);
  const pem = issueCertificate({
    subject: { commonName: names[0] ?? 'localhost' },
    publicKey: keys.publicKey,
    issuer: { subject: { commonName: ca.name, organization: 'qrpin tests' }, ...ca.keys },
    serialNumber: randomBytes(12),
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 24 * HOUR),
    dnsNames: names,
  });
  return { pem, keyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, pin: pinOf(pem) };
}
