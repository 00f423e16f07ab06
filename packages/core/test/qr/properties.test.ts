import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseQrPayload, QrPayloadError, type QrPayload } from '@qrpin/core';

const KINDS = new Set([
  'url',
  'deep-link',
  'android-intent',
  'wifi',
  'tel',
  'sms',
  'mailto',
  'geo',
  'vcard',
  'mecard',
  'otpauth',
  'text',
]);

/** Runs the parser and reduces the outcome to plain data, failing on any exception that is not ours. */
function settle(text: string, allowPrivateHosts = false): unknown {
  try {
    const p = parseQrPayload(text, { allowPrivateHosts });
    assert.ok(KINDS.has(p.kind), p.kind);
    assert.equal(
      p.blocked,
      p.findings.some((f) => f.severity === 'block'),
    );
    for (const f of p.findings) {
      assert.match(f.code, /^[a-z]+(?:-[a-z]+)*$/);
      assert.ok(f.severity === 'block' || f.severity === 'warn' || f.severity === 'info');
      assert.ok(f.message.length > 0);
    }
    return JSON.parse(JSON.stringify(p, (_k, v: unknown) => (v instanceof URL ? v.href : v))) as unknown;
  } catch (err) {
    if (!(err instanceof QrPayloadError)) throw err;
    assert.ok(err.code === 'ERR_QR_PAYLOAD_REFUSED' || err.code === 'ERR_QR_PAYLOAD_TOO_LARGE');
    assert.ok(['dangerous-scheme', 'too-large', 'not-a-string'].includes(err.reason));
    return { refused: err.reason, code: err.code, message: err.message };
  }
}

/** Any UTF-16 code unit, lone surrogates included: what a JavaScript string can hold. */
const utf16 = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 200,
});

/** Characters that attacks and edge cases are made of. */
const nasty = fc.constantFrom(
  ...'\u0000\t\n\r \u007f\u0085\u009b\u00ad\u200b\u200d\u200e\u202e\u2066\ufeff\ud800\udc00%@\\/:;,."#?&=[]*'.split(
    '',
  ),
  '%25',
  '%00',
  '&#x09;',
  'xn--',
  '..',
  '::',
  'а',
  'ｅ',
  '。',
  '0x7f',
);

const seeds = [
  'https://example.com/',
  'https://bank.example@evil.example/',
  'http://[::ffff:127.0.0.1]:8080/a?b#c',
  'https://bücher.example/',
  'intent://scan/#Intent;scheme=zxing;package=com.example;S.browser_fallback_url=https%3A%2F%2Fzxing.org;end',
  'myapp://offer/42?fallback_url=https%3A%2F%2Fexample.com',
  'WIFI:T:WPA;S:My\\;Net;P:pa\\:ss;H:true;;',
  'MECARD:N:Doe,John;TEL:+15550100;URL:https://example.com;;',
  'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane\r\n  Doe\r\nURL:https://example.com\r\nEND:VCARD',
  'SMSTO:+15550100:Hello',
  'sms:+15550100?body=Hi',
  'mailto:a@example.com?subject=Hi&bcc=b@example.com',
  'MATMSG:TO:a@example.com;SUB:Hi;BODY:x;;',
  'geo:48.2010,16.3695,183;u=35',
  'tel:+1-555-0100',
  'otpauth://totp/ACME:jane@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME',
  'otpauth-migration://offline?data=Cg%3D%3D',
  'javascript:alert(1)',
  'hello world',
];

/** A seed payload with characters inserted, deleted or replaced. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('insert', 'delete', 'replace'),
        fc.oneof(nasty, fc.string({ maxLength: 3 })),
      ),
      { maxLength: 6 },
    ),
  )
  .map(([seed, edits]) => {
    let text = seed;
    for (const [at, op, piece] of edits) {
      const i = text.length === 0 ? 0 : at % (text.length + 1);
      if (op === 'insert') text = text.slice(0, i) + piece + text.slice(i);
      else if (op === 'delete') text = text.slice(0, i) + text.slice(i + 1);
      else text = text.slice(0, i) + piece + text.slice(i + 1);
    }
    return text;
  });

const anyPayload = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  utf16,
  fc.webUrl({ withFragments: true, withQueryParameters: true }),
  fc.webUrl({
    authoritySettings: {
      withIPv4: true,
      withIPv6: true,
      withIPv4Extended: true,
      withUserInfo: true,
      withPort: true,
    },
  }),
  mutated,
);

const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]|\p{Cs}/u;

describe('parseQrPayload, for any string', () => {
  it('returns a payload or throws a QrPayloadError, nothing else', () => {
    fc.assert(
      fc.property(anyPayload, fc.boolean(), (text, allow) => void settle(text, allow)),
      { numRuns: 3000 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(anyPayload, (text) => {
        assert.deepEqual(settle(text), settle(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('never prints a control, bidi or invisible character in a message', () => {
    fc.assert(
      fc.property(anyPayload, (text) => {
        const outcome = settle(text) as { findings?: Array<{ message: string }>; message?: string };
        for (const message of [...(outcome.findings ?? []).map((f) => f.message), outcome.message ?? '']) {
          assert.ok(!HIDDEN.test(message), JSON.stringify(message));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finishes on the largest adversarial inputs a QR code can hold', () => {
    const inputs = [
      '1'.repeat(7089),
      'A'.repeat(4296),
      `https://${'@'.repeat(2900)}`,
      `https://${'a.'.repeat(1470)}com/`,
      `https://example.com/${'%'.repeat(2900)}`,
      `${'&#x09;'.repeat(480)}`,
      `WIFI:${'\\;'.repeat(1470)}`,
      `MECARD:${'N:;'.repeat(980)}`,
      `BEGIN:VCARD\n${'URL:https://x.example\n'.repeat(120)}`,
      `BEGIN:VCARD\n${'\n '.repeat(1470)}`,
      `intent://x/#Intent;${'S.a=b;'.repeat(490)}end`,
      `geo:${'1'.repeat(2000)},${'2'.repeat(900)}`,
      `mailto:${'a@b.c,'.repeat(490)}`,
      `sms:${'1,'.repeat(1470)}`,
      `myapp://x?${'fallback=&'.repeat(290)}`,
      `otpauth://totp/x?secret=${'A'.repeat(2900)}`,
      `${' '.repeat(2900)}javascript:`,
      '\u202e'.repeat(980),
    ];
    for (const text of inputs) settle(text);
  });
});

describe('parseQrPayload on URLs', () => {
  it('gives the host the WHATWG URL parser gives, for https URLs with ASCII hosts', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ validSchemes: ['https'], withQueryParameters: true, withFragments: true }),
        (text) => {
          let expected: string;
          try {
            expected = new URL(text).hostname;
          } catch {
            return;
          }
          let p: QrPayload;
          try {
            p = parseQrPayload(text);
          } catch (err) {
            assert.ok(err instanceof QrPayloadError);
            return;
          }
          assert.equal(p.kind, 'url');
          if (p.kind === 'url') assert.equal(p.host, expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses every refused scheme however it is cased, split or preceded', () => {
    const scheme = fc.constantFrom('javascript', 'vbscript', 'data', 'file', 'blob', 'about', 'filesystem');
    const disguised = fc
      .tuple(
        scheme,
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('\t', '\n', '\r')), { maxLength: 3 }),
        fc.string({
          unit: fc.constantFrom(' ', '\u0000', '\u0001', '\u001f', '\t', '\n', '\u00a0', '\ufeff'),
          maxLength: 400,
        }),
      )
      .map(([name, upper, splits, prefix]) => {
        let cased = [...name].map((c, i) => (upper[i] === true ? c.toUpperCase() : c)).join('');
        for (const [at, ws] of splits) {
          const i = at % (cased.length + 1);
          cased = cased.slice(0, i) + ws + cased.slice(i);
        }
        return `${prefix}${cased}:payload`;
      });
    fc.assert(
      fc.property(disguised, (text) => {
        assert.throws(
          () => parseQrPayload(text),
          (err: unknown) => err instanceof QrPayloadError && err.reason === 'dangerous-scheme',
        );
      }),
    );
  });

  it('never repeats a Wi-Fi password in a finding', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcdefgh -'.split('')), maxLength: 12 }),
        fc.string({ unit: fc.constantFrom(...'QWXYZ23456'.split('')), minLength: 6, maxLength: 70 }),
        fc.constantFrom('WPA', 'WEP', 'SAE', 'nopass', 'XYZ', ''),
        fc.boolean(),
        (ssid, password, type, hidden) => {
          const p = parseQrPayload(`WIFI:T:${type};S:${ssid};P:${password};H:${hidden};;`);
          assert.ok(p.kind === 'wifi');
          assert.equal(p.password, password);
          for (const f of p.findings) assert.ok(!f.message.includes(password), f.message);
        },
      ),
    );
  });
});
