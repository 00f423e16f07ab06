/**
 * Phone numbers: `tel:` (RFC 3966) and the recipients of `sms:`/`SMSTO:`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc3966
 */
import type { BodyOf } from './body.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { percentDecode } from './lib/text.ts';

const VALID = /^[0-9+()\-. pPwW*#]+$/;

/** Adds `tel-ussd` and `tel-invalid` findings for one number; `where` names it. */
export function checkNumber(number: string, where: string, ctx: QrContext): void {
  if (number.includes('*') || number.includes('#')) {
    ctx.findings.add(
      'tel-ussd',
      'block',
      `${where}, ${quote(number, 40)}, holds * or #: it dials a USSD/MMI code, which can change phone settings ` +
        `(call forwarding, SIM PIN, on some phones a factory reset) instead of calling anyone; do not dial it`,
    );
  }
  if (!VALID.test(number) || !/[0-9]/.test(number)) {
    ctx.findings.add('tel-invalid', 'warn', `${where}, ${quote(number, 40)}, is not a phone number`);
  }
}

/** Parses a `tel:` payload (browser form). */
export function parseTel(form: string, ctx: QrContext): BodyOf<'tel'> {
  const rest = form.slice('tel:'.length);
  const semicolon = rest.indexOf(';');
  const number = percentDecode(semicolon < 0 ? rest : rest.slice(0, semicolon));
  checkNumber(number, 'the number', ctx);
  return { kind: 'tel', number };
}
