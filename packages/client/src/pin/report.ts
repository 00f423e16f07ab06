/**
 * What the dispatcher tells `onPinFailure` when a connection's validated chain carries none of
 * the pins configured for its host.
 */
import type { ChainCertificate } from './chain.ts';

/** One pin failure, in enforce and report mode alike. Plain data: it serialises to JSON as is. */
export interface PinFailureReport {
  /** The host name the certificate was validated for (the TLS server name). */
  readonly host: string;
  readonly port: number;
  /** The policy pattern whose pins applied, e.g. `**.example.com`. */
  readonly pattern: string;
  /** The validated chain, leaf first; empty when none was available (see {@link PinMismatchError}). */
  readonly chain: readonly ChainCertificate[];
  /** Every pin configured for the host: in service first, then backups. */
  readonly pins: readonly string[];
  /** The backup pins among {@link PinFailureReport.pins}. */
  readonly backupPins: readonly string[];
  /** The host's configured mode. */
  readonly mode: 'enforce' | 'report';
  /** True when the connection was refused; false in report mode or for an expired pinset. */
  readonly enforced: boolean;
  /** True when the host's pinset had expired, so it was reported but not enforced. */
  readonly expired: boolean;
  /** The pinset's expiry date (`YYYY-MM-DD`), if it has one. */
  readonly expires?: string | undefined;
  /** True when the TLS session was resumed (checked against the chain of the handshake that made it). */
  readonly sessionReused: boolean;
  /** The proxy the connection tunnelled through (`http://host:port`, no credentials), if any. */
  readonly proxy?: string | undefined;
  /** When it happened, ISO 8601, from the dispatcher's `now()`. */
  readonly date: string;
  /** The OkHttp-style description ({@link formatPinFailure}). */
  readonly message: string;
}

/** The parts of a report the message is made of. */
export type PinFailureFacts = Pick<
  PinFailureReport,
  'host' | 'chain' | 'pins' | 'backupPins' | 'enforced' | 'expired' | 'expires' | 'mode'
>;

/**
 * Formats a pin failure the way OkHttp's `CertificatePinner` does, so a reader sees at once
 * which key changed: every certificate of the validated chain with its pin, subject and issuer,
 * then the pins configured for the host, then what to do.
 *
 * @example
 * ```text
 * Certificate pinning failure for promo.example.com!
 *   Peer certificate chain:
 *     sha256/ZNVXk3d0c3sxH/Ewpz7E3TtPMfDtTd4fZxVNpNjYCWQ=: CN=promo.example.com, issued by CN=Example CA
 *     sha256/Y9mvm0exBk1JoQ57f9Vm28jKo5lFm/woKcVxrYxu80o=: CN=Example CA, issued by CN=Example CA
 *   Pinned certificates for promo.example.com:
 *     sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=
 *     sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg= (backup)
 *   Check the keys the host serves with `qrpin pins fetch promo.example.com`; …
 * ```
 */
export function formatPinFailure(facts: PinFailureFacts): string {
  const backups = new Set(facts.backupPins);
  const lines = [`Certificate pinning failure for ${facts.host}!`, '  Peer certificate chain:'];
  if (facts.chain.length === 0) {
    lines.push('    (none: no validated certificate chain is known for this connection)');
  }
  for (const cert of facts.chain) {
    lines.push(`    ${cert.pin}: ${cert.subject}, issued by ${cert.issuer}`);
  }
  lines.push(`  Pinned certificates for ${facts.host}:`);
  for (const pin of facts.pins) lines.push(`    ${pin}${backups.has(pin) ? ' (backup)' : ''}`);
  if (!facts.enforced) {
    lines.push(
      facts.expired
        ? `  Not enforced: the pinset expired after ${facts.expires ?? 'its expiry date'}; the connection went ahead.`
        : '  Not enforced: the host is in report mode; the connection went ahead.',
    );
  }
  lines.push(
    `  Check the keys the host serves with \`qrpin pins fetch ${facts.host}\`: if the key changed on purpose, ship a policy that pins it (promote a backup pin); otherwise this connection may be intercepted.`,
  );
  return lines.join('\n');
}
