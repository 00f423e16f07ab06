/**
 * Describes a certificate the way a person reviewing pins needs to see it: who it names, who
 * issued it, its key and pin, and how long it has left.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5280 (RFC 5280, X.509 certificates)
 */
import type { X509Certificate } from 'node:crypto';
import { QrpinError } from '../errors/qrpin-error.ts';
import { Tag, checkDer, contentOf, decodeOid, expectTag, readChildren } from '../lib/der.ts';
import { readCertificate } from './certificate.ts';
import type { PinKeyType } from './key.ts';
import type { Pin } from './pin.ts';

/** What {@link describeCertificate} reports about one certificate. */
export interface CertificateSummary {
  /** The subject, one line (`C=US, O=Acme, CN=api.example`). */
  readonly subject: string;
  /** The issuer, one line. */
  readonly issuer: string;
  /** `other` for keys qrpin does not pin (DSA, X25519…); the pin is still computed. */
  readonly keyType: PinKeyType | 'other';
  /** `RSA 2048`, `EC P-256`, `Ed25519`. */
  readonly keyDescription: string;
  readonly bits?: number;
  readonly curve?: string;
  /** The SHA-256 pin of the certificate's SubjectPublicKeyInfo. */
  readonly pin: Pin;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Whole days from `now` until `notAfter`, rounded down; negative once expired. */
  readonly daysToExpiry: number;
  /** basicConstraints cA. */
  readonly isCA: boolean;
  /** Issued by its own subject and signed by its own key. */
  readonly selfSigned: boolean;
  /** The dNSName entries of the subjectAltName extension, in order. */
  readonly subjectAltNames: string[];
  /** The serial number in upper-case hex, as OpenSSL prints it. */
  readonly serialNumber: string;
  /** SHA-256 of the whole certificate, colon-separated upper-case hex. */
  readonly fingerprint256: string;
}

const DAY_MS = 86_400_000;
const SUBJECT_ALT_NAME = '2.5.29.17';
const EXTENSIONS = 0xa3; // tbsCertificate [3] EXPLICIT Extensions
const DNS_NAME = 0x82; // GeneralName [2] IMPLICIT IA5String

/** The dNSName entries of the certificate's subjectAltName extension (RFC 5280 §4.2.1.6). */
function readDnsNames(der: Uint8Array): string[] {
  const [tbs] = readChildren(der, checkDer(der), 3);
  const fields = readChildren(der, expectTag(tbs, Tag.SEQUENCE, 'tbsCertificate'), 10);
  const extensions = fields.find((field) => field.tag === EXTENSIONS);
  if (extensions === undefined) return [];
  const [list] = readChildren(der, extensions, 1);
  for (const extension of readChildren(der, expectTag(list, Tag.SEQUENCE, 'Extensions SEQUENCE'))) {
    const [id, ...rest] = readChildren(der, expectTag(extension, Tag.SEQUENCE, 'Extension'), 3);
    if (decodeOid(contentOf(der, expectTag(id, Tag.OBJECT_IDENTIFIER, 'extnID'))) !== SUBJECT_ALT_NAME)
      continue;
    const value = contentOf(der, expectTag(rest.at(-1), Tag.OCTET_STRING, 'extnValue'));
    const names = expectTag(checkDer(value), Tag.SEQUENCE, 'GeneralNames SEQUENCE');
    return readChildren(value, names)
      .filter((name) => name.tag === DNS_NAME)
      .map((name) => Buffer.from(contentOf(value, name)).toString('latin1'));
  }
  return [];
}

/**
 * Summarises a certificate: subject, issuer, key and pin, validity, days left before expiry
 * (relative to `now`, default the current time), CA flag, self-signature, DNS subject
 * alternative names, serial number and SHA-256 fingerprint. Works for any certificate OpenSSL
 * parses, including ones whose key qrpin would not pin (reported as `keyType: 'other'`).
 *
 * @example
 * ```ts
 * const summary = describeCertificate(new X509Certificate(pem), new Date('2026-01-01'));
 * `${summary.subject} ${summary.pin} expires in ${summary.daysToExpiry} days`;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7469#section-2.4 (RFC 7469, the SPKI fingerprint)
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6 (RFC 5280, subject alternative name)
 */
export function describeCertificate(cert: X509Certificate, now: Date = new Date()): CertificateSummary {
  let facts: ReturnType<typeof readCertificate>;
  let subjectAltNames: string[];
  try {
    facts = readCertificate(cert);
    subjectAltNames = readDnsNames(cert.raw);
  } catch (err) {
    if (err instanceof QrpinError) {
      throw new QrpinError(err.code, `certificate ${cert.subject}: ${err.message}`, { cause: err });
    }
    throw new QrpinError(
      'ERR_KEY_UNSUPPORTED',
      `certificate ${cert.subject} holds a public key OpenSSL cannot read or encode`,
      { cause: err },
    );
  }
  const { key } = facts;
  return {
    subject: facts.subject,
    issuer: facts.issuer,
    keyType: key.keyType,
    keyDescription: key.keyDescription,
    ...(key.bits !== undefined && { bits: key.bits }),
    ...(key.curve !== undefined && { curve: key.curve }),
    pin: key.pin,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    daysToExpiry: Math.floor((facts.notAfter.getTime() - now.getTime()) / DAY_MS),
    isCA: facts.isCA,
    selfSigned: facts.selfSigned,
    subjectAltNames,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
  };
}
