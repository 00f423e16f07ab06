/**
 * Custom-scheme deep links (`myapp://offer/42`, `myapp:offer`). Any app can register any custom
 * scheme, so the app that opens one is not necessarily the one the code's owner meant: verified
 * https links (Android App Links, iOS Universal Links) are the safe form.
 */
import type { BodyOf } from './body.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { leadingScheme, parseQuery } from './lib/text.ts';
import { assertNoRefusedScheme } from './scheme.ts';
import { analyseWebUrl } from './url.ts';

const FALLBACK_KEYS = ['fallback_url', 'fallbackUrl', 'fallback', 'browser_fallback_url'];

/** Schemes that install software from outside an app store. */
const APP_INSTALL: ReadonlyMap<string, string> = new Map([
  ['itms-services', 'installs an iOS app signed with an enterprise certificate, outside the App Store'],
  [
    'ms-appinstaller',
    'installs a Windows app package from the web (abused to spread malware; disabled by Microsoft in 2023)',
  ],
]);

/** Operating-system handlers with a record of remote-code-execution bugs. */
const DANGEROUS_HANDLERS: ReadonlyMap<string, string> = new Map([
  ['ms-msdt', 'the Windows support diagnostic tool (CVE-2022-30190, "Follina")'],
  ['search-ms', 'Windows search over remote shares (used to deliver malware)'],
  ['search', 'Windows search over remote shares (used to deliver malware)'],
  ['ms-officecmd', 'Microsoft Office launch commands (remote code execution, 2021)'],
  ['ms-cxh-full', 'Windows account setup screens'],
]);

/**
 * True for schemes worth a finding even when the payload holds spaces (which otherwise make it
 * text): the handlers above take arguments separated by spaces.
 */
export function isRiskyScheme(scheme: string): boolean {
  return APP_INSTALL.has(scheme) || DANGEROUS_HANDLERS.has(scheme);
}

/** Parses a deep link whose scheme is already known not to be refused or handled elsewhere. */
export function parseDeepLink(form: string, scheme: string, ctx: QrContext): BodyOf<'deep-link'> {
  assertNoRefusedScheme(form, 'the payload');
  const target = form.slice(scheme.length + 1);
  const question = target.indexOf('?');
  let fallbackUrl: string | undefined;
  if (question >= 0) {
    const hash = target.indexOf('#', question);
    const query = target.slice(question + 1, hash < 0 ? undefined : hash);
    const pair = parseQuery(query).find(([key]) => FALLBACK_KEYS.includes(key));
    if (pair !== undefined) {
      const where = `the deep link's fallback URL`;
      assertNoRefusedScheme(pair[1], where);
      const fallbackScheme = leadingScheme(pair[1]);
      if (
        (fallbackScheme === 'https' || fallbackScheme === 'http') &&
        analyseWebUrl(pair[1], where, ctx) !== undefined
      ) {
        fallbackUrl = pair[1];
      }
    }
  }
  const install = APP_INSTALL.get(scheme);
  const handler = DANGEROUS_HANDLERS.get(scheme);
  if (install !== undefined) {
    ctx.findings.add(
      'deep-link-app-install',
      'block',
      `the payload's ${scheme}: link ${install}: a QR code must not install software; do not follow it`,
    );
  } else if (handler !== undefined) {
    ctx.findings.add(
      'deep-link-dangerous-handler',
      'block',
      `the payload's ${scheme}: link opens ${handler}; do not follow it`,
    );
  } else {
    ctx.findings.add(
      'deep-link-unverified',
      'info',
      `the payload opens whichever app claims the ${quote(scheme)} scheme, and any app can claim it; ` +
        `verified https links (App Links, Universal Links) are the form to trust`,
    );
  }
  return fallbackUrl === undefined
    ? { kind: 'deep-link', scheme, target }
    : { kind: 'deep-link', scheme, target, fallbackUrl };
}
