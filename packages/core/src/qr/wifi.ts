/**
 * Wi-Fi network configuration, the ZXing format every phone camera reads:
 * `WIFI:T:WPA;S:ssid;P:password;H:true;;`, with `\` escaping `; , : " \` in values.
 *
 * The password is returned (joining the network is the point) but never repeated in a finding.
 *
 * @see https://github.com/zxing/zxing/wiki/Barcode-Contents#wi-fi-network-config-android-ios-11
 * @see https://www.wi-fi.org/system/files/WPA3%20Specification%20v3.2.pdf (section 7, QR code format)
 */
import type { BodyOf } from './body.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { splitFields } from './lib/text.ts';
import type { QrWifiSecurity } from './types.ts';

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function securityOf(type: string): QrWifiSecurity {
  switch (type.toUpperCase()) {
    case '':
    case 'NOPASS':
    case 'NONE':
      return 'nopass';
    case 'WPA':
    case 'WPA2':
    case 'WPA/WPA2':
    case 'WPA2/WPA3':
      return 'WPA';
    case 'SAE':
    case 'WPA3':
      return 'SAE';
    case 'WPA2-EAP':
    case 'WPA3-EAP':
    case 'EAP':
      return 'WPA2-EAP';
    case 'WEP':
      return 'WEP';
    default:
      return 'unknown';
  }
}

/** Parses a `WIFI:` payload (already known to start with it, ignoring case). */
export function parseWifi(text: string, ctx: QrContext): BodyOf<'wifi'> {
  const { fields } = splitFields(text.slice('WIFI:'.length));
  const get = (key: string): string | undefined => fields.find(([k]) => k === key)?.[1];
  const ssid = unquote(get('S') ?? '');
  const type = get('T') ?? '';
  const password = get('P');
  const security = securityOf(type);
  const hidden = (get('H') ?? '').toLowerCase() === 'true';
  const eapMethod = get('E');
  const name = ssid === '' ? 'the network' : `the network ${quote(ssid)}`;

  if (ssid === '') {
    ctx.findings.add(
      'wifi-malformed',
      'warn',
      'the Wi-Fi payload has no network name (S:); phones will not join it',
    );
  }
  if (security === 'nopass') {
    ctx.findings.add(
      'wifi-open',
      'warn',
      `the payload joins ${name}, an open network: anyone nearby can read the traffic or set up a network of the same ` +
        `name; only pinned, https traffic stays safe on it`,
    );
  } else if (security === 'WEP') {
    ctx.findings.add(
      'wifi-wep',
      'warn',
      `the payload joins ${name} with WEP, which is broken (its key can be recovered in minutes): treat the network as open`,
    );
  } else if (security === 'unknown') {
    ctx.findings.add(
      'wifi-unknown-security',
      'warn',
      `the payload asks for security type ${quote(type, 20)}, which phones do not know (WPA, SAE, WEP, nopass, WPA2-EAP)`,
    );
  }
  if ((security === 'WPA' || security === 'SAE') && password !== undefined) {
    const key = unquote(password);
    const hex = /^[0-9a-fA-F]{64}$/.test(key);
    if (!hex && (key.length < 8 || key.length > 63)) {
      ctx.findings.add(
        'wifi-malformed',
        'warn',
        `the key for ${name} is not 8 to 63 characters long, so no WPA network accepts it`,
      );
    }
  }
  if (hidden) {
    ctx.findings.add(
      'wifi-hidden',
      'info',
      `${name} is hidden: the phone will call out its name everywhere it goes, to find it`,
    );
  }
  return {
    kind: 'wifi',
    ssid,
    security,
    ...(password === undefined ? {} : { password: unquote(password) }),
    hidden,
    ...(eapMethod === undefined ? {} : { eapMethod }),
  };
}
