/**
 * Issues X.509 certificates and PKCS#10 requests from keys the caller provides: what `qrpin demo`
 * needs for its local CA and destinations, what `qrpin keys backup` needs for a backup key's CSR,
 * and what interception tests need for a rogue CA. Pure: keys, serial numbers and times are inputs.
 *
 * These certificates are for local use (demos, tests, CSRs for a real CA to sign); qrpin is not a CA.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5280 (X.509 profile)
 * @see https://www.rfc-editor.org/rfc/rfc2986 (PKCS#10)
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  integer,
  namedBits,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  set,
  time,
  tlv,
  utf8String,
} from '../lib/der-write.ts';
import { QrpinError } from '../errors/qrpin-error.ts';

/** The subject or issuer of a certificate. */
export interface DistinguishedName {
  readonly commonName: string;
  readonly organization?: string | undefined;
}

/** The issuing side: a CA's name and key pair. */
export interface CertificateIssuer {
  readonly subject: DistinguishedName;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** What to put in a certificate. */
export interface IssueCertificateOptions {
  readonly subject: DistinguishedName;
  /** The subject's public key. */
  readonly publicKey: KeyObject;
  /** The issuing CA; when absent the certificate is self-signed with `selfSigningKey`. */
  readonly issuer?: CertificateIssuer | undefined;
  /** The subject's private key, for a self-signed certificate. */
  readonly selfSigningKey?: KeyObject | undefined;
  /** Positive serial number bytes (up to 20), e.g. `randomBytes(16)`. */
  readonly serialNumber: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA certificate (basicConstraints cA, keyCertSign). */
  readonly isCA?: boolean | undefined;
  /** DNS names for subjectAltName (TLS server certificates). */
  readonly dnsNames?: readonly string[] | undefined;
  /** IPv4 addresses for subjectAltName. */
  readonly ipAddresses?: readonly string[] | undefined;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
} as const;

interface SignatureScheme {
  readonly algorithm: Buffer;
  readonly hash: string | null;
}

function signatureScheme(key: KeyObject): SignatureScheme {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algorithm: sequence(objectIdentifier(OID.sha256WithRSA), nullValue()), hash: 'sha256' };
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1')
        return { algorithm: sequence(objectIdentifier(OID.ecdsaSha384)), hash: 'sha384' };
      if (curve === 'secp521r1')
        return { algorithm: sequence(objectIdentifier(OID.ecdsaSha512)), hash: 'sha512' };
      return { algorithm: sequence(objectIdentifier(OID.ecdsaSha256)), hash: 'sha256' };
    }
    case 'ed25519':
      return { algorithm: sequence(objectIdentifier(OID.ed25519)), hash: null };
    case 'ed448':
      return { algorithm: sequence(objectIdentifier(OID.ed448)), hash: null };
    default:
      throw new QrpinError(
        'ERR_KEY_UNSUPPORTED',
        `cannot sign with a ${key.asymmetricKeyType ?? 'unknown'} key; use RSA, EC, Ed25519 or Ed448`,
      );
  }
}

function encodeName(name: DistinguishedName): Buffer {
  const rdns = [set(sequence(objectIdentifier(OID.commonName), utf8String(name.commonName)))];
  if (name.organization !== undefined) {
    rdns.unshift(set(sequence(objectIdentifier(OID.organization), utf8String(name.organization))));
  }
  return sequence(...rdns);
}

function spkiOf(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

function keyIdentifier(key: KeyObject): Buffer {
  return createHash('sha1').update(spkiOf(key)).digest();
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(objectIdentifier(oid), boolean(true), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new QrpinError('ERR_USAGE', `"${address}" is not an IPv4 address`);
  }
  return Buffer.from(parts);
}

function signWith(key: KeyObject, data: Buffer): Buffer {
  const scheme = signatureScheme(key);
  return sign(scheme.hash, data, key);
}

/**
 * Issues a certificate and returns it as PEM.
 *
 * @example
 * ```ts
 * const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
 * const pem = issueCertificate({
 *   subject: { commonName: 'Demo CA' }, publicKey: ca.publicKey, selfSigningKey: ca.privateKey,
 *   serialNumber: randomBytes(16), notBefore: new Date(), notAfter: new Date(Date.now() + 864e5), isCA: true,
 * });
 * ```
 */
export function issueCertificate(options: IssueCertificateOptions): string {
  const signer = options.issuer?.privateKey ?? options.selfSigningKey;
  if (signer === undefined) {
    throw new QrpinError('ERR_USAGE', 'issueCertificate needs an issuer or a selfSigningKey');
  }
  if (options.serialNumber.length === 0 || options.serialNumber.length > 20) {
    throw new QrpinError('ERR_USAGE', 'a serial number has 1 to 20 bytes');
  }
  const serial = Buffer.from(options.serialNumber);
  serial[0] = serial[0]! & 0x7f || 0x01; // positive and non-zero
  const scheme = signatureScheme(signer);
  const issuerName = encodeName(options.issuer?.subject ?? options.subject);
  const issuerKey = options.issuer?.publicKey ?? options.publicKey;

  const extensions: Buffer[] = [];
  if (options.isCA === true) {
    extensions.push(extension(OID.basicConstraints, true, sequence(boolean(true), integer(0))));
    extensions.push(extension(OID.keyUsage, true, namedBits([0, 5, 6])));
  } else {
    extensions.push(extension(OID.basicConstraints, true, sequence()));
    const usage = options.publicKey.asymmetricKeyType === 'rsa' ? [0, 2] : [0];
    extensions.push(extension(OID.keyUsage, true, namedBits(usage)));
    extensions.push(extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))));
  }
  const altNames = [
    ...(options.dnsNames ?? []).map((name) => implicitPrimitive(2, Buffer.from(name, 'ascii'))),
    ...(options.ipAddresses ?? []).map((ip) => implicitPrimitive(7, ipv4Bytes(ip))),
  ];
  if (altNames.length > 0) extensions.push(extension(OID.subjectAltName, false, sequence(...altNames)));
  extensions.push(extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(options.publicKey))));
  extensions.push(
    extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyIdentifier(issuerKey)))),
  );

  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    scheme.algorithm,
    issuerName,
    sequence(time(options.notBefore), time(options.notAfter)),
    encodeName(options.subject),
    spkiOf(options.publicKey),
    explicit(3, sequence(...extensions)),
  );
  const der = sequence(tbs, scheme.algorithm, bitString(signWith(signer, tbs)));
  return toPem('CERTIFICATE', der);
}

/** What to put in a certificate signing request. */
export interface CertificateRequestOptions {
  readonly subject: DistinguishedName;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly dnsNames?: readonly string[] | undefined;
}

/**
 * Creates a PKCS#10 certificate signing request, signed by the key it is for, as PEM.
 *
 * @example
 * ```ts
 * const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
 * const csr = createCertificateRequest({ subject: { commonName: 'promo.example.com' }, publicKey, privateKey });
 * ```
 */
export function createCertificateRequest(options: CertificateRequestOptions): string {
  const scheme = signatureScheme(options.privateKey);
  const attributes: Buffer[] = [];
  if (options.dnsNames !== undefined && options.dnsNames.length > 0) {
    const san = extension(
      OID.subjectAltName,
      false,
      sequence(...options.dnsNames.map((name) => implicitPrimitive(2, Buffer.from(name, 'ascii')))),
    );
    // PKCS#9 extensionRequest (1.2.840.113549.1.9.14)
    attributes.push(sequence(objectIdentifier('1.2.840.113549.1.9.14'), set(sequence(san))));
  }
  const info = sequence(
    integer(0),
    encodeName(options.subject),
    spkiOf(options.publicKey),
    tlv(0xa0, Buffer.concat(attributes)),
  );
  const der = sequence(info, scheme.algorithm, bitString(signWith(options.privateKey, info)));
  return toPem('CERTIFICATE REQUEST', der);
}

function toPem(label: string, der: Buffer): string {
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
