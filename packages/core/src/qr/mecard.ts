/**
 * MeCards, NTT DoCoMo's compact contact format: `MECARD:N:Doe,John;TEL:+15550100;EMAIL:…;URL:…;;`,
 * with `\` escaping `; , : \` in values.
 *
 * @see https://github.com/zxing/zxing/wiki/Barcode-Contents#contact-information
 */
import type { BodyOf } from './body.ts';
import { checkContactUrls } from './contact.ts';
import type { QrContext } from './lib/collector.ts';
import { splitFields } from './lib/text.ts';

const MAX_VALUES = 32;

/** Parses a `MECARD:` payload (trimmed text, known to start with it ignoring case). */
export function parseMecard(text: string, ctx: QrContext): BodyOf<'mecard'> {
  const { fields } = splitFields(text.slice('MECARD:'.length));
  let name: string | undefined;
  let organization: string | undefined;
  const tel: string[] = [];
  const email: string[] = [];
  const url: string[] = [];
  for (const [key, value] of fields) {
    const v = value.trim();
    if (key === 'N' && name === undefined) {
      const comma = v.indexOf(',');
      name = comma < 0 ? v : `${v.slice(comma + 1).trim()} ${v.slice(0, comma).trim()}`.trim();
    } else if (key === 'ORG') organization ??= v;
    else if ((key === 'TEL' || key === 'TEL-AV') && tel.length < MAX_VALUES) tel.push(v);
    else if (key === 'EMAIL' && email.length < MAX_VALUES) email.push(v);
    else if (key === 'URL' && url.length < MAX_VALUES) url.push(v);
  }
  if (name === undefined || name === '') {
    ctx.findings.add('contact-malformed', 'warn', 'the MeCard has no name (N:): contacts apps may refuse it');
  }
  checkContactUrls(url, ctx);
  return {
    kind: 'mecard',
    ...(name === undefined || name === '' ? {} : { name }),
    ...(organization === undefined || organization === '' ? {} : { organization }),
    tel,
    email,
    url,
  };
}
