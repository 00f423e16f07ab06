// PKCS#10 certification requests (RFC 2986). node:crypto cannot parse them, so the DER is walked
// here, the SubjectPublicKeyInfo handed to OpenSSL, and the self-signature checked so that a
// tampered request never yields a pin. Internal; not exported from the package.
import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { QrpinError } from '../errors/qrpin-error.ts';
import {
  Tag,
  bitStringBytes,
  checkDer,
  contentOf,
  decodeOid,
  encodingOf,
  expectTag,
  readChildren,
} from '../lib/der.ts';
import type { DerElement } from '../lib/der.ts';

const ATTRIBUTES = 0xa0; // [0] IMPLICIT SET OF Attribute

interface SignatureAlgorithm {
  readonly name: string;
  /** The digest for crypto.verify; null for EdDSA, which hashes internally. */
  readonly digest: string | null;
  readonly keyType: string;
}

const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithm>> = {
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', digest: 'sha256', keyType: 'rsa' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', digest: 'sha384', keyType: 'rsa' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', digest: 'sha512', keyType: 'rsa' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', digest: 'sha256', keyType: 'ec' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', digest: 'sha384', keyType: 'ec' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', digest: 'sha512', keyType: 'ec' },
  '1.3.101.112': { name: 'Ed25519', digest: null, keyType: 'ed25519' },
  '1.3.101.113': { name: 'Ed448', digest: null, keyType: 'ed448' },
};

const KNOWN_UNVERIFIABLE: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
};

interface CsrParts {
  readonly info: Uint8Array;
  readonly spki: Uint8Array;
  readonly algorithm: string;
  readonly signature: Uint8Array;
}

/** The outer shape of a CertificationRequest, checked without judging its content. */
function splitCsr(der: Uint8Array, root: DerElement): CsrParts {
  expectTag(root, Tag.SEQUENCE, 'CertificationRequest SEQUENCE');
  const [infoElement, algorithmElement, signatureElement, extra] = readChildren(der, root, 4);
  const info = expectTag(infoElement, Tag.SEQUENCE, 'certificationRequestInfo SEQUENCE');
  const algorithm = expectTag(algorithmElement, Tag.SEQUENCE, 'signatureAlgorithm SEQUENCE');
  const signature = expectTag(signatureElement, Tag.BIT_STRING, 'signature BIT STRING');
  if (extra !== undefined) throw new QrpinError('ERR_DER_INVALID', 'unexpected element after the signature');

  const [version, subject, spki, attributes, more] = readChildren(der, info, 5);
  const versionContent = contentOf(der, expectTag(version, Tag.INTEGER, 'version INTEGER'));
  if (versionContent.length !== 1 || versionContent[0] !== 0) {
    throw new QrpinError('ERR_DER_INVALID', 'version is not 0 (v1), the only version RFC 2986 defines');
  }
  expectTag(subject, Tag.SEQUENCE, 'subject Name');
  const spkiElement = expectTag(spki, Tag.SEQUENCE, 'subjectPKInfo SEQUENCE');
  if (attributes !== undefined) expectTag(attributes, ATTRIBUTES, 'attributes [0]');
  if (more !== undefined) throw new QrpinError('ERR_DER_INVALID', 'unexpected element after the attributes');

  const [oid] = readChildren(der, algorithm, 2);
  return {
    info: encodingOf(der, info),
    spki: encodingOf(der, spkiElement),
    algorithm: decodeOid(contentOf(der, expectTag(oid, Tag.OBJECT_IDENTIFIER, 'signature algorithm OID'))),
    signature: bitStringBytes(der, signature),
  };
}

/**
 * True when `der` has the outer shape of a PKCS#10 request (SEQUENCE of an info SEQUENCE starting
 * with INTEGER 0, an algorithm and a BIT STRING), so a failure to read it is a CSR error rather
 * than "unrecognised DER".
 */
export function looksLikeCsr(der: Uint8Array): boolean {
  try {
    splitCsr(der, checkDer(der));
    return true;
  } catch {
    return false;
  }
}

function invalid(where: string, detail: string, cause?: unknown): never {
  throw new QrpinError('ERR_CSR_INVALID', `${where} is not a valid PKCS#10 certificate request: ${detail}`, {
    cause,
  });
}

function checkSignature(parts: CsrParts, key: KeyObject, where: string): void {
  const algorithm = SIGNATURE_ALGORITHMS[parts.algorithm];
  if (algorithm === undefined) {
    const name = KNOWN_UNVERIFIABLE[parts.algorithm] ?? `OID ${parts.algorithm}`;
    invalid(
      where,
      `its signature algorithm ${name} is not one qrpin can verify (RSA or ECDSA with SHA-256/384/512, ` +
        'Ed25519, Ed448); re-create the request with one of those',
    );
  }
  const keyType = key.asymmetricKeyType === 'rsa-pss' ? 'rsa' : key.asymmetricKeyType;
  if (keyType !== algorithm.keyType) {
    invalid(where, `it is signed with ${algorithm.name} but holds a ${keyType ?? 'unknown'} key`);
  }
  let valid: boolean;
  try {
    valid = verify(algorithm.digest, parts.info, key, parts.signature);
  } catch (err) {
    invalid(where, 'its signature does not verify (the request was altered or is corrupt)', err);
  }
  if (!valid) invalid(where, 'its signature does not verify (the request was altered or is corrupt)');
}

/**
 * Reads the public key of a DER PKCS#10 request after checking its structure and self-signature.
 * Every failure is ERR_CSR_INVALID naming `where` and what was wrong.
 *
 * @see https://www.rfc-editor.org/rfc/rfc2986#section-4 (RFC 2986, CertificationRequest)
 */
export function readCsrPublicKey(der: Uint8Array, where: string): KeyObject {
  let parts: CsrParts;
  try {
    parts = splitCsr(der, checkDer(der));
  } catch (err) {
    invalid(where, err instanceof QrpinError ? err.message : 'its DER does not parse', err);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(parts.spki), format: 'der', type: 'spki' });
  } catch (err) {
    invalid(where, 'its subjectPKInfo is not a public key OpenSSL can read', err);
  }
  checkSignature(parts, key, where);
  return key;
}
