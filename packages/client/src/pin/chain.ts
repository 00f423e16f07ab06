/**
 * The certificate chain a pin is checked against: the one that certificate validation built,
 * never the list of certificates the server happened to send.
 *
 * Node's `getPeerCertificate(true)` starts at the server's certificate and follows
 * `issuerCertificate` links that OpenSSL finds by issuer matching, first among the certificates
 * the server sent and then in the trust store. A certificate the server merely appended and that
 * issued nothing on that path is not in it. Issuer matching compares names and key identifiers
 * but not signatures, so each link is also verified here: a certificate that did not sign its
 * child ends the chain, and with it every pin above it.
 *
 * Pins are computed from the parsed key (`X509Certificate.publicKey` exported as SPKI DER),
 * never from `getPeerCertificate().pubkey`, which for EC keys is the bare point.
 *
 * Two traps of Node's client-side API (seen on Node 24), both avoided here:
 * - `getPeerX509Certificate().issuerCertificate` follows the certificates in the order the
 *   server sent them, appended extras included: it is not the validated chain;
 * - `getPeerX509Certificate()` takes the certificates out of the connection: after one call,
 *   it and `getPeerCertificate()` return nothing. So the leaf is taken from the top of
 *   `getPeerCertificate(true)` (the same certificate), and `getPeerX509Certificate()` is never called.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7469#section-2.6 (RFC 7469, validating pinned connections)
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { Pin } from '@qrpin/core';
import { BoundedMap } from '../lib/bounded-map.ts';

/** One certificate of a validated chain, as reports and errors show it. */
export interface ChainCertificate {
  /** The SPKI pin of the certificate's key, `sha256/…`. */
  readonly pin: string;
  /** The subject, most specific part first (`CN=www.example.com, O=Example`). */
  readonly subject: string;
  /** The issuer, in the same form. */
  readonly issuer: string;
}

/** The longest chain followed; deeper chains are cut (their upper pins do not count). */
export const MAX_CHAIN_DEPTH = 10;

interface Parsed {
  readonly summary: ChainCertificate;
  readonly x509: X509Certificate;
}

/**
 * Reads validated chains from TLS sockets (internal). Parsed certificates and verified issuer
 * links are cached by SHA-256 fingerprint, so a connection to a known server costs no parsing
 * or signature verification.
 */
export class ChainReader {
  readonly #parsed = new BoundedMap<string, Parsed>(512);
  readonly #links = new BoundedMap<string, boolean>(512);

  /** The validated chain of a freshly handshaken socket, leaf first; empty if it has none. */
  read(socket: TLSSocket): ChainCertificate[] {
    return this.fromPeerCertificate(socket.getPeerCertificate(true));
  }

  /**
   * Follows the `issuerCertificate` links of a peer certificate, leaf first, stopping at a
   * self-issued certificate, at a link whose signature does not verify or whose issuer is
   * outside its validity period, or at {@link MAX_CHAIN_DEPTH}.
   */
  fromPeerCertificate(top: DetailedPeerCertificate | undefined, now = Date.now()): ChainCertificate[] {
    const chain: ChainCertificate[] = [];
    let current: DetailedPeerCertificate | undefined = top;
    let child: Parsed | undefined;
    while (current !== undefined && Buffer.isBuffer(current.raw) && chain.length < MAX_CHAIN_DEPTH) {
      const parsed = this.#parse(current);
      if (child !== undefined && !this.#issued(parsed, child, now)) break;
      chain.push(parsed.summary);
      const next: DetailedPeerCertificate | undefined = current.issuerCertificate;
      if (next === undefined || next === current || next.fingerprint256 === current.fingerprint256) break;
      child = parsed;
      current = next;
    }
    return chain;
  }

  #parse(cert: DetailedPeerCertificate): Parsed {
    const key = cert.fingerprint256;
    const known = this.#parsed.get(key);
    if (known !== undefined) return known;
    const x509 = new X509Certificate(cert.raw);
    const pin = Pin.fromSpki(x509.publicKey.export({ type: 'spki', format: 'der' }));
    const parsed: Parsed = {
      x509,
      summary: { pin: pin.toString(), subject: formatName(x509.subject), issuer: formatName(x509.issuer) },
    };
    this.#parsed.set(key, parsed);
    return parsed;
  }

  #issued(issuer: Parsed, child: Parsed, now: number): boolean {
    if (now < issuer.x509.validFromDate.getTime() || now > issuer.x509.validToDate.getTime()) return false;
    const key = `${child.x509.fingerprint256}>${issuer.x509.fingerprint256}`;
    let ok = this.#links.get(key);
    if (ok === undefined) {
      ok = child.x509.checkIssued(issuer.x509) && child.x509.verify(issuer.x509.publicKey);
      this.#links.set(key, ok);
    }
    return ok;
  }
}

/**
 * Turns Node's one-attribute-per-line distinguished name (`O=Example\nCN=www.example.com`)
 * into the one-line form OkHttp prints, most specific first (`CN=www.example.com, O=Example`),
 * with control characters escaped: names come from the peer and end up in logs and terminals.
 */
export function formatName(name: string): string {
  return name
    .split('\n')
    .filter((part) => part.length > 0)
    .reverse()
    .join(', ')
    .replace(
      /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
}
