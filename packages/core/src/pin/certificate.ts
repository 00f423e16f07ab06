// The facts about an X.509 certificate that pins and chain listings show. Internal.
import type { X509Certificate } from 'node:crypto';
import { readPublicKey } from './key.ts';
import type { KeyFacts } from './key.ts';

/** What {@link readCertificate} learns about a certificate, without looking at a clock. */
export interface CertificateFacts {
  readonly key: KeyFacts;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCA: boolean;
  readonly selfSigned: boolean;
}

/** Node prints a distinguished name one RDN per line (`C=US\nCN=x`); show it on one line. */
export function formatName(name: string): string {
  return name.split('\n').join(', ');
}

function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false; // a signature algorithm OpenSSL cannot verify
  }
}

/** Reads the subject, issuer, validity, CA flag, self-signature and key of a certificate. */
export function readCertificate(cert: X509Certificate): CertificateFacts {
  return {
    key: readPublicKey(cert.publicKey),
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
    isCA: cert.ca,
    selfSigned: isSelfSigned(cert),
  };
}
