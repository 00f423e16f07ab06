/**
 * One-time-password enrolment: `otpauth://totp/Issuer:account?secret=…&issuer=…` (Google
 * Authenticator's key URI format) and authenticator exports (`otpauth-migration://offline?data=…`).
 *
 * The secret is never copied into the result or a message: a QR code that carries one is a
 * credential, and classification results get logged.
 *
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
import type { BodyOf } from './body.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { parseQuery, percentDecode } from './lib/text.ts';

const BASE32 = /^[A-Za-z2-7]+=*$/;

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}

/** Parses an `otpauth:` or `otpauth-migration:` payload (browser form). */
export function parseOtpauth(form: string, scheme: string, ctx: QrContext): BodyOf<'otpauth'> {
  const rest = form.slice(scheme.length + 1);
  const question = rest.indexOf('?');
  const pathPart = question < 0 ? rest : rest.slice(0, question);
  const params = parseQuery(question < 0 ? '' : rest.slice(question + 1));
  const param = (key: string): string | undefined => params.find(([k]) => k.toLowerCase() === key)?.[1];
  const hasAuthority = pathPart.startsWith('//');
  const afterSlashes = hasAuthority ? pathPart.slice(2) : pathPart;
  const slash = afterSlashes.indexOf('/');

  if (scheme === 'otpauth-migration') {
    const data = param('data');
    const hasSecret = data !== undefined && data !== '';
    if (hasSecret) {
      ctx.findings.add(
        'otpauth-secret',
        'warn',
        'the payload is an authenticator export: it carries the secrets of one or more accounts, and whoever scans ' +
          'or photographs it can produce all their codes; import it only into your own authenticator and never share it',
      );
    } else {
      ctx.findings.add('otpauth-malformed', 'warn', 'the authenticator export carries no data');
    }
    return { kind: 'otpauth', type: 'migration', label: '', hasSecret };
  }

  const type = (slash < 0 ? afterSlashes : afterSlashes.slice(0, slash)).toLowerCase();
  const label = slash < 0 ? '' : percentDecode(afterSlashes.slice(slash + 1));
  const colon = label.indexOf(':');
  const labelIssuer = colon < 0 ? undefined : label.slice(0, colon).trim();
  const account = (colon < 0 ? label : label.slice(colon + 1)).trim();
  const issuer = param('issuer');
  const secret = param('secret');
  const hasSecret = secret !== undefined && secret !== '';
  const algorithm = param('algorithm')?.toUpperCase();
  const digits = positiveInteger(param('digits'));
  const period = positiveInteger(param('period'));
  const counter = positiveInteger(param('counter'));
  const who = label === '' ? 'an unnamed account' : quote(label);

  if (hasSecret) {
    ctx.findings.add(
      'otpauth-secret',
      'warn',
      `the payload carries the one-time-password secret of ${who}: whoever scans or photographs it can produce its ` +
        `codes; add it only to your own authenticator, and never log or share it`,
    );
  }
  const problems: string[] = [];
  if (!hasAuthority) problems.push('it does not start with otpauth://');
  if (type !== 'totp' && type !== 'hotp')
    problems.push(`its type ${quote(type, 20)} is neither totp nor hotp`);
  if (secret === undefined || secret === '') problems.push('it has no secret');
  else if (secret.length > 1024 || !BASE32.test(secret)) problems.push('its secret is not base32');
  if (type === 'hotp' && counter === undefined) problems.push('an hotp key needs a counter');
  if (problems.length > 0) {
    ctx.findings.add(
      'otpauth-malformed',
      'warn',
      `the one-time-password payload is malformed: ${problems.join('; ')}`,
    );
  }
  if (labelIssuer !== undefined && labelIssuer !== '' && issuer !== undefined && issuer !== labelIssuer) {
    ctx.findings.add(
      'otpauth-issuer-mismatch',
      'warn',
      `the label says the issuer is ${quote(labelIssuer)} but the issuer parameter says ${quote(issuer)}: check who ` +
        `is enrolling you before you add it`,
    );
  }
  return {
    kind: 'otpauth',
    type,
    label,
    ...(issuer === undefined && labelIssuer === undefined ? {} : { issuer: issuer ?? labelIssuer }),
    ...(account === '' ? {} : { account }),
    ...(algorithm === undefined ? {} : { algorithm }),
    ...(digits === undefined ? {} : { digits }),
    ...(period === undefined ? {} : { period }),
    ...(counter === undefined ? {} : { counter }),
    hasSecret,
  };
}
