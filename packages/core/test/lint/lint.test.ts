import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  HostPattern,
  lintManifest,
  lintRules,
  parseManifest,
  type LintFinding,
  type Manifest,
} from '@qrpin/core';

type Draft<T> = T extends readonly (infer U)[]
  ? Draft<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Draft<T[K]> }
    : T;
type ManifestDraft = Draft<Manifest>;

const pin = (byte: number) => `sha256/${Buffer.alloc(32, byte).toString('base64')}`;
const [PIN_A, PIN_B, PIN_C, PIN_D, PIN_E] = [1, 2, 3, 4, 5].map(pin) as [
  string,
  string,
  string,
  string,
  string,
];
const NOW = new Date('2026-11-24T12:00:00Z');

function publicJwk(type: 'ed25519' | 'p256'): Record<string, unknown> {
  const { publicKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
}
const JWK_1 = publicJwk('ed25519');
const JWK_2 = publicJwk('p256');

/** A manifest no rule has anything to say about. */
function clean(): ManifestDraft {
  return {
    version: 1,
    project: 'spring',
    server: 'https://pins.example.com',
    destinations: [
      {
        id: 'poster',
        payload: 'https://promo.example.com/spring?src=qr',
        kind: 'web',
        campaign: 'spring-2026',
      },
      { id: 'app', payload: 'https://promo.example.com/app/spring', kind: 'app-link' },
      {
        id: 'offer',
        payload: 'exampleapp://offer/42',
        kind: 'deep-link',
        fallback: 'https://promo.example.com/offer/42',
      },
      {
        id: 'checkin',
        payload: 'https://api.example.com/v1/checkin',
        kind: 'api',
        hosts: ['API.example.com.'],
      },
    ],
    hosts: [
      {
        pattern: 'promo.example.com',
        pins: [PIN_A, PIN_B],
        backupPins: [PIN_C],
        expires: '2027-06-01',
        mode: 'enforce',
      },
      {
        pattern: 'api.example.com',
        pins: [PIN_D],
        backupPins: [PIN_E],
        expires: '2027-06-01',
        mode: 'enforce',
      },
    ],
    signingKeys: [
      { kid: 'primary', alg: 'EdDSA', jwk: JWK_1 },
      { kid: 'backup', alg: 'ES256', jwk: JWK_2 },
    ],
  };
}

function lint(change: (m: ManifestDraft) => void, now = NOW): LintFinding[] {
  const m = clean();
  change(m);
  return lintManifest(m, { now });
}

const host = (m: ManifestDraft, i: number) => m.hosts[i] as Draft<Manifest['hosts'][number]>;
const destination = (m: ManifestDraft, i: number) =>
  m.destinations[i] as Draft<Manifest['destinations'][number]>;
const extraHost = (pattern: string, pins = [PIN_A, PIN_B], backupPins = [PIN_C]) => ({
  pattern,
  pins,
  backupPins,
  expires: '2027-06-01',
  mode: 'enforce' as const,
});

/** [rule, what the minimal manifest does, the change, the path it is reported at, a message fragment]. */
const cases: Array<[string, string, (m: ManifestDraft) => void, ReadonlyArray<string | number>, string]> = [
  [
    'pin-invalid',
    'a pin that is too short',
    (m) => (host(m, 0).pins[1] = 'sha256/AAAA'),
    ['hosts', 0, 'pins', 1],
    'host "promo.example.com": pins[1]: pin "sha256/AAAA" decodes to 3 bytes',
  ],
  [
    'pin-invalid',
    'a backup pin with another hash',
    (m) => (host(m, 0).backupPins[0] = `sha1/${'A'.repeat(27)}=`),
    ['hosts', 0, 'backupPins', 0],
    'only sha256 SPKI pins',
  ],
  [
    'pattern-invalid',
    'a pattern over a public suffix',
    (m) => (host(m, 1).pattern = '**.co.uk'),
    ['hosts', 1, 'pattern'],
    'covers the public suffix "co.uk"',
  ],
  [
    'pattern-invalid',
    'a pattern written as a URL',
    (m) => (host(m, 1).pattern = 'https://api.example.com'),
    ['hosts', 1, 'pattern'],
    'characters a host name cannot have',
  ],
  [
    'no-current-pin',
    'a host with only backup pins',
    (m) => (host(m, 0).pins = []),
    ['hosts', 0, 'pins'],
    'host "promo.example.com" has no pins of keys in service',
  ],
  [
    'no-current-pin',
    'a host whose pins are all invalid',
    (m) => (host(m, 0).pins = ['nope']),
    ['hosts', 0, 'pins'],
    'none of the 1 pins of host "promo.example.com" is valid',
  ],
  [
    'too-few-pins',
    'a host with one pin and no backup',
    (m) => Object.assign(host(m, 1), { backupPins: [] }),
    ['hosts', 1],
    'host "api.example.com" has only one valid pin in all',
  ],
  [
    'no-backup-pin',
    'a host without backup pins',
    (m) => (host(m, 0).backupPins = []),
    ['hosts', 0, 'backupPins'],
    'host "promo.example.com" has no backup pin',
  ],
  [
    'no-backup-pin',
    'a host whose only backup pin is in service',
    (m) => (host(m, 0).backupPins = [PIN_A]),
    ['hosts', 0, 'backupPins'],
    'has no usable backup pin',
  ],
  [
    'backup-pin-in-use',
    'a backup pin equal to a pin in service',
    (m) => host(m, 0).backupPins.push(PIN_B.replace('sha256/', 'sha256//')),
    ['hosts', 0, 'backupPins', 1],
    `backup pin ${PIN_B} (backupPins[1]) is also pins[1]`,
  ],
  [
    'duplicate-pin',
    'the same pin twice in pins',
    (m) => host(m, 0).pins.push(PIN_A.slice('sha256/'.length)),
    ['hosts', 0, 'pins', 2],
    `pins[2] repeats pins[0] (${PIN_A})`,
  ],
  [
    'duplicate-pin',
    'the same pin twice in backupPins',
    (m) => host(m, 0).backupPins.push(PIN_C),
    ['hosts', 0, 'backupPins', 1],
    'backupPins[1] repeats backupPins[0]',
  ],
  [
    'pinset-expired',
    'a pinset that expired yesterday',
    (m) => (host(m, 0).expires = '2026-11-23'),
    ['hosts', 0, 'expires'],
    'the pinset expired on 2026-11-23 (today is 2026-11-24)',
  ],
  [
    'pinset-expiring',
    'a pinset that expires in 26 days',
    (m) => (host(m, 1).expires = '2026-12-20'),
    ['hosts', 1, 'expires'],
    'expires on 2026-12-20, in 26 days',
  ],
  [
    'pinset-expiring',
    'a pinset that expires today',
    (m) => (host(m, 1).expires = '2026-11-24'),
    ['hosts', 1, 'expires'],
    'expires on 2026-11-24, today',
  ],
  [
    'no-expiry',
    'a pinset without an expiry',
    (m) => delete host(m, 0).expires,
    ['hosts', 0],
    'host "promo.example.com" has no expiry date',
  ],
  [
    'report-only',
    'a host in report mode',
    (m) => (host(m, 1).mode = 'report'),
    ['hosts', 1, 'mode'],
    'host "api.example.com" is in report mode',
  ],
  [
    'pattern-duplicate',
    'the same pattern twice',
    (m) => m.hosts.push(extraHost('PROMO.Example.com.')),
    ['hosts', 2, 'pattern'],
    'hosts[2] pattern "PROMO.Example.com." is the same as hosts[0] (promo.example.com)',
  ],
  [
    'pattern-overlap',
    'a wildcard over an exact host with other pins',
    (m) => m.hosts.push(extraHost('**.example.com', [PIN_D, PIN_E], [PIN_C])),
    ['hosts', 2, 'pattern'],
    'host pattern "**.example.com" (hosts[2]) overlaps another with different settings: it also matches every host of "promo.example.com" (hosts[0])',
  ],
  [
    'pattern-overlap',
    'two wildcards sharing hosts',
    (m) => m.hosts.push(extraHost('*.a.example.net'), extraHost('**.example.net', [PIN_D, PIN_E])),
    ['hosts', 3, 'pattern'],
    'it also matches every host of "*.a.example.net"',
  ],
  [
    'pattern-over-broad',
    'a wildcard over github.io',
    (m) => m.hosts.push(extraHost('*.github.io')),
    ['hosts', 2, 'pattern'],
    'host pattern "*.github.io" (hosts[2]) covers every site under "github.io"',
  ],
  [
    'pattern-apex-wildcard',
    'a **. pattern at a registrable domain',
    (m) => m.hosts.push(extraHost('**.example.org')),
    ['hosts', 2, 'pattern'],
    'pins example.org and every subdomain at any depth',
  ],
  [
    'destination-payload-unparseable',
    'a web payload without a scheme',
    (m) => (destination(m, 0).payload = 'promo.example.com/spring'),
    ['destinations', 0, 'payload'],
    'destination "poster" (kind web): payload "promo.example.com/spring" is not an absolute URL',
  ],
  [
    'destination-payload-unparseable',
    'a deep link that is not a link',
    (m) => (destination(m, 2).payload = 'offer 42'),
    ['destinations', 2, 'payload'],
    'is not a link with a scheme',
  ],
  [
    'destination-not-https',
    'an http web payload',
    (m) => (destination(m, 0).payload = 'http://promo.example.com/spring'),
    ['destinations', 0, 'payload'],
    'destination "poster" (kind web): payload "http://promo.example.com/spring" is http, not https',
  ],
  [
    'destination-not-https',
    'an http deep-link fallback',
    (m) => (destination(m, 2).fallback = 'http://promo.example.com/offer'),
    ['destinations', 2, 'fallback'],
    'destination "offer": fallback "http://promo.example.com/offer" is not an https URL',
  ],
  [
    'deep-link-no-fallback',
    'a deep link without a fallback',
    (m) => delete destination(m, 2).fallback,
    ['destinations', 2],
    'deep-link destination "offer" has no fallback: phones without the app open nothing, or whichever app claims the "exampleapp:" scheme',
  ],
  [
    'destination-host-invalid',
    'a payload to an IP address',
    (m) => (destination(m, 0).payload = 'https://192.0.2.10/spring'),
    ['destinations', 0, 'payload'],
    'destination "poster": the payload host cannot be pinned: host "192.0.2.10" is an IP address',
  ],
  [
    'destination-host-invalid',
    'an extra host written as a URL',
    (m) => (destination(m, 3).hosts = ['https://cdn.example.com/']),
    ['destinations', 3, 'hosts', 0],
    'the listed host cannot be pinned',
  ],
  [
    'destination-unpinned',
    'an extra host no pattern covers',
    (m) => (destination(m, 3).hosts = ['cdn.example.net']),
    ['destinations', 3, 'hosts', 0],
    'destination "checkin" reaches cdn.example.net (listed in its hosts) but no host pattern covers it',
  ],
  [
    'destination-unpinned',
    'a fallback on an unpinned host',
    (m) => (destination(m, 2).fallback = 'https://www.example.com/'),
    ['destinations', 2, 'fallback'],
    'reaches www.example.com (from its fallback)',
  ],
  [
    'destination-unpinned',
    'a payload host covered only by an invalid pattern',
    (m) => (host(m, 1).pattern = 'api.example.com:443'),
    ['destinations', 3, 'payload'],
    'reaches api.example.com (from its payload)',
  ],
  [
    'signing-key-missing',
    'a server without signing keys',
    (m) => (m.signingKeys = []),
    ['signingKeys'],
    'the manifest names the server "https://pins.example.com" but no signing key',
  ],
  [
    'signing-key-no-backup',
    'a single signing key',
    (m) => m.signingKeys.pop(),
    ['signingKeys'],
    'only one signing key ("primary") is trusted',
  ],
  [
    'signing-key-invalid',
    'an EdDSA key that is an EC key',
    (m) => ((m.signingKeys[0] as { alg: string }).alg = 'ES256'),
    ['signingKeys', 0, 'jwk'],
    'signing key "primary": alg ES256 needs a JWK with kty "EC" and crv "P-256", got kty "OKP" and crv "Ed25519"',
  ],
  [
    'signing-key-invalid',
    'a key whose x is damaged',
    (m) => ((m.signingKeys[1] as { jwk: Record<string, unknown> }).jwk = { ...JWK_2, x: 'AAAA' }),
    ['signingKeys', 1, 'jwk'],
    'signing key "backup": the JWK is not a valid public key',
  ],
];

describe('lintManifest', () => {
  it('finds nothing in a clean manifest', () => {
    assert.deepEqual(lintManifest(clean(), { now: NOW }), []);
  });

  for (const [rule, what, change, path, fragment] of cases) {
    it(`reports ${rule} for ${what}, and not for the clean manifest`, () => {
      const findings = lint(change);
      const hit = findings.find(
        (f) =>
          f.rule === rule && JSON.stringify(f.path) === JSON.stringify(path) && f.message.includes(fragment),
      );
      assert.ok(
        hit,
        `no ${rule} at ${JSON.stringify(path)} saying ${fragment} in ${JSON.stringify(findings, null, 2)}`,
      );
      assert.equal(hit.severity, lintRules.find((r) => r.id === rule)?.severity);
      assert.ok(hit.hint.length > 20, hit.hint);
      assert.ok(!lintManifest(clean(), { now: NOW }).some((f) => f.rule === rule));
    });
  }

  it('has a case above for every rule in the registry', () => {
    const covered = new Set(cases.map(([rule]) => rule));
    assert.deepEqual(
      lintRules.map((r) => r.id).filter((id) => !covered.has(id)),
      [],
    );
  });

  it('tells how to make a backup pin', () => {
    const [finding] = lint((m) => (host(m, 0).backupPins = [])).filter((f) => f.rule === 'no-backup-pin');
    assert.match(finding?.hint ?? '', /`qrpin keys backup promo\.example\.com`.*backupPins/);
  });

  it('says nothing about overlapping patterns that carry the same pinset', () => {
    const findings = lint((m) => m.hosts.push(extraHost('**.promo.example.com', [PIN_B, PIN_A], [PIN_C])));
    assert.deepEqual(findings, []);
  });

  it('does not report the payload host of a custom-scheme deep link as unpinned', () => {
    const findings = lint((m) => (destination(m, 2).payload = 'exampleapp://unpinned.example.net/x'));
    assert.deepEqual(findings, []);
  });

  it('judges expiry against the injected time', () => {
    const change = (m: ManifestDraft) => (host(m, 0).expires = '2027-01-10');
    assert.deepEqual(
      lint(change, new Date('2026-11-24T00:00:00Z')).map((f) => f.rule),
      [],
    );
    assert.deepEqual(
      lint(change, new Date('2026-12-11T23:59:59Z')).map((f) => f.rule),
      ['pinset-expiring'],
    );
    assert.deepEqual(
      lint(change, new Date('2027-01-10T23:59:59Z')).map((f) => f.rule),
      ['pinset-expiring'],
    );
    assert.deepEqual(
      lint(change, new Date('2027-01-11T00:00:00Z')).map((f) => f.rule),
      ['pinset-expired'],
    );
  });

  it('orders findings by path in file order, then by rule', () => {
    const findings = lint((m) => {
      m.signingKeys = [];
      host(m, 1).mode = 'report';
      host(m, 1).backupPins = [];
      host(m, 0).pins = ['bad', PIN_A];
      delete destination(m, 2).fallback;
    });
    assert.deepEqual(
      findings.map((f) => [f.rule, f.path.join('.')]),
      [
        ['deep-link-no-fallback', 'destinations.2'],
        ['pin-invalid', 'hosts.0.pins.0'],
        ['too-few-pins', 'hosts.1'],
        ['no-backup-pin', 'hosts.1.backupPins'],
        ['report-only', 'hosts.1.mode'],
        ['signing-key-missing', 'signingKeys'],
      ],
    );
  });

  it('works on a manifest read from YAML, with findings that locate', () => {
    const text = `version: 1\nproject: spring\ndestinations:\n  - id: poster\n    payload: https://promo.example.com/\n    kind: web\nhosts:\n  - pattern: promo.example.com\n    pins: [${PIN_A}, ${PIN_B}]\n    backupPins: []\n`;
    const parsed = parseManifest(text);
    const findings = lintManifest(parsed.manifest, { now: NOW });
    assert.deepEqual(
      findings.map((f) => [f.rule, parsed.locate(f.path)]),
      [
        ['no-expiry', { line: 8, column: 5 }],
        ['no-backup-pin', { line: 10, column: 17 }],
      ],
    );
  });

  it('lists each rule once, with a kebab-case id, a severity, a description and a fix', () => {
    const ids = lintRules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of lintRules) {
      assert.match(rule.id, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(['error', 'warning', 'info'].includes(rule.severity));
      assert.ok(rule.description.length > 20 && rule.fix.length > 10, rule.id);
    }
    assert.ok(Object.isFrozen(lintRules));
  });

  const label = fc.constantFrom('a', 'b', 'x', 'example');
  const hostName = fc
    .array(label, { minLength: 0, maxLength: 3 })
    .map((labels) => [...labels, 'example', 'com'].join('.'));
  const patternText = fc.tuple(fc.constantFrom('', '*.', '**.'), hostName).map(([w, h]) => w + h);

  it('finds a destination host unpinned exactly when no host pattern matches it', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(patternText, { maxLength: 6 }),
        fc.array(hostName, { minLength: 1, maxLength: 6 }),
        (patterns, names) => {
          const m = clean();
          m.hosts = patterns.map((p) => extraHost(p));
          m.destinations = [{ id: 'd', payload: `https://${names[0]}/`, kind: 'web', hosts: names.slice(1) }];
          const unpinned = new Set(
            lintManifest(m, { now: NOW })
              .filter((f) => f.rule === 'destination-unpinned')
              .map((f) => f.path.join('.')),
          );
          names.forEach((name, i) => {
            const expected = !patterns.some((p) => HostPattern.parse(p).matches(name));
            const path = i === 0 ? 'destinations.0.payload' : `destinations.0.hosts.${i - 1}`;
            assert.equal(unpinned.has(path), expected, `${name} against ${patterns.join(', ')}`);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds every pair of overlapping patterns with different pins', () => {
    fc.assert(
      fc.property(fc.uniqueArray(patternText, { maxLength: 6 }), (patterns) => {
        const m = clean();
        m.hosts = patterns.map((p, i) => extraHost(p, [pin(10 + i), pin(40 + i)], [pin(70 + i)]));
        m.destinations = [];
        const reported = lintManifest(m, { now: NOW }).filter((f) => f.rule === 'pattern-overlap').length;
        const parsed = patterns.map((p) => HostPattern.parse(p));
        let expected = 0;
        parsed.forEach((b, j) =>
          parsed.slice(0, j).forEach((a) => (expected += a.overlaps(b) && !a.equals(b) ? 1 : 0)),
        );
        assert.equal(reported, expected, patterns.join(', '));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on a schema-valid manifest', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        'https://a.example.com/x',
        'http://[::1]/',
        'exampleapp://',
        'https://xn--/',
        'https://a..b/',
        'mailto:a@b',
        'https://%00/',
      ),
    );
    const pinText = fc.oneof(
      fc.constantFrom(PIN_A, PIN_B, PIN_C, 'sha256/', 'x'),
      fc.string({ minLength: 1, maxLength: 60 }),
    );
    const manifest = fc.record({
      version: fc.constant(1 as const),
      project: fc.constant('p'),
      server: fc.option(fc.constant('https://pins.example.com'), { nil: undefined }),
      destinations: fc.array(
        fc.record({
          id: fc.string({ minLength: 1, maxLength: 8 }),
          payload: text,
          kind: fc.constantFrom('web' as const, 'app-link' as const, 'deep-link' as const, 'api' as const),
          fallback: fc.option(text, { nil: undefined }),
          hosts: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
        }),
        { maxLength: 4 },
      ),
      hosts: fc.array(
        fc.record({
          pattern: fc.oneof(
            fc.string({ minLength: 1, maxLength: 30 }),
            fc.constantFrom('**.example.com', '*.github.io', 'a.example.com', '*.com', '**.a.b.c'),
          ),
          pins: fc.array(pinText, { maxLength: 4 }),
          backupPins: fc.array(pinText, { maxLength: 3 }),
          expires: fc.option(fc.constantFrom('2026-01-01', '2026-12-01', '2099-12-31'), { nil: undefined }),
          mode: fc.constantFrom('enforce' as const, 'report' as const),
        }),
        { maxLength: 5 },
      ),
      signingKeys: fc.array(
        fc.record({
          kid: fc.string({ minLength: 1, maxLength: 5 }),
          alg: fc.constantFrom('EdDSA' as const, 'ES256' as const),
          jwk: fc.oneof(
            fc.constant(JWK_1),
            fc.constant(JWK_2),
            fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
          ),
        }),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(manifest, fc.date({ noInvalidDate: true }), (m, now) => {
        const findings = lintManifest(m as Manifest, { now });
        for (const f of findings) assert.ok(f.message.length > 0 && f.hint.length > 0);
      }),
      { numRuns: 500 },
    );
  });
});
