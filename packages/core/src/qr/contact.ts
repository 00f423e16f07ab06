/** Checks shared by vCard and MeCard: the URLs a contact card carries. */
import { scanCharacters } from './characters.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { leadingScheme } from './lib/text.ts';
import { refusedScheme } from './scheme.ts';
import { analyseWebUrl } from './url.ts';

/** Most URLs checked per card: a card is not a way to make the classifier work for long. */
const MAX_URLS = 16;

/**
 * Adds findings for the URLs of a contact card. A refused scheme here is a `contact-dangerous-url`
 * finding rather than a refusal: nothing opens it on scan, a person would have to tap it.
 */
export function checkContactUrls(urls: readonly string[], ctx: QrContext): void {
  for (const url of urls.slice(0, MAX_URLS)) {
    const refused = refusedScheme(url);
    if (refused !== undefined) {
      ctx.findings.add(
        'contact-dangerous-url',
        'block',
        `the contact's URL ${quote(url, 40)} is a ${refused}: URL, which a QR code must never carry; do not save ` +
          `the contact as it is`,
      );
      continue;
    }
    const scheme = leadingScheme(url);
    if (scheme === 'https' || scheme === 'http') {
      scanCharacters(url, 'address', "the contact's URL", ctx);
      analyseWebUrl(url, "the contact's URL", ctx);
    }
  }
}
