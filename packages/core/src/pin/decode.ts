// Turns DER or a PEM block into the public key it carries, by format: certificate, SPKI or
// PKCS#1 public key, PKCS#8, PKCS#1 or SEC1 private key, PKCS#10 request. Internal.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { QrpinError } from '../errors/qrpin-error.ts';
import { Tag, checkDer, encodingOf, readChildren } from '../lib/der.ts';
import type { PinSource } from './compute.ts';
import { looksLikeCsr, readCsrPublicKey } from './csr.ts';
import type { PemBlock } from './pem.ts';

type Format = 'certificate' | 'spki' | 'pkcs1-public' | 'pkcs8' | 'pkcs1' | 'sec1' | 'csr';

/** A parsed input: what it was and the key it carries. */
export interface Decoded {
  readonly source: PinSource;
  readonly key: KeyObject;
  readonly certificate?: X509Certificate;
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1). */
function isRsaPublicKey(der: Buffer): boolean {
  const fields = readChildren(der, checkDer(der), 3);
  return fields.length === 2 && fields.every((field) => field.tag === Tag.INTEGER);
}

interface FormatReader {
  readonly what: string;
  readonly decode: (der: Buffer, where: string) => Decoded;
}

const FORMATS: Readonly<Record<Format, FormatReader>> = {
  certificate: {
    what: 'an X.509 certificate',
    decode: (der) => {
      const certificate = new X509Certificate(der);
      return { source: 'certificate', key: certificate.publicKey, certificate };
    },
  },
  spki: {
    what: 'a SubjectPublicKeyInfo public key',
    decode: (der) => ({
      source: 'public-key',
      key: createPublicKey({ key: der, format: 'der', type: 'spki' }),
    }),
  },
  'pkcs1-public': {
    what: 'a PKCS#1 RSA public key',
    decode: (der) => {
      // createPublicKey also takes any private key for type 'pkcs1'; insist on the public shape.
      if (!isRsaPublicKey(der)) throw new Error('not an RSAPublicKey SEQUENCE of two INTEGERs');
      return { source: 'public-key', key: createPublicKey({ key: der, format: 'der', type: 'pkcs1' }) };
    },
  },
  pkcs8: {
    what: 'a PKCS#8 private key',
    decode: (der) => ({
      source: 'private-key',
      key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    }),
  },
  pkcs1: {
    what: 'a PKCS#1 RSA private key',
    decode: (der) => ({
      source: 'private-key',
      key: createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
    }),
  },
  sec1: {
    what: 'a SEC1 EC private key',
    decode: (der) => ({
      source: 'private-key',
      key: createPrivateKey({ key: der, format: 'der', type: 'sec1' }),
    }),
  },
  csr: {
    what: 'a PKCS#10 certificate request',
    decode: (der, where) => ({ source: 'csr', key: readCsrPublicKey(der, where) }),
  },
};

/** The order in which DER input is tried (a CSR last: it is recognised by its shape). */
const DER_LADDER: readonly Format[] = ['certificate', 'spki', 'pkcs1-public', 'pkcs8', 'pkcs1', 'sec1'];

const PEM_LABELS: Readonly<Record<string, Format>> = {
  CERTIFICATE: 'certificate',
  'X509 CERTIFICATE': 'certificate',
  'TRUSTED CERTIFICATE': 'certificate',
  'PUBLIC KEY': 'spki',
  'RSA PUBLIC KEY': 'pkcs1-public',
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'CERTIFICATE REQUEST': 'csr',
  'NEW CERTIFICATE REQUEST': 'csr',
};

/** Blocks that hold no key and travel beside one (`openssl ecparam -genkey` writes them). */
const KEYLESS_LABELS = new Set(['EC PARAMETERS']);

const LABEL_HINTS: Readonly<Record<string, string>> = {
  PKCS7: '; extract its certificates with `openssl pkcs7 -print_certs` first',
};

export function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function encryptedKey(where: string, cause?: unknown): QrpinError {
  return new QrpinError(
    'ERR_KEY_ENCRYPTED',
    `${where} is an encrypted private key; decrypt it first, or better pass its public key ` +
      '(`openssl pkey -in key.pem -pubout`): qrpin never asks for passwords',
    { cause },
  );
}

function isMissingPassphrase(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === 'ERR_MISSING_PASSPHRASE';
}

/** Checks DER structure, re-raising an error with the place it was found; returns the element's bytes. */
export function checkStructure(der: Uint8Array, where: string, allowTrailing = false): Uint8Array {
  try {
    return encodingOf(der, checkDer(der, { allowTrailing }));
  } catch (err) {
    if (!(err instanceof QrpinError)) throw err;
    throw new QrpinError('ERR_DER_INVALID', `${where} is not valid DER: ${err.message}`, { cause: err });
  }
}

/**
 * Tries each format in turn on DER that {@link checkStructure} accepted (certificate, public key,
 * private key, then a request recognised by its shape); ERR_DER_INVALID when none fits.
 */
export function decodeDer(der: Uint8Array, where: string): Decoded {
  let firstError: unknown;
  for (const format of DER_LADDER) {
    try {
      return FORMATS[format].decode(buffer(der), where);
    } catch (err) {
      if (isMissingPassphrase(err)) throw encryptedKey(where, err);
      firstError ??= err;
    }
  }
  if (looksLikeCsr(der)) return { source: 'csr', key: readCsrPublicKey(der, where) };
  throw new QrpinError(
    'ERR_DER_INVALID',
    `${where} is DER but not a certificate, a public key (SPKI or PKCS#1), a private key ` +
      '(PKCS#8, PKCS#1 or SEC1) or a PKCS#10 certificate request',
    { cause: firstError },
  );
}

/** What DER content actually is, to explain a PEM label that does not match it. */
function identify(der: Uint8Array): string | undefined {
  try {
    const { source } = decodeDer(der, '');
    return source === 'csr' ? 'a certificate request' : `a ${source.replace('-', ' ')}`;
  } catch {
    return undefined;
  }
}

/**
 * Decodes a PEM block by its label; `undefined` for blocks that carry no key (EC PARAMETERS).
 * Refuses encrypted keys, DSA keys and labels qrpin does not read with coded errors.
 */
export function decodePemBlock(block: PemBlock, where: string): Decoded | undefined {
  const { label } = block;
  if (KEYLESS_LABELS.has(label)) return undefined;
  if (label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(block.headers.get('proc-type') ?? '')) {
    throw encryptedKey(where);
  }
  if (label === 'DSA PRIVATE KEY') {
    throw new QrpinError('ERR_KEY_UNSUPPORTED', `${where} holds a DSA key, which TLS clients do not accept`);
  }
  const format = PEM_LABELS[label];
  if (format === undefined) {
    throw new QrpinError(
      'ERR_PEM_INVALID',
      `${where} has a label qrpin does not read${LABEL_HINTS[label] ?? ''}; expected CERTIFICATE, ` +
        'PUBLIC KEY, RSA PUBLIC KEY, PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY or CERTIFICATE REQUEST',
    );
  }
  const { what, decode } = FORMATS[format];
  // A request's reader checks its own structure and raises ERR_CSR_INVALID.
  if (format === 'csr') return decode(buffer(block.der), where);
  // OpenSSL's TRUSTED CERTIFICATE appends trust settings after the certificate.
  const der = checkStructure(block.der, where, label === 'TRUSTED CERTIFICATE');
  try {
    return decode(buffer(der), where);
  } catch (err) {
    if (isMissingPassphrase(err)) throw encryptedKey(where, err);
    const actual = identify(der);
    const hint = actual === undefined ? '' : `; it holds ${actual}, so check its BEGIN/END label`;
    throw new QrpinError('ERR_DER_INVALID', `${where} does not hold ${what}${hint}`, { cause: err });
  }
}
