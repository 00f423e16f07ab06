/**
 * Android intent URLs, as Chrome and Android's `Intent.parseUri` read them:
 * `intent://HOST/PATH#Intent;scheme=…;package=…;action=…;S.browser_fallback_url=…;end`.
 *
 * @see https://developer.chrome.com/docs/android/intents
 */
import type { BodyOf } from './body.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { leadingScheme, percentDecode } from './lib/text.ts';
import { assertNoRefusedScheme } from './scheme.ts';
import { analyseWebUrl } from './url.ts';

const MARKER = '#Intent;';
const FIELDS = new Set(['scheme', 'package', 'action', 'category', 'component']);

/** Parses an `intent:` payload (browser form: tabs and line breaks already removed). */
export function parseIntent(form: string, ctx: QrContext): BodyOf<'android-intent'> {
  const body = form.slice('intent:'.length);
  const marker = body.indexOf(MARKER);
  const target = marker < 0 ? body : body.slice(0, marker);
  const fields: Record<string, string> = {};
  const extras: Record<string, string> = {};
  let fallback: string | undefined;
  let ended = false;
  if (marker >= 0) {
    for (const part of body.slice(marker + MARKER.length).split(';')) {
      if (part === 'end') {
        ended = true;
        break;
      }
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const key = part.slice(0, eq);
      const value = percentDecode(part.slice(eq + 1));
      if (key === 'S.browser_fallback_url') fallback = value;
      else if (FIELDS.has(key)) fields[key] = value;
      else if (/^[SBbcdfils]\.[^=]+$/.test(key) && Object.keys(extras).length < 64) extras[key] = value;
    }
  }
  if (marker < 0 || !ended) {
    ctx.findings.add(
      'intent-malformed',
      'warn',
      `the intent URL has no ${marker < 0 ? `"${MARKER}" section` : '";end" terminator'}: Android will not parse it ` +
        `as an intent; ask the code's owner to fix it`,
    );
  }
  const scheme = fields['scheme'];
  if (scheme !== undefined) {
    assertNoRefusedScheme(`${scheme}:${target}`, "the intent's data URL");
    if (scheme === 'https' || scheme === 'http')
      analyseWebUrl(`${scheme}:${target}`, "the intent's data URL", ctx);
  }
  let browserFallbackUrl: string | undefined;
  if (fallback !== undefined) {
    const where = "the intent's browser fallback URL";
    assertNoRefusedScheme(fallback, where);
    const fallbackScheme = leadingScheme(fallback);
    if (
      (fallbackScheme === 'https' || fallbackScheme === 'http') &&
      analyseWebUrl(fallback, where, ctx) !== undefined
    ) {
      browserFallbackUrl = fallback;
    } else {
      ctx.findings.add(
        'intent-fallback-not-web',
        'warn',
        `${where}, ${quote(fallback)}, is not an http(s) URL: Chrome ignores it, so the intent has no web fallback`,
      );
    }
  }
  if (fields['package'] === undefined) {
    ctx.findings.add(
      'intent-no-package',
      'info',
      `the intent names no package: any installed app that handles ${scheme === undefined ? 'it' : `${quote(scheme)} links`} may answer it`,
    );
  }
  const extraKeys = Object.keys(extras);
  if (extraKeys.length > 0) {
    ctx.findings.add(
      'intent-extras',
      'info',
      `the intent hands ${extraKeys.length} extra value${extraKeys.length === 1 ? '' : 's'} to the app (${extraKeys
        .slice(0, 5)
        .map((k) => quote(k, 30))
        .join(', ')}${extraKeys.length > 5 ? ', …' : ''}): the app must treat them as untrusted input`,
    );
  }
  return {
    kind: 'android-intent',
    target,
    ...(scheme === undefined ? {} : { scheme }),
    ...(fields['package'] === undefined ? {} : { package: fields['package'] }),
    ...(fields['action'] === undefined ? {} : { action: fields['action'] }),
    ...(fields['category'] === undefined ? {} : { category: fields['category'] }),
    ...(fields['component'] === undefined ? {} : { component: fields['component'] }),
    ...(browserFallbackUrl === undefined ? {} : { browserFallbackUrl }),
    extras,
  };
}
