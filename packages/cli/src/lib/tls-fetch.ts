/**
 * Connects to a TLS server and reads the chain it serves, for `qrpin pins fetch`.
 *
 * The handshake is made with normal validation against the system trust store (or `--ca`), and
 * the verdict is reported. The connection sends no application data: it only inspects. To show a
 * chain that fails validation (the case a person most needs to see) the handshake goes on and the
 * verdict is reported as a failure; nothing is trusted or pinned on that basis.
 */
import { connect, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { QrpinError } from '@qrpin/core';

/** What a server served and whether it validated. */
export interface FetchedChain {
  readonly host: string;
  readonly port: number;
  readonly servername: string;
  readonly address: string;
  /** The certificates as served, leaf first (without the trust anchor unless the server sent it). */
  readonly served: readonly X509Certificate[];
  /** True when the chain validated for `servername` against the trust store used. */
  readonly validated: boolean;
  /** Why validation failed (OpenSSL's code and text). */
  readonly validationError?: string | undefined;
  readonly protocol: string | null;
  readonly cipher: string;
}

/** Options of {@link fetchChain}. */
export interface FetchChainOptions {
  readonly host: string;
  readonly port: number;
  /** SNI and the name the certificate must match; defaults to host. */
  readonly servername?: string | undefined;
  /** Connect to this address instead of resolving host (like curl's --connect-to). */
  readonly connectAddress?: string | undefined;
  /** PEM trust anchors replacing the system store (plus Node's bundled roots when `extendDefault`). */
  readonly ca?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

/** Connects, completes the TLS handshake, and returns the served chain and the validation verdict. */
export async function fetchChain(options: FetchChainOptions): Promise<FetchedChain> {
  const servername = options.servername ?? options.host;
  const address = options.connectAddress ?? options.host;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const s = connect({
      host: address,
      port: options.port,
      servername: /^[\d.]+$|:/.test(servername) ? undefined : servername,
      ca: options.ca ?? [...rootCertificates],
      // Inspection only: the verdict below is reported, never acted on as trust.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        new QrpinError(
          'ERR_FETCH_FAILED',
          `${servername}:${options.port}: no TLS handshake within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new QrpinError(
          'ERR_FETCH_FAILED',
          `${servername}:${options.port} (${address}): ${describeSocketError(err)}`,
          {
            cause: err,
          },
        ),
      );
    });
  });
  try {
    const served = servedChain(socket);
    let validationError: string | undefined;
    if (!socket.authorized) {
      validationError = describeValidationError(String(socket.authorizationError ?? 'unknown'), servername);
    } else {
      const leaf = served[0];
      const hostError = leaf === undefined ? 'no certificate' : hostMismatch(leaf, servername);
      if (hostError !== undefined) validationError = hostError;
    }
    return {
      host: options.host,
      port: options.port,
      servername,
      address: socket.remoteAddress ?? address,
      served,
      validated: validationError === undefined,
      validationError,
      protocol: socket.getProtocol(),
      cipher: socket.getCipher().name,
    };
  } finally {
    socket.destroy();
  }
}

function servedChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert: PeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert !== undefined && cert.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    const next: PeerCertificate | undefined = (
      cert as PeerCertificate & { issuerCertificate?: PeerCertificate }
    ).issuerCertificate;
    cert = next;
  }
  return chain;
}

function hostMismatch(leaf: X509Certificate, servername: string): string | undefined {
  const ok = /^[\d.]+$/.test(servername) ? leaf.checkIP(servername) : leaf.checkHost(servername);
  return ok === undefined ? `the certificate is not valid for ${servername}` : undefined;
}

const VALIDATION_ERRORS: Record<string, string> = {
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the chain does not lead to a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the chain does not lead to a trusted CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain does not lead to a trusted CA (intermediate missing?)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root that is not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server presents a self-signed certificate that is not trusted',
  CERT_HAS_EXPIRED: 'a certificate of the chain has expired',
  CERT_NOT_YET_VALID: 'a certificate of the chain is not valid yet',
};

function describeValidationError(code: string, servername: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the certificate is not valid for ${servername} (${code})`;
  const text = VALIDATION_ERRORS[code];
  return text === undefined ? code : `${text} (${code})`;
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNRESET':
      return 'the connection was reset during the handshake';
    default:
      return err.code === undefined ? err.message : `${err.code}: ${err.message}`;
  }
}
