/**
 * E-mail: `mailto:a@example.com?subject=…&body=…&cc=…&bcc=…` (RFC 6068) and DoCoMo's
 * `MATMSG:TO:a@example.com;SUB:…;BODY:…;;`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6068
 */
import type { BodyOf } from './body.ts';
import { scanCharacters } from './characters.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { parseQuery, percentDecode, splitFields } from './lib/text.ts';

const ATTACHMENT_KEYS = new Set(['attach', 'attachment', 'attachments']);
const MAX_ADDRESSES = 32;

function addresses(list: string): string[] {
  return list
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

function finish(
  to: string[],
  cc: string[],
  bcc: string[],
  subject: string | undefined,
  body: string | undefined,
  ctx: QrContext,
): BodyOf<'mailto'> {
  const all = [...to, ...cc, ...bcc];
  scanCharacters(all.join(','), 'address', 'the e-mail address', ctx);
  if (subject !== undefined) scanCharacters(subject, 'display', 'the subject', ctx);
  if (body !== undefined) scanCharacters(body, 'display', 'the message', ctx);
  if (to.length + cc.length === 0) {
    ctx.findings.add('mailto-invalid', 'warn', 'the e-mail payload names no recipient');
  }
  const bad = all.find((a) => !/^[^@\s]+@[^@\s]+$/.test(a));
  if (bad !== undefined) {
    ctx.findings.add('mailto-invalid', 'warn', `the recipient ${quote(bad)} is not an e-mail address`);
  }
  if (bcc.length > 0) {
    ctx.findings.add(
      'mailto-hidden-recipient',
      'warn',
      `the e-mail is pre-filled with a blind copy to ${bcc.map((b) => quote(b)).join(', ')}: a hidden recipient reads ` +
        `what you send; remove it unless you expect it`,
    );
  }
  return {
    kind: 'mailto',
    to: to.slice(0, MAX_ADDRESSES),
    cc: cc.slice(0, MAX_ADDRESSES),
    bcc: bcc.slice(0, MAX_ADDRESSES),
    ...(subject === undefined ? {} : { subject }),
    ...(body === undefined ? {} : { body }),
  };
}

/** Parses a `mailto:` payload (browser form). */
export function parseMailto(form: string, ctx: QrContext): BodyOf<'mailto'> {
  const rest = form.slice('mailto:'.length);
  const question = rest.indexOf('?');
  const to = addresses(percentDecode(question < 0 ? rest : rest.slice(0, question)));
  const cc: string[] = [];
  const bcc: string[] = [];
  let subject: string | undefined;
  let body: string | undefined;
  for (const [rawKey, value] of parseQuery(question < 0 ? '' : rest.slice(question + 1))) {
    const key = rawKey.toLowerCase();
    if (key === 'to') to.push(...addresses(value));
    else if (key === 'cc') cc.push(...addresses(value));
    else if (key === 'bcc') bcc.push(...addresses(value));
    else if (key === 'subject') subject ??= value;
    else if (key === 'body') body ??= value;
    else if (ATTACHMENT_KEYS.has(key)) {
      ctx.findings.add(
        'mailto-attachment',
        'block',
        `the e-mail asks the mail client to attach ${quote(value)}: some clients attach local files silently ` +
          `(a way to steal them); do not open it`,
      );
    }
  }
  return finish(to, cc, bcc, subject, body, ctx);
}

/** Parses a `MATMSG:` payload (trimmed text). */
export function parseMatmsg(text: string, ctx: QrContext): BodyOf<'mailto'> {
  const { fields } = splitFields(text.slice('MATMSG:'.length));
  const to: string[] = [];
  let subject: string | undefined;
  let body: string | undefined;
  for (const [key, value] of fields) {
    if (key === 'TO') to.push(...addresses(value));
    else if (key === 'SUB') subject ??= value;
    else if (key === 'BODY') body ??= value;
  }
  return finish(to, [], [], subject, body, ctx);
}
