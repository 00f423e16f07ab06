import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseQrPayload,
  QrPayloadError,
  QrpinError,
  type QrPayload,
  type QrPayloadKind,
  type QrPayloadRefusal,
} from '@qrpin/core';

type Expected = QrPayloadKind | { refused: QrPayloadRefusal };

interface Row {
  readonly name: string;
  readonly payload: string;
  readonly expected: Expected;
  readonly findings: readonly string[];
  readonly blocked?: boolean;
  readonly allowPrivateHosts?: boolean;
}

const refused = (reason: QrPayloadRefusal): Expected => ({ refused: reason });
const privateIp = ['host-ip-literal', 'host-private-address'];

const vcard30 = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'N:Doe;Jane;;;',
  'FN:Jane',
  '  Doe',
  'ORG:Example\\, Inc.;Sales',
  'TEL;TYPE=CELL:+1 555 0100',
  'EMAIL;TYPE=INTERNET:jane@example.com',
  'item1.URL:https://www.example.com/jane',
  'NOTE:first line\\nsecond line, folded over',
  '  two lines',
  'END:VCARD',
].join('\r\n');

// prettier-ignore
const rows: Row[] = [
  // Legitimate web URLs.
  { name: 'a plain https URL', payload: 'https://example.com/', expected: 'url', findings: [] },
  { name: 'an upper-case URL (QR alphanumeric mode)', payload: 'HTTPS://EXAMPLE.COM', expected: 'url', findings: [] },
  { name: 'a campaign URL with a query', payload: 'https://promo.example.com/spring?utm_source=qr', expected: 'url', findings: [] },
  { name: 'a URL followed by a line break', payload: 'https://example.com/\r\n', expected: 'url', findings: [] },
  { name: 'a host with a trailing dot', payload: 'https://example.com./', expected: 'url', findings: ['host-trailing-dot'] },
  { name: 'an IDN host in one script', payload: 'https://bücher.example/', expected: 'url', findings: ['host-idn'] },
  { name: 'a German IDN', payload: 'https://münchen.de/', expected: 'url', findings: ['host-idn'] },
  { name: 'a Japanese IDN mixing Han and Hiragana', payload: 'https://例え.jp/', expected: 'url', findings: ['host-idn'] },
  { name: 'a Cyrillic IDN under a Cyrillic TLD', payload: 'https://пример.рф/', expected: 'url', findings: ['host-idn'] },
  { name: 'a non-default port', payload: 'https://example.com:8443/', expected: 'url', findings: ['url-port'] },
  { name: 'plain http', payload: 'http://example.com/', expected: 'url', findings: ['url-not-https'] },
  { name: 'a public IPv4 literal', payload: 'https://93.184.215.14/', expected: 'url', findings: ['host-ip-literal'], blocked: false },
  { name: 'a public IPv6 literal', payload: 'https://[2001:4860:4860::8888]/', expected: 'url', findings: ['host-ip-literal'], blocked: false },
  { name: 'an underscore host', payload: 'https://exa_mple.com/', expected: 'url', findings: ['host-invalid'], blocked: false },
  // Hostile web URLs.
  { name: 'credentials that look like a bank', payload: 'https://bank.example@evil.example', expected: 'url', findings: ['url-credentials'] },
  { name: 'a user name and password', payload: 'https://user:pass@example.com', expected: 'url', findings: ['url-credentials'] },
  { name: 'backslashes for slashes', payload: 'https:\\\\evil.example', expected: 'url', findings: ['url-backslash'] },
  { name: 'a backslash before an @', payload: 'https://good.example\\@evil.example', expected: 'url', findings: ['url-backslash'] },
  { name: 'two backslashes before an @', payload: 'https://example.com\\\\@evil.example/', expected: 'url', findings: ['url-backslash'] },
  { name: 'a percent-encoded host', payload: 'https://%65vil.example', expected: 'url', findings: ['host-encoded'] },
  { name: 'a full-width host', payload: 'https://ｅｘａｍｐｌｅ.com/', expected: 'url', findings: ['host-encoded'] },
  { name: 'an ideographic full stop in the host', payload: 'https://evil。example/', expected: 'url', findings: ['host-encoded'] },
  { name: 'a decimal IPv4 host', payload: 'http://3232235777/', expected: 'url', findings: [...privateIp, 'host-ip-obfuscated', 'url-not-https'] },
  { name: 'a hex and shortened IPv4 host', payload: 'http://0x7f.1/', expected: 'url', findings: [...privateIp, 'host-ip-obfuscated', 'url-not-https'] },
  { name: 'a 32-bit hex IPv4 host', payload: 'https://0x7f000001/', expected: 'url', findings: [...privateIp, 'host-ip-obfuscated'] },
  { name: 'an octal IPv4 host', payload: 'http://0177.0.0.1/', expected: 'url', findings: [...privateIp, 'host-ip-obfuscated', 'url-not-https'] },
  { name: 'loopback', payload: 'http://127.0.0.1/', expected: 'url', findings: [...privateIp, 'url-not-https'] },
  { name: 'IPv6 loopback', payload: 'http://[::1]/', expected: 'url', findings: [...privateIp, 'url-not-https'] },
  { name: 'the cloud metadata service', payload: 'http://169.254.169.254/latest/meta-data', expected: 'url', findings: [...privateIp, 'url-not-https'] },
  { name: 'a private network address', payload: 'http://10.0.0.1', expected: 'url', findings: [...privateIp, 'url-not-https'] },
  { name: 'a CGNAT address', payload: 'http://100.64.0.1', expected: 'url', findings: [...privateIp, 'url-not-https'] },
  { name: 'an IPv6 link-local address', payload: 'https://[fe80::1]/', expected: 'url', findings: privateIp },
  { name: 'an IPv4-mapped private address', payload: 'https://[::ffff:10.0.0.1]/', expected: 'url', findings: privateIp },
  { name: 'a private address when private hosts are allowed', payload: 'https://192.168.1.10:8443/', expected: 'url', findings: [...privateIp, 'url-port'], blocked: false, allowPrivateHosts: true },
  { name: 'a Latin/Cyrillic mix (Cyrillic а)', payload: 'https://аpple.com/', expected: 'url', findings: ['host-mixed-script', 'host-idn'] },
  { name: 'the same mix as punycode', payload: 'https://xn--pple-43d.com/', expected: 'url', findings: ['host-mixed-script', 'host-idn'] },
  { name: 'a whole-script Cyrillic look-alike', payload: 'https://аррӏе.com/', expected: 'url', findings: ['host-whole-script-confusable', 'host-idn'], blocked: false },
  { name: 'another whole-script look-alike', payload: 'https://раураӏ.com/', expected: 'url', findings: ['host-whole-script-confusable', 'host-idn'], blocked: false },
  { name: 'invalid punycode', payload: 'https://xn--a.com/', expected: 'url', findings: ['host-invalid'] },
  { name: 'an RLO in the path', payload: 'https://example.com/\u202Egnp.exe', expected: 'url', findings: ['bidi-control'] },
  { name: 'a zero-width space in the host', payload: 'https://exa\u200Bmple.com/', expected: 'url', findings: ['zero-width', 'host-encoded'] },
  { name: 'a tab inside the host', payload: 'https://exa\tmple.com/', expected: 'url', findings: ['control-character'] },
  { name: 'a NUL before the scheme', payload: '\u0000https://example.com/', expected: 'url', findings: ['control-character'] },
  { name: 'an empty label', payload: 'https://a..b.example/', expected: 'url', findings: ['host-invalid'] },
  { name: 'a very long host', payload: `https://${'a'.repeat(60)}.example.com/`, expected: 'url', findings: ['host-long'], blocked: false },
  { name: 'a public suffix host', payload: 'https://github.io/', expected: 'url', findings: ['host-public-suffix'], blocked: false },
  { name: 'an ICANN suffix host', payload: 'https://co.uk/', expected: 'url', findings: ['host-public-suffix'] },
  { name: 'a single-label host', payload: 'https://intranet/', expected: 'url', findings: ['host-no-registrable-domain'] },
  { name: 'localhost', payload: 'http://localhost:3000/', expected: 'url', findings: ['host-special-use', 'url-not-https', 'url-port'], blocked: false },
  { name: 'an mDNS name', payload: 'https://printer.local/', expected: 'url', findings: ['host-special-use'] },
  { name: 'one slash after the scheme', payload: 'https:example.com', expected: 'url', findings: ['url-slashes'] },
  { name: 'a URL no browser parses', payload: 'https://exa mple.com', expected: 'text', findings: ['url-invalid'] },
  { name: 'an unterminated IPv6 literal', payload: 'http://[::1', expected: 'text', findings: ['url-invalid'] },
  // Refused schemes.
  { name: 'javascript:', payload: 'javascript:alert(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'javascript: in mixed case after spaces', payload: '  JaVaScRiPt:alert(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'javascript: split by a tab', payload: 'java\tscript:alert(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'javascript: split by a line break', payload: 'java\nscript:alert(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'javascript: after 300 spaces', payload: `${' '.repeat(300)}javascript:alert(1)`, expected: refused('dangerous-scheme'), findings: [] },
  { name: 'javascript: after a NUL', payload: '\u0000javascript:alert(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'javascript: after a zero-width space', payload: '\u200Bjavascript:alert(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'full-width javascript:', payload: 'ｊａｖａｓｃｒｉｐｔ：alert(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'vbscript:', payload: 'VBScript:MsgBox(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'a data: HTML document', payload: 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'file:', payload: 'file:///etc/passwd', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'blob:', payload: 'blob:https://example.com/0b6d2a2c', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'about:', payload: 'about:blank', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'filesystem:', payload: 'filesystem:https://example.com/temporary/x.html', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'an HTML-escaped javascript: (text)', payload: 'jav&#x09;ascript:alert(1)', expected: 'text', findings: ['text-obfuscated-scheme'], blocked: false },
  { name: 'a percent-escaped javascript: (text)', payload: 'javascript%3Aalert(1)', expected: 'text', findings: ['text-obfuscated-scheme'] },
  { name: 'a 5,000-character payload', payload: 'a'.repeat(5000), expected: refused('too-large'), findings: [] },
  // Android intents.
  { name: 'an intent with a browser fallback', payload: 'intent://scan/#Intent;scheme=zxing;package=com.google.zxing.client.android;S.browser_fallback_url=https%3A%2F%2Fzxing.org;end', expected: 'android-intent', findings: [] },
  { name: 'an intent falling back to a private address', payload: 'intent://offer/42#Intent;scheme=myapp;S.browser_fallback_url=http%3A%2F%2F10.0.0.1%2F;end', expected: 'android-intent', findings: ['intent-no-package', ...privateIp, 'url-not-https'] },
  { name: 'an intent with a javascript: scheme', payload: 'intent://x/#Intent;scheme=javascript;end', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'an intent with a javascript: fallback', payload: 'intent://x/#Intent;scheme=https;package=com.example;S.browser_fallback_url=javascript%3Aalert(1);end', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'an intent with extras', payload: 'intent://x/#Intent;scheme=myapp;package=com.example;S.token=abc;i.count=3;end', expected: 'android-intent', findings: ['intent-extras'] },
  { name: 'an intent without its section', payload: 'intent://x/', expected: 'android-intent', findings: ['intent-malformed', 'intent-no-package'] },
  { name: 'an intent whose fallback is not a web URL', payload: 'intent://x/#Intent;scheme=myapp;package=com.example;S.browser_fallback_url=market%3A%2F%2Fdetails;end', expected: 'android-intent', findings: ['intent-fallback-not-web'] },
  // Deep links.
  { name: 'a custom-scheme deep link', payload: 'myapp://offer/42', expected: 'deep-link', findings: ['deep-link-unverified'] },
  { name: 'a deep link with an https fallback', payload: 'myapp://offer/42?fallback_url=https%3A%2F%2Fpromo.example.com%2Foffer%2F42', expected: 'deep-link', findings: ['deep-link-unverified'] },
  { name: 'a deep link with a javascript: fallback', payload: 'myapp://x?fallback=javascript:alert(1)', expected: refused('dangerous-scheme'), findings: [] },
  { name: 'a bitcoin payment link', payload: 'bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=0.1', expected: 'deep-link', findings: ['deep-link-unverified'] },
  { name: 'an iOS enterprise app install', payload: 'itms-services://?action=download-manifest&url=https://apps.example/app.plist', expected: 'deep-link', findings: ['deep-link-app-install'] },
  { name: 'the Follina handler', payload: 'ms-msdt:/id PCWDiagnostic /skip force', expected: 'deep-link', findings: ['deep-link-dangerous-handler'] },
  // Wi-Fi.
  { name: 'Wi-Fi with an escaped ; in the SSID', payload: 'WIFI:T:WPA;S:My\\;Net;P:pa\\:ss word;H:true;;', expected: 'wifi', findings: ['wifi-hidden'], blocked: false },
  { name: 'an open Wi-Fi network', payload: 'WIFI:S:FreeAirportWiFi;T:nopass;;', expected: 'wifi', findings: ['wifi-open'] },
  { name: 'a WEP network', payload: 'WIFI:T:WEP;S:old-router;P:12345;;', expected: 'wifi', findings: ['wifi-wep'] },
  { name: 'a WPA3 network', payload: 'WIFI:T:SAE;S:home;P:correct horse battery;;', expected: 'wifi', findings: [] },
  { name: 'a WPA key that is too short', payload: 'WIFI:T:WPA;S:home;P:short;;', expected: 'wifi', findings: ['wifi-malformed'] },
  { name: 'a WPA2-Enterprise network', payload: 'WIFI:T:WPA2-EAP;S:corp;E:PEAP;I:alice;P:pw;;', expected: 'wifi', findings: [] },
  { name: 'an SSID with an RLO', payload: 'WIFI:T:WPA;S:Free\u202EiFiW;P:password123;;', expected: 'wifi', findings: ['bidi-control'], blocked: false },
  { name: 'an unknown Wi-Fi security type', payload: 'WIFI:T:ROT13;S:x;P:12345678;;', expected: 'wifi', findings: ['wifi-unknown-security'] },
  // Phone and SMS.
  { name: 'a phone number', payload: 'tel:+1-555-0100', expected: 'tel', findings: [] },
  { name: 'a factory-reset USSD code', payload: 'tel:*2767*3855%23', expected: 'tel', findings: ['tel-ussd'] },
  { name: 'SMSTO with a body', payload: 'SMSTO:+15550100:Hello there: see you', expected: 'sms', findings: [] },
  { name: 'sms: with a body', payload: 'sms:+15550100?body=Hello%20there', expected: 'sms', findings: [] },
  { name: 'an SMS to a short code', payload: 'sms:87654?body=JOIN', expected: 'sms', findings: ['sms-short-code'] },
  { name: 'SMSTO to a short code', payload: 'smsto:87654:JOIN', expected: 'sms', findings: ['sms-short-code'] },
  // E-mail.
  { name: 'a mailto with a subject', payload: 'mailto:info@example.com?subject=Hello', expected: 'mailto', findings: [] },
  { name: 'a mailto with a blind copy', payload: 'mailto:info@example.com?bcc=spy@evil.example', expected: 'mailto', findings: ['mailto-hidden-recipient'] },
  { name: 'a mailto attaching a file', payload: 'mailto:info@example.com?attach=/etc/passwd', expected: 'mailto', findings: ['mailto-attachment'] },
  { name: 'a DoCoMo MATMSG', payload: 'MATMSG:TO:info@example.com;SUB:Hi;BODY:Hello\\; again;;', expected: 'mailto', findings: [] },
  { name: 'a mailto without a recipient', payload: 'mailto:', expected: 'mailto', findings: ['mailto-invalid'] },
  // Places.
  { name: 'geo with altitude', payload: 'geo:48.2010,16.3695,183', expected: 'geo', findings: [] },
  { name: 'geo with uncertainty', payload: 'geo:37.786971,-122.399677;u=35', expected: 'geo', findings: [] },
  { name: 'geo with an Android query', payload: 'geo:0,0?q=1600+Amphitheatre+Parkway', expected: 'geo', findings: [] },
  { name: 'geo off the globe', payload: 'geo:91,0', expected: 'geo', findings: ['geo-out-of-range'] },
  { name: 'geo that does not parse', payload: 'geo:abc', expected: 'text', findings: ['geo-invalid'] },
  // Contacts.
  { name: 'a vCard 3.0 with folded lines', payload: vcard30, expected: 'vcard', findings: [] },
  { name: 'a vCard with a deceptive URL', payload: 'BEGIN:VCARD\nVERSION:4.0\nFN:Bank\nURL:https://bank.example@evil.example/\nEND:VCARD', expected: 'vcard', findings: ['url-credentials'] },
  { name: 'a vCard cut short', payload: 'BEGIN:VCARD\nVERSION:3.0\nFN:Jane Doe', expected: 'vcard', findings: ['contact-malformed'] },
  { name: 'a MeCard', payload: 'MECARD:N:Doe,John;TEL:+15550100;EMAIL:john@example.com;URL:https://example.com;;', expected: 'mecard', findings: [] },
  { name: 'a MeCard with a javascript: URL', payload: 'MECARD:N:Doe,John;URL:javascript\\:alert(1);;', expected: 'mecard', findings: ['contact-dangerous-url'] },
  // One-time passwords.
  { name: 'a TOTP enrolment', payload: 'otpauth://totp/ACME%20Co:jane@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30', expected: 'otpauth', findings: ['otpauth-secret'], blocked: false },
  { name: 'a TOTP enrolment for another issuer', payload: 'otpauth://totp/ACME:jane@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Evil', expected: 'otpauth', findings: ['otpauth-secret', 'otpauth-issuer-mismatch'] },
  { name: 'an HOTP key that is not base32', payload: 'otpauth://hotp/x?secret=not*base32&counter=1', expected: 'otpauth', findings: ['otpauth-secret', 'otpauth-malformed'] },
  { name: 'an authenticator export', payload: 'otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGGpvaG5AZXhhbXBsZS5jb20aBUFDTUUgASgBMAIQARgBIAA%3D', expected: 'otpauth', findings: ['otpauth-secret'] },
  // Text.
  { name: 'plain text', payload: 'hello world', expected: 'text', findings: [] },
  { name: 'text on two lines', payload: 'Line one\nLine two', expected: 'text', findings: [] },
  { name: 'the empty string', payload: '', expected: 'text', findings: [] },
  { name: 'a Windows path', payload: 'C:\\Users\\guest', expected: 'text', findings: [] },
  { name: 'a bare host', payload: 'www.example.com', expected: 'text', findings: ['text-bare-host'] },
  { name: 'text with a bell character', payload: 'Call me!\u0007', expected: 'text', findings: ['control-character'] },
  { name: 'text with a C1 control', payload: 'price\u009b31m', expected: 'text', findings: ['control-character'] },
  { name: 'text with a right-to-left embedding', payload: 'shalom \u202Bworld', expected: 'text', findings: ['bidi-control'], blocked: false },
  { name: 'text with an unpaired surrogate', payload: '\uD800abc', expected: 'text', findings: ['invalid-unicode'] },
  { name: 'a note that starts like a data: URL', payload: 'Data: 42 items', expected: refused('dangerous-scheme'), findings: [] },
];

function outcome(payload: string, allowPrivateHosts: boolean): QrPayload | QrPayloadError {
  try {
    return parseQrPayload(payload, { allowPrivateHosts });
  } catch (err) {
    if (err instanceof QrPayloadError) return err;
    throw err;
  }
}

describe('parseQrPayload', () => {
  it('is proven on a table of more than sixty payloads', () => {
    assert.ok(rows.length >= 60, `${rows.length} rows`);
  });

  for (const row of rows) {
    const label =
      typeof row.expected === 'string'
        ? `classifies ${row.name} as ${row.expected}${row.findings.length > 0 ? ` with ${row.findings.join(', ')}` : ''}`
        : `refuses ${row.name} (${row.expected.refused})`;
    it(label, () => {
      const result = outcome(row.payload, row.allowPrivateHosts === true);
      if (typeof row.expected === 'string') {
        assert.ok(!(result instanceof QrPayloadError), result instanceof Error ? result.message : '');
        assert.equal(result.kind, row.expected);
        assert.deepEqual(
          result.findings.map((f) => f.code).sort(),
          [...row.findings].sort(),
          JSON.stringify(result.findings, null, 2),
        );
        const blocked = row.blocked ?? result.findings.some((f) => f.severity === 'block');
        assert.equal(result.blocked, blocked);
        assert.equal(
          result.blocked,
          result.findings.some((f) => f.severity === 'block'),
        );
      } else {
        assert.ok(result instanceof QrPayloadError, `expected a refusal, got ${JSON.stringify(result)}`);
        assert.equal(result.reason, row.expected.refused);
        assert.equal(
          result.code,
          row.expected.refused === 'too-large' ? 'ERR_QR_PAYLOAD_TOO_LARGE' : 'ERR_QR_PAYLOAD_REFUSED',
        );
      }
    });
  }

  it('blocks every hostile URL of the table', () => {
    for (const payload of [
      'https://bank.example@evil.example',
      'https://%65vil.example',
      'https://аpple.com/',
      'http://169.254.169.254/latest/meta-data',
      'https://example.com/\u202Egnp.exe',
    ]) {
      assert.equal(parseQrPayload(payload).blocked, true, payload);
    }
  });
});

describe('parseQrPayload on web URLs', () => {
  it('reports the real host of a URL with credentials, and names the decoy', () => {
    const p = parseQrPayload('https://bank.example@evil.example/login?x=1');
    assert.equal(p.kind, 'url');
    if (p.kind !== 'url') return;
    assert.equal(p.host, 'evil.example');
    assert.equal(p.scheme, 'https');
    assert.equal(p.port, 443);
    assert.equal(p.path, '/login');
    assert.equal(p.hasQuery, true);
    assert.equal(p.url.username, 'bank.example');
    const finding = p.findings.find((f) => f.code === 'url-credentials');
    assert.equal(finding?.severity, 'block');
    assert.match(finding?.message ?? '', /"bank\.example" before an @.*the host it goes to is evil\.example/);
  });

  it('never repeats the password of URL credentials', () => {
    const p = parseQrPayload('https://alice:Hunter2Secret@example.com/');
    assert.ok(p.findings.every((f) => !f.message.includes('Hunter2Secret')));
    assert.match(p.findings[0]?.message ?? '', /"alice" and a password/);
  });

  it('gives the punycode host and the Unicode host of an IDN', () => {
    const p = parseQrPayload('https://Bücher.Example/regal');
    assert.ok(p.kind === 'url');
    assert.equal(p.host, 'xn--bcher-kva.example');
    assert.equal(p.unicodeHost, 'bücher.example');
    assert.equal(p.hostType, 'domain');
  });

  it('drops the trailing dot from the host but keeps it in the URL', () => {
    const p = parseQrPayload('https://Example.COM./');
    assert.ok(p.kind === 'url');
    assert.equal(p.host, 'example.com');
    assert.equal(p.url.hostname, 'example.com.');
  });

  it('reports the address an obfuscated IPv4 host really is', () => {
    const p = parseQrPayload('http://3232235777/');
    assert.ok(p.kind === 'url');
    assert.equal(p.host, '192.168.1.1');
    assert.equal(p.hostType, 'ipv4');
    assert.match(
      p.findings.find((f) => f.code === 'host-ip-obfuscated')?.message ?? '',
      /"3232235777".*192\.168\.1\.1/,
    );
    assert.match(p.findings.find((f) => f.code === 'host-private-address')?.message ?? '', /private/);
  });

  it('names the cloud metadata service', () => {
    const p = parseQrPayload('http://169.254.169.254/latest/meta-data');
    assert.match(p.findings.find((f) => f.code === 'host-private-address')?.message ?? '', /metadata/);
  });

  it('gives IPv6 hosts without brackets', () => {
    const p = parseQrPayload('https://[2001:db8::1]:8443/');
    assert.ok(p.kind === 'url');
    assert.equal(p.host, '2001:db8::1');
    assert.equal(p.hostType, 'ipv6');
    assert.equal(p.port, 8443);
  });

  it('turns private-address blocks into information when private hosts are allowed', () => {
    const strict = parseQrPayload('https://127.0.0.1:8443/');
    const relaxed = parseQrPayload('https://127.0.0.1:8443/', { allowPrivateHosts: true });
    assert.equal(strict.findings.find((f) => f.code === 'host-private-address')?.severity, 'block');
    assert.equal(relaxed.findings.find((f) => f.code === 'host-private-address')?.severity, 'info');
    assert.equal(relaxed.blocked, false);
    assert.equal(
      parseQrPayload('https://localhost/', { allowPrivateHosts: true }).findings[0]?.severity,
      'info',
    );
  });

  it('says which host other parsers see behind a backslash', () => {
    const p = parseQrPayload('https://good.example\\@evil.example');
    assert.ok(p.kind === 'url');
    assert.equal(p.host, 'good.example');
    assert.match(p.findings[0]?.message ?? '', /go to good\.example.*"evil\.example"/);
  });

  it('names the scripts a mixed-script label mixes', () => {
    const p = parseQrPayload('https://xn--pple-43d.com/');
    assert.ok(p.kind === 'url');
    assert.equal(p.unicodeHost, 'аpple.com');
    assert.match(p.findings[0]?.message ?? '', /"xn--pple-43d" \("аpple"\).*Cyrillic and Latin/);
  });

  it('escapes the control it reports instead of printing it', () => {
    const p = parseQrPayload('https://example.com/\u202Egnp.exe');
    const message = p.findings[0]?.message ?? '';
    assert.match(message, /U\+202E RIGHT-TO-LEFT OVERRIDE at character 21/);
    assert.ok(!message.includes('\u202E'));
  });
});

describe('parseQrPayload on other kinds', () => {
  it('reads a Wi-Fi payload with escapes and never repeats its password', () => {
    const p = parseQrPayload('WIFI:T:WPA;S:Café\\;Guest\\,2;P:Zq9\\:xK\\\\7\\"w;H:true;;');
    assert.ok(p.kind === 'wifi');
    assert.equal(p.ssid, 'Café;Guest,2');
    assert.equal(p.password, 'Zq9:xK\\7"w');
    assert.equal(p.security, 'WPA');
    assert.equal(p.hidden, true);
    const short = parseQrPayload('WIFI:T:WPA;S:home;P:Zq9xK;;');
    assert.ok(short.findings.length > 0);
    assert.ok(short.findings.every((f) => !f.message.includes('Zq9xK')));
  });

  it('reads the fields of a vCard 3.0 with folded lines', () => {
    const p = parseQrPayload(vcard30);
    assert.ok(p.kind === 'vcard');
    assert.equal(p.version, '3.0');
    assert.equal(p.name, 'Jane Doe');
    assert.equal(p.organization, 'Example, Inc.');
    assert.deepEqual(p.tel, ['+1 555 0100']);
    assert.deepEqual(p.email, ['jane@example.com']);
    assert.deepEqual(p.url, ['https://www.example.com/jane']);
  });

  it('reads the fields of a MeCard', () => {
    const p = parseQrPayload(
      'MECARD:N:Doe,John;TEL:+15550100;EMAIL:john@example.com;URL:https://example.com;;',
    );
    assert.ok(p.kind === 'mecard');
    assert.equal(p.name, 'John Doe');
    assert.deepEqual(p.tel, ['+15550100']);
    assert.deepEqual(p.email, ['john@example.com']);
    assert.deepEqual(p.url, ['https://example.com']);
  });

  it('reads SMSTO and sms: alike', () => {
    const a = parseQrPayload('SMSTO:+15550100:Hello there: see you');
    const b = parseQrPayload('sms:+15550100,+15550101?body=Hello%20there');
    assert.ok(a.kind === 'sms' && b.kind === 'sms');
    assert.deepEqual([a.scheme, a.recipients, a.body], ['smsto', ['+15550100'], 'Hello there: see you']);
    assert.deepEqual([b.scheme, b.recipients, b.body], ['sms', ['+15550100', '+15550101'], 'Hello there']);
  });

  it('reads geo coordinates with altitude and uncertainty', () => {
    const p = parseQrPayload('geo:48.2010,16.3695,183;u=35');
    assert.ok(p.kind === 'geo');
    assert.deepEqual(
      [p.latitude, p.longitude, p.altitude, p.uncertainty, p.crs],
      [48.201, 16.3695, 183, 35, 'wgs84'],
    );
  });

  it('reads an intent URL into its fields', () => {
    const p = parseQrPayload(
      'intent://scan/#Intent;scheme=zxing;package=com.google.zxing.client.android;action=android.intent.action.VIEW;S.browser_fallback_url=https%3A%2F%2Fzxing.org%2Fscan;end',
    );
    assert.ok(p.kind === 'android-intent');
    assert.equal(p.target, '//scan/');
    assert.equal(p.scheme, 'zxing');
    assert.equal(p.package, 'com.google.zxing.client.android');
    assert.equal(p.action, 'android.intent.action.VIEW');
    assert.equal(p.browserFallbackUrl, 'https://zxing.org/scan');
    assert.deepEqual(p.extras, {});
  });

  it('reads a deep link and its https fallback', () => {
    const p = parseQrPayload('myapp://offer/42?fallback_url=https%3A%2F%2Fpromo.example.com%2Foffer%2F42');
    assert.ok(p.kind === 'deep-link');
    assert.equal(p.scheme, 'myapp');
    assert.equal(p.target, '//offer/42?fallback_url=https%3A%2F%2Fpromo.example.com%2Foffer%2F42');
    assert.equal(p.fallbackUrl, 'https://promo.example.com/offer/42');
  });

  it('flags an otpauth secret without ever copying it', () => {
    const secret = 'JBSWY3DPEHPK3PXPQRPINSECRET';
    const p = parseQrPayload(
      `otpauth://totp/ACME:jane@example.com?secret=${secret}&issuer=ACME&digits=8&period=60`,
    );
    assert.ok(p.kind === 'otpauth');
    assert.deepEqual(
      [p.type, p.label, p.issuer, p.account, p.digits, p.period, p.hasSecret],
      ['totp', 'ACME:jane@example.com', 'ACME', 'jane@example.com', 8, 60, true],
    );
    assert.equal(p.findings[0]?.code, 'otpauth-secret');
    assert.ok(!JSON.stringify(p).includes(secret));
  });

  it('reads a mailto with copies and a subject', () => {
    const p = parseQrPayload(
      'mailto:a@example.com,b@example.com?cc=c@example.com&subject=Hi%20there&body=Line',
    );
    assert.ok(p.kind === 'mailto');
    assert.deepEqual(
      [p.to, p.cc, p.bcc, p.subject, p.body],
      [['a@example.com', 'b@example.com'], ['c@example.com'], [], 'Hi there', 'Line'],
    );
  });

  it('keeps text as given', () => {
    const p = parseQrPayload('  hello\n');
    assert.ok(p.kind === 'text');
    assert.equal(p.text, '  hello\n');
  });
});

describe('QrPayloadError', () => {
  it('is a QrpinError with a code, a reason and a message that says why', () => {
    assert.throws(
      () => parseQrPayload('  JaVa\tScRiPt:alert(1)'),
      (err: unknown) =>
        err instanceof QrPayloadError &&
        err instanceof QrpinError &&
        err.name === 'QrPayloadError' &&
        err.code === 'ERR_QR_PAYLOAD_REFUSED' &&
        err.reason === 'dangerous-scheme' &&
        /javascript: URL, which runs script/.test(err.message) &&
        err.message.includes('\\u{0009}'),
    );
  });

  it('says how much a QR code holds when a payload is too large', () => {
    assert.throws(
      () => parseQrPayload('x'.repeat(3000)),
      (err: unknown) =>
        err instanceof QrPayloadError &&
        err.code === 'ERR_QR_PAYLOAD_TOO_LARGE' &&
        err.reason === 'too-large' &&
        /3000 characters.*23648 data bits.*2953 bytes/.test(err.message),
    );
  });

  it('refuses input that is not a string', () => {
    assert.throws(
      () => parseQrPayload(42 as unknown as string),
      (err: unknown) =>
        err instanceof QrPayloadError && err.reason === 'not-a-string' && /got number/.test(err.message),
    );
  });
});
