/**
 * Text messages: `sms:+15550100,+15550101?body=…` (RFC 5724, with the iOS `&body=` variant),
 * and the older `SMSTO:number:body` (and `mms:`/`MMSTO:`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc5724
 */
import type { BodyOf } from './body.ts';
import { scanCharacters } from './characters.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { parseQuery, percentDecode } from './lib/text.ts';
import { checkNumber } from './tel.ts';

/** Parses an SMS payload. `form` is the browser form for `sms:`/`mms:`, the trimmed text for `SMSTO:`/`MMSTO:`. */
export function parseSms(form: string, scheme: string, ctx: QrContext): BodyOf<'sms'> {
  const rest = form.slice(scheme.length + 1);
  let recipientsPart: string;
  let body: string | undefined;
  if (scheme === 'smsto' || scheme === 'mmsto') {
    const colon = rest.indexOf(':');
    recipientsPart = colon < 0 ? rest : rest.slice(0, colon);
    body = colon < 0 ? undefined : rest.slice(colon + 1);
  } else {
    let split = rest.indexOf('?');
    if (split < 0) split = rest.indexOf('&');
    recipientsPart = percentDecode(split < 0 ? rest : rest.slice(0, split));
    const query = split < 0 ? '' : rest.slice(split + 1);
    body = parseQuery(query).find(([key]) => key.toLowerCase() === 'body')?.[1];
  }
  const recipients = recipientsPart
    .split(',')
    .map((r) => r.replace(/;$/, '').trim())
    .filter((r) => r !== '')
    .slice(0, 32);
  scanCharacters(recipients.join(','), 'address', 'the recipient', ctx);
  if (body !== undefined) scanCharacters(body, 'display', 'the message', ctx);
  if (recipients.length === 0) {
    ctx.findings.add('tel-invalid', 'warn', 'the SMS payload names no recipient');
  }
  for (const recipient of recipients) {
    checkNumber(recipient, 'the recipient', ctx);
    const digits = recipient.replace(/[^0-9]/g, '');
    if (
      !recipient.includes('+') &&
      digits.length >= 3 &&
      digits.length <= 6 &&
      digits.length === recipient.replace(/[ .\-()]/g, '').length
    ) {
      ctx.findings.add(
        'sms-short-code',
        'warn',
        `the message goes to ${quote(recipient)}, a short code: premium-rate services use them, and one pre-filled ` +
          `message can start a paid subscription; check the price before sending`,
      );
    }
  }
  return body === undefined ? { kind: 'sms', scheme, recipients } : { kind: 'sms', scheme, recipients, body };
}
