/**
 * Computes SPKI pins from whatever a person has at hand: certificates, public keys, private keys
 * or certificate requests, as PEM (one block or a whole bundle) or DER.
 *
 * Pinning can brick an app: pin the key in service today and at least one backup key held
 * offline, or the client cannot reach the server once the key is replaced.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7469#section-2.4 (RFC 7469, the SPKI fingerprint)
 */
import { QrpinError } from '../errors/qrpin-error.ts';
import { readCertificate } from './certificate.ts';
import type { CertificateFacts } from './certificate.ts';
import { buffer, checkStructure, decodeDer, decodePemBlock } from './decode.ts';
import type { Decoded } from './decode.ts';
import { readPublicKey, requireSupported } from './key.ts';
import type { KeyFacts, PinKeyType } from './key.ts';
import { nameBlock, readPemBlocks } from './pem.ts';
import type { Pin } from './pin.ts';

/** What a pin was computed from. */
export type PinSource = 'certificate' | 'public-key' | 'private-key' | 'csr';

/** One pin computed by {@link computePins}, with what is known about its key. */
export interface ComputedPin {
  /** The SHA-256 pin of the key's SubjectPublicKeyInfo. */
  readonly pin: Pin;
  /** What the pin was computed from; for a private key, the pin is that of its public half. */
  readonly source: PinSource;
  readonly keyType: PinKeyType;
  /** `RSA 2048`, `RSA-PSS 2048`, `EC P-256`, `Ed25519`, `Ed448`. */
  readonly keyDescription: string;
  /** Modulus length for RSA (reported, not judged: lint flags weak keys), field size for EC. */
  readonly bits?: number;
  /** `P-256`, `P-384` or `P-521` for EC keys. */
  readonly curve?: string;
  /** Certificates only: the subject, one line (`C=US, O=Acme, CN=api.example`). */
  readonly subject?: string;
  /** Certificates only: the issuer, one line. */
  readonly issuer?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly isCA?: boolean;
  /** Certificates only: issued by its own subject and signed by its own key. */
  readonly selfSigned?: boolean;
  /** 0-based position in the input: the PEM block's index (0 for DER). */
  readonly index: number;
  /** The caller's name for the input, from {@link ComputePinsOptions.label}. */
  readonly label?: string;
}

/** Options for {@link computePins}. */
export interface ComputePinsOptions {
  /** A name for the input (a file name, a host) copied into each result and error message. */
  readonly label?: string;
}

/**
 * The largest input {@link computePins} accepts, in bytes (1 MiB): far above any real bundle.
 *
 * @example
 * ```ts
 * if (bytes.byteLength > MAX_PIN_INPUT_BYTES) console.error(`${file} is too large for a PEM bundle`);
 * ```
 */
export const MAX_PIN_INPUT_BYTES = 1024 * 1024;

const PEM_START = '-----BEGIN ';
const SEQUENCE = 0x30;

function readFacts(decoded: Decoded, where: string): { key: KeyFacts; certificate?: CertificateFacts } {
  try {
    if (decoded.certificate === undefined) return { key: readPublicKey(decoded.key) };
    const certificate = readCertificate(decoded.certificate);
    return { key: certificate.key, certificate };
  } catch (err) {
    throw new QrpinError('ERR_DER_INVALID', `${where} holds a key OpenSSL cannot encode as SPKI`, {
      cause: err,
    });
  }
}

function toComputedPin(decoded: Decoded, where: string, index: number, label?: string): ComputedPin {
  const facts = readFacts(decoded, where);
  const key = requireSupported(facts.key, where);
  const certificate = facts.certificate;
  return {
    pin: key.pin,
    source: decoded.source,
    keyType: key.keyType,
    keyDescription: key.keyDescription,
    ...(key.bits !== undefined && { bits: key.bits }),
    ...(key.curve !== undefined && { curve: key.curve }),
    ...(certificate !== undefined && {
      subject: certificate.subject,
      issuer: certificate.issuer,
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      isCA: certificate.isCA,
      selfSigned: certificate.selfSigned,
    }),
    index,
    ...(label !== undefined && { label }),
  };
}

function checkSize(size: number, prefix: string): void {
  if (size > MAX_PIN_INPUT_BYTES) {
    throw new QrpinError(
      'ERR_INPUT_TOO_LARGE',
      `${prefix}the input is larger than 1 MiB (${MAX_PIN_INPUT_BYTES} bytes), the most qrpin computes pins from`,
    );
  }
}

/**
 * Computes the pin of every key in `input`: a PEM or DER certificate, a PEM bundle (one result
 * per block, in order, any mix of types), an SPKI or PKCS#1 public key, a PKCS#8, SEC1 or PKCS#1
 * private key (the pin of its public half), or a PKCS#10 certificate request (PEM or DER; its
 * self-signature must verify). DER is tried as a certificate, then a public key, then a private
 * key, then a request. Every pin is the SHA-256 of the SPKI DER that OpenSSL encodes for the
 * parsed key. `EC PARAMETERS` blocks, which carry no key, are skipped.
 *
 * Throws a {@link QrpinError}: ERR_INPUT_TOO_LARGE above 1 MiB; ERR_PEM_INVALID for text without
 * a PEM block, a malformed block or an unknown label; ERR_DER_INVALID for content that does not
 * parse; ERR_KEY_ENCRYPTED for an encrypted private key; ERR_KEY_UNSUPPORTED for keys TLS servers
 * cannot use (DSA, DH, X25519, X448, curves other than P-256/384/521); ERR_CSR_INVALID for a
 * malformed or tampered request. Messages name the block index and label.
 *
 * @example
 * ```ts
 * const [first] = computePins(readFileSync('server.pem', 'utf8'), { label: 'server.pem' });
 * first.pin.toString(); // 'sha256/…'
 * first.keyDescription; // 'EC P-256'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7469#section-2.4 (RFC 7469, the SPKI fingerprint)
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.7 (RFC 5280, SubjectPublicKeyInfo)
 * @see https://www.rfc-editor.org/rfc/rfc2986 (RFC 2986, PKCS#10 certificate requests)
 * @see https://www.rfc-editor.org/rfc/rfc7468 (RFC 7468, textual encodings)
 */
export function computePins(input: string | Uint8Array, options: ComputePinsOptions = {}): ComputedPin[] {
  const { label } = options;
  const prefix = label === undefined ? '' : `${label}: `;
  let text: string;
  let derError: QrpinError | undefined;
  if (typeof input === 'string') {
    // UTF-8 never takes fewer bytes than UTF-16 code units: skip encoding a string that is too long.
    checkSize(input.length > MAX_PIN_INPUT_BYTES ? input.length : Buffer.byteLength(input), prefix);
    text = input;
  } else if (input instanceof Uint8Array) {
    checkSize(input.byteLength, prefix);
    if (input[0] === SEQUENCE) {
      const where = `${prefix}the input`;
      try {
        checkStructure(input, where);
      } catch (err) {
        // Not DER after all: it may still be PEM text that happens to start with "0".
        if (!(err instanceof QrpinError)) throw err;
        derError = err;
      }
      if (derError === undefined) return [toComputedPin(decodeDer(input, where), where, 0, label)];
    }
    text = buffer(input).toString('utf8');
  } else {
    throw new QrpinError('ERR_USAGE', `computePins expects a string or a Uint8Array, got ${typeof input}`);
  }

  const blocks = readPemBlocks(text, prefix);
  if (blocks.length === 0) {
    if (derError !== undefined && !text.includes(PEM_START)) throw derError;
    const detail = text.trim() === '' ? 'the input is empty' : 'the input is neither PEM text nor DER';
    throw new QrpinError(
      'ERR_PEM_INVALID',
      `${prefix}no PEM block found (expected a line such as -----BEGIN CERTIFICATE-----): ${detail}`,
    );
  }
  const pins: ComputedPin[] = [];
  for (const block of blocks) {
    const where = `${prefix}${nameBlock(block.index, block.label)}`;
    const decoded = decodePemBlock(block, where);
    if (decoded !== undefined) pins.push(toComputedPin(decoded, where, block.index, label));
  }
  return pins;
}
