/**
 * Web URLs (`https:`, `http:`): parsed with the WHATWG URL parser, as every browser does, and
 * checked against the raw text too, because the parser normalises away the evidence of tricks
 * (credentials before an `@`, backslashes, percent-encoded or full-width hosts, hex IP addresses).
 *
 * @see https://url.spec.whatwg.org/
 */
import { analyseHost, type HostFacts } from './host.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { browserForm } from './lib/text.ts';

/** A web URL and what its host turned out to be. */
export interface WebUrl extends HostFacts {
  readonly url: URL;
  readonly scheme: 'https' | 'http';
}

interface RawParts {
  readonly slashes: string;
  /** The authority as the WHATWG parser delimits it (ends at `/`, `\`, `?`, `#`). */
  readonly authority: string;
  /** The authority as RFC 3986 parsers delimit it (ends at `/`, `?`, `#`; `\` is not special). */
  readonly rfcAuthority: string;
}

function rawParts(form: string): RawParts {
  const colon = form.indexOf(':');
  let i = colon + 1;
  while (i < form.length && (form[i] === '/' || form[i] === '\\')) i += 1;
  const slashes = form.slice(colon + 1, i);
  const rest = form.slice(i);
  const end = (stops: string): number => {
    for (let j = 0; j < rest.length; j += 1) if (stops.includes(rest[j] as string)) return j;
    return rest.length;
  };
  return { slashes, authority: rest.slice(0, end('/\\?#')), rfcAuthority: rest.slice(0, end('/?#')) };
}

/** The host part of an authority: after the last `@`, without the port. */
function hostOf(authority: string): string {
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    return close < 0 ? hostPort : hostPort.slice(0, close + 1);
  }
  const colon = hostPort.indexOf(':');
  return colon < 0 ? hostPort : hostPort.slice(0, colon);
}

/**
 * Parses and inspects a web URL, adding findings to `ctx`. `where` names it in messages
 * (`the URL`, `the intent's browser fallback URL` …). Undefined when no browser would open it.
 */
export function analyseWebUrl(text: string, where: string, ctx: QrContext): WebUrl | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const raw = rawParts(browserForm(text));

  if (raw.slashes.includes('\\')) {
    ctx.findings.add(
      'url-backslash',
      'block',
      `${where} writes ${quote(`${scheme}:${raw.slashes}`)} with a backslash: browsers read it as a slash and go to ` +
        `${url.host}, other software reads it differently; do not follow it`,
    );
  } else if (raw.slashes.length !== 2) {
    ctx.findings.add(
      'url-slashes',
      'warn',
      `${where} has ${raw.slashes.length} slashes after ${scheme}: instead of two: browsers still go to ${url.host}, ` +
        `other software may not; ask the code's owner to fix it`,
    );
  }
  if (raw.rfcAuthority.includes('\\')) {
    const otherHost = hostOf(raw.rfcAuthority);
    ctx.findings.add(
      'url-backslash',
      'block',
      `${where} has a backslash in its authority, ${quote(raw.rfcAuthority)}: browsers end the host at the backslash ` +
        `and go to ${url.host}, while other parsers read the host as ${quote(otherHost)}; do not follow it`,
    );
  }
  const at = raw.authority.lastIndexOf('@');
  if (at >= 0 || url.username !== '' || url.password !== '') {
    const userinfo = at >= 0 ? raw.authority.slice(0, at) : url.username;
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const password = colon >= 0 ? ' and a password' : '';
    ctx.findings.add(
      'url-credentials',
      'block',
      `${where} puts ${user === '' ? 'an empty user name' : quote(user)}${password} before an @, so it may read as ` +
        `that name, but the host it goes to is ${url.host}; do not follow it`,
    );
  }
  const facts = analyseHost(url, hostOf(raw.authority), where, ctx);
  if (scheme === 'http') {
    ctx.findings.add(
      'url-not-https',
      'warn',
      `${where} uses http:, so anyone on the network (café Wi-Fi, a captive portal) can read and change the page; ` +
        `a pinned journey refuses it — ask for the https: address`,
    );
  }
  if (url.port !== '') {
    ctx.findings.add('url-port', 'info', `${where} connects to port ${url.port}, not the ${scheme} default`);
  }
  return { ...facts, url, scheme };
}
