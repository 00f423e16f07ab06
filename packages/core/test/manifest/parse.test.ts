import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManifestError, QrpinError, manifestLimits, parseManifest, type Manifest } from '@qrpin/core';

const PIN_A = `sha256/${Buffer.alloc(32, 1).toString('base64')}`;
const PIN_B = `sha256/${Buffer.alloc(32, 2).toString('base64')}`;
const PIN_C = `sha256/${Buffer.alloc(32, 3).toString('base64')}`;

// Line numbers matter: tests below locate values in this text.
const YAML_TEXT = `# spring campaign
version: 1
project: spring
server: https://pins.example.com
destinations:
  - id: poster
    payload: https://promo.example.com/spring?src=qr
    kind: web
    campaign: spring-2026
  - id: app-offer
    payload: exampleapp://offer/42
    kind: deep-link
    fallback: https://promo.example.com/offer/42
    hosts: [cdn.example.com]
hosts:
  - pattern: promo.example.com
    pins:
      - ${PIN_A}
      - ${PIN_B}
    backupPins: [${PIN_C}]
    expires: 2027-06-01
  - pattern: '**.example.com'
    pins: [${PIN_A}]
    mode: report
`;

const EXPECTED: Manifest = {
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
    {
      id: 'app-offer',
      payload: 'exampleapp://offer/42',
      kind: 'deep-link',
      fallback: 'https://promo.example.com/offer/42',
      hosts: ['cdn.example.com'],
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
    { pattern: '**.example.com', pins: [PIN_A], backupPins: [], mode: 'report' },
  ],
  signingKeys: [],
};

const JSON_TEXT = JSON.stringify(
  {
    version: 1,
    project: 'spring',
    server: 'https://pins.example.com',
    destinations: EXPECTED.destinations,
    hosts: [
      { pattern: 'promo.example.com', pins: [PIN_A, PIN_B], backupPins: [PIN_C], expires: '2027-06-01' },
      { pattern: '**.example.com', pins: [PIN_A], mode: 'report' },
    ],
  },
  null,
  2,
);

/** The 1-based line and column of the `nth` occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string, nth = 1): { line: number; column: number } {
  let offset = -1;
  for (let i = 0; i < nth; i++) offset = text.indexOf(needle, offset + 1);
  assert.notEqual(offset, -1, `${needle} not found`);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function manifestError(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ManifestError, `expected a ManifestError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected parseManifest to throw');
}

describe('parseManifest', () => {
  it('reads a YAML manifest into the model, applying defaults', () => {
    const parsed = parseManifest(YAML_TEXT, { file: 'qrpin.yaml' });
    assert.deepEqual(parsed.manifest, EXPECTED);
    assert.equal(parsed.file, 'qrpin.yaml');
  });

  it('reads the same manifest written as JSON into the same model', () => {
    assert.deepEqual(parseManifest(JSON_TEXT).manifest, EXPECTED);
  });

  it('reads UTF-8 bytes and ignores a byte order mark', () => {
    const bytes = new TextEncoder().encode(`\uFEFF${YAML_TEXT}`);
    assert.deepEqual(parseManifest(bytes).manifest, EXPECTED);
    assert.deepEqual(parseManifest(`\uFEFF${YAML_TEXT}`).manifest, EXPECTED);
  });

  it('locates values of a YAML manifest by path', () => {
    const { locate } = parseManifest(YAML_TEXT);
    assert.deepEqual(locate(['hosts', 0, 'pins', 1]), positionOf(YAML_TEXT, PIN_B));
    assert.deepEqual(locate(['hosts', 0, 'pins', 1]), { line: 19, column: 9 });
    assert.deepEqual(locate(['hosts', 1, 'pattern']), { line: 22, column: 14 });
    assert.deepEqual(locate(['destinations', 1, 'hosts', 0]), positionOf(YAML_TEXT, 'cdn.example.com'));
    assert.deepEqual(locate(['hosts', 1]), { line: 22, column: 5 });
    assert.deepEqual(locate([]), { line: 2, column: 1 });
  });

  it('locates values of a JSON manifest by path', () => {
    const { locate } = parseManifest(JSON_TEXT);
    assert.deepEqual(locate(['hosts', 0, 'pins', 1]), positionOf(JSON_TEXT, `"${PIN_B}"`));
    assert.deepEqual(locate(['hosts', 1, 'mode']), positionOf(JSON_TEXT, '"report"'));
  });

  it('answers undefined for paths that are not written in the file', () => {
    const { locate } = parseManifest(YAML_TEXT);
    assert.equal(locate(['hosts', 1, 'backupPins']), undefined);
    assert.equal(locate(['hosts', 7]), undefined);
    assert.equal(locate(['signingKeys']), undefined);
    assert.equal(locate(['project', 'nope']), undefined);
  });

  it('locates through YAML aliases, pointing at the alias itself', () => {
    const text = `version: 1\nproject: x\ndestinations: []\nhosts:\n  - pattern: a.example.com\n    pins: &shared [${PIN_A}, ${PIN_B}]\n  - pattern: b.example.com\n    pins: *shared\n`;
    const parsed = parseManifest(text);
    assert.deepEqual(parsed.manifest.hosts[1]?.pins, [PIN_A, PIN_B]);
    assert.deepEqual(parsed.locate(['hosts', 1, 'pins']), { line: 8, column: 11 });
    assert.deepEqual(parsed.locate(['hosts', 1, 'pins', 1]), positionOf(text, PIN_B));
  });

  it('points at the key when a value is empty', () => {
    const text = `version: 1\nproject: x\ndestinations:\nhosts: []\n`;
    const error = manifestError(() => parseManifest(text, { file: 'q.yaml' }));
    assert.match(error.message, /^q\.yaml:3:1: destinations must be a list, got an empty value$/);
  });

  it('accepts an http server URL only on a loopback host', () => {
    const base = 'version: 1\nproject: x\ndestinations: []\nhosts: []\n';
    assert.equal(
      parseManifest(`${base}server: http://127.0.0.1:8080\n`).manifest.server,
      'http://127.0.0.1:8080',
    );
    assert.equal(
      parseManifest(`${base}server: http://localhost:8080\n`).manifest.server,
      'http://localhost:8080',
    );
  });

  it('lists every schema problem, sorted by position, and the first few in the message', () => {
    const hosts = Array.from(
      { length: 7 },
      (_, i) => `  - pattern: h${i}.example.com\n    pins: []\n    mode: nope\n`,
    );
    const text = `version: 1\nproject: x\ndestinations: []\nhosts:\n${hosts.join('')}`;
    const error = manifestError(() => parseManifest(text, { file: 'qrpin.yaml' }));
    assert.equal(error.code, 'ERR_MANIFEST_INVALID');
    assert.equal(error.issues.length, 7);
    assert.deepEqual(
      error.issues.map((i) => i.line),
      [7, 10, 13, 16, 19, 22, 25],
    );
    assert.deepEqual(error.issues[2], {
      path: ['hosts', 2, 'mode'],
      message: 'hosts[2].mode must be "enforce" or "report", got "nope"',
      line: 13,
      column: 11,
    });
    const lines = error.message.split('\n');
    assert.equal(lines.length, 6);
    assert.equal(lines[0], 'qrpin.yaml:7:11: hosts[0].mode must be "enforce" or "report", got "nope"');
    assert.equal(lines[5], '… and 2 more problems in qrpin.yaml');
    assert.equal(error.file, 'qrpin.yaml');
  });

  it('reports duplicate ids together with the other problems', () => {
    const text = `version: 1\nproject: x\ndestinations:\n  - {id: a, payload: x, kind: web}\n  - {id: a, payload: y, kind: web}\nhosts:\n  - {pattern: a.example.com, pins: [], mode: block}\n`;
    const error = manifestError(() => parseManifest(text, { file: 'qrpin.yaml' }));
    assert.deepEqual(
      error.issues.map((i) => i.message),
      [
        'destinations[1].id "a" is also the id of destinations[0]; ids must be unique',
        'hosts[0].mode must be "enforce" or "report", got "block"',
      ],
    );
  });

  const valid = `version: 1\nproject: spring\ndestinations:\n  - id: poster\n    payload: https://promo.example.com/\n    kind: web\nhosts:\n  - pattern: promo.example.com\n    pins: [${PIN_A}]\n    backupPins: [${PIN_B}]\n    mode: enforce\n`;
  const billionLaughs = [
    'version: 1',
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  ].join('\n');
  const nestedBlock = Array.from({ length: 80 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
  const manyAliases = `a: &a x\nb: [${Array(101).fill('*a').join(', ')}]\n`;

  const bad: Array<[string, string | Uint8Array, string, string | RegExp]> = [
    [
      'a syntax error',
      'version: 1\nproject: "abc\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:3:1: YAML syntax error: missing closing "quote',
    ],
    [
      'an unclosed flow list',
      'version: 1\nproject: [a, b\nhosts: []\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:3:1: YAML syntax error',
    ],
    [
      'a tab used for indentation',
      'version: 1\nhosts:\n\t- pattern: a\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:3:1: a tab is used for indentation',
    ],
    [
      'a duplicate key',
      'version: 1\nproject: a\nproject: b\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:3:1: the key "project" appears twice',
    ],
    [
      'an unknown field, with a did-you-mean',
      valid.replace('backupPins', 'backup_pins'),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:10:5: hosts[0].backup_pins is not a field of a host; did you mean "backupPins"?',
    ],
    [
      'an unknown top-level field, listing the known ones',
      `${valid}color: red\n`,
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:12:1: color is not a field of the manifest; the fields of the manifest are "version", "project"',
    ],
    [
      'a wrong type',
      valid.replace(`pins: [${PIN_A}]`, `pins: ${PIN_A}`),
      'ERR_MANIFEST_INVALID',
      `qrpin.yaml:9:11: hosts[0].pins must be a list, got "${PIN_A}"`,
    ],
    [
      'a number where a string is expected',
      valid.replace('id: poster', 'id: 2026'),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:4:9: destinations[0].id must be a string, got the number 2026; quote it: "2026"',
    ],
    [
      'a missing required field',
      valid.replace('project: spring\n', ''),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:1:1: project is required',
    ],
    [
      'a missing field of a host',
      valid.replace(`    pins: [${PIN_A}]\n`, ''),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:8:5: hosts[0].pins is required',
    ],
    [
      'a bad enum value',
      valid.replace('mode: enforce', 'mode: block'),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:11:11: hosts[0].mode must be "enforce" or "report", got "block"',
    ],
    [
      'a misspelt kind',
      valid.replace('kind: web', 'kind: app_link'),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:6:11: destinations[0].kind must be one of "web", "app-link", "deep-link" or "api", got "app_link"; did you mean "app-link"?',
    ],
    [
      'the wrong version',
      valid.replace('version: 1', 'version: 2'),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:1:10: version must be 1, got the number 2',
    ],
    [
      'a date that is not in the calendar',
      valid.replace('mode: enforce', 'expires: 2026-02-30'),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:11:14: hosts[0].expires must be a real calendar date written YYYY-MM-DD, got "2026-02-30"',
    ],
    [
      'duplicate destination ids',
      valid.replace(
        'hosts:\n',
        '  - id: poster\n    payload: https://promo.example.com/b\n    kind: web\nhosts:\n',
      ),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:7:9: destinations[1].id "poster" is also the id of destinations[0]; ids must be unique',
    ],
    [
      'an empty pin',
      valid.replace(`[${PIN_A}]`, `['']`),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:9:12: hosts[0].pins[0] must not be empty',
    ],
    [
      'too many pins',
      valid.replace(`[${PIN_A}]`, `[${Array(65).fill(PIN_A).join(', ')}]`),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:9:11: hosts[0].pins must have at most 64 entries, got 65',
    ],
    [
      'a payload longer than a QR code holds',
      valid.replace('https://promo.example.com/', `https://promo.example.com/${'a'.repeat(4300)}`),
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:5:14: destinations[0].payload must be at most 4296 characters long, got 4326',
    ],
    [
      'a private key in a signing key',
      `${valid}signingKeys:\n  - kid: k1\n    alg: EdDSA\n    jwk: {kty: OKP, crv: Ed25519, x: abc, d: secret}\n`,
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:15:46: signingKeys[0].jwk.d is a private-key member',
    ],
    [
      'a plain-http server',
      `${valid}server: http://pins.example.com\n`,
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:12:9: server must be an https URL',
    ],
    [
      'an oversized file',
      `version: 1\n#${'x'.repeat(manifestLimits.maxBytes)}\n`,
      'ERR_MANIFEST_TOO_LARGE',
      /^qrpin\.yaml:1:1: the manifest is 1048589 bytes, over the limit of 1048576 bytes$/,
    ],
    [
      'oversized bytes',
      new Uint8Array(manifestLimits.maxBytes + 1).fill(0x20),
      'ERR_MANIFEST_TOO_LARGE',
      'qrpin.yaml:1:1: the manifest is 1048577 bytes',
    ],
    [
      'an alias bomb (billion laughs)',
      billionLaughs,
      'ERR_MANIFEST_ALIASES',
      /^qrpin\.yaml:\d+:\d+: the manifest's aliases expand to more than 10000 extra values/,
    ],
    ['more than 100 aliases', manyAliases, 'ERR_MANIFEST_ALIASES', 'more than 100 YAML aliases'],
    [
      'an alias inside its own anchor',
      'a: &a [1, *a]\n',
      'ERR_MANIFEST_ALIASES',
      'qrpin.yaml:1:11: the alias "*a" refers to a value that contains it',
    ],
    [
      'an alias to no anchor',
      'a: *nowhere\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:1:4: the alias "*nowhere" refers to no anchor',
    ],
    [
      'an unquoted wildcard pattern',
      valid.replace('pattern: promo.example.com', 'pattern: **.example.com'),
      'ERR_MANIFEST_SYNTAX',
      `qrpin.yaml:8:14: the alias "**.example.com" refers to no anchor; a value that starts with "*" is read as an alias, so quote host patterns: '**.example.com'`,
    ],
    [
      'deeply nested flow lists',
      '['.repeat(100_000),
      'ERR_MANIFEST_TOO_LARGE',
      /^qrpin\.yaml:\d+:\d+: the manifest nests lists or mappings too deeply/,
    ],
    [
      'nesting deeper than 64 levels',
      nestedBlock,
      'ERR_MANIFEST_TOO_LARGE',
      'qrpin.yaml:64:64: the manifest nests lists or mappings more than 64 levels deep',
    ],
    [
      'a NUL byte',
      'version: 1\nproject: a\u0000b\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:2:11: the manifest holds a NUL character (U+0000)',
    ],
    [
      'a control character',
      'version: 1\u001b\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:1:11: the manifest holds the control character U+001B',
    ],
    [
      'bytes that are not UTF-8',
      new Uint8Array([0x76, 0x3a, 0x20, 0x0a, 0x61, 0xff, 0x0a]),
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:2:2: the manifest is not valid UTF-8',
    ],
    [
      'text decoded from damaged UTF-8',
      'version: 1\nproject: caf\uFFFD\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:2:13: the manifest holds U+FFFD',
    ],
    [
      'a lone surrogate',
      'project: \uD800x\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:1:10: the manifest holds a lone surrogate (U+D800)',
    ],
    ['an empty file', '', 'ERR_MANIFEST_INVALID', 'qrpin.yaml:1:1: the manifest is empty; run `qrpin init`'],
    [
      'a file of comments only',
      '# nothing yet\n\n',
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:1:1: the manifest is empty',
    ],
    [
      'a top-level list',
      '- version: 1\n- project: x\n',
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:1:1: the manifest must be a mapping of fields (version, project, destinations, hosts, …), got a list',
    ],
    [
      'a top-level scalar',
      'just some text\n',
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:1:1: the manifest must be a mapping of fields (version, project, destinations, hosts, …), got the single value "just some text"',
    ],
    [
      'two YAML documents',
      'version: 1\n---\nversion: 1\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:2:1: the file holds more than one YAML document',
    ],
    [
      'a YAML tag',
      'version: 1\nproject: !secret x\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:2:10: Unresolved tag: !secret; a manifest uses no YAML tags',
    ],
    [
      'a collection as a key',
      '? [a, b]\n: c\n',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:1:3: a mapping key must be a plain name',
    ],
    [
      'a JSON syntax error',
      '{\n  "version": 1,\n  "project": "x",,\n}',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:3:18: JSON syntax error',
    ],
    [
      'an unquoted JSON key',
      '{"version": 1, project: "x"}',
      'ERR_MANIFEST_SYNTAX',
      'qrpin.yaml:1:16: JSON syntax error: Unresolved plain scalar "project"; JSON strings and keys need double quotes',
    ],
    [
      'a JSON schema error',
      '{\n  "version": 1,\n  "project": "Spring!",\n  "destinations": [],\n  "hosts": []\n}',
      'ERR_MANIFEST_INVALID',
      'qrpin.yaml:3:14: project must hold only lower-case letters, digits and dashes, and start and end with a letter or digit, got "Spring!"',
    ],
  ];
  for (const [name, input, code, fragment] of bad) {
    it(`refuses ${name} with ${code}, naming file, line and column`, () => {
      const error = manifestError(() => parseManifest(input, { file: 'qrpin.yaml' }));
      assert.equal(error.code, code);
      if (typeof fragment === 'string') assert.ok(error.message.includes(fragment), error.message);
      else assert.match(error.message, fragment);
      assert.ok(error.issues.length > 0);
      for (const issue of error.issues) {
        assert.ok(issue.line >= 1 && issue.column >= 1);
        assert.ok(error instanceof QrpinError);
      }
    });
  }

  it('honours a smaller maxBytes', () => {
    const error = manifestError(() => parseManifest(valid, { maxBytes: 100 }));
    assert.equal(error.code, 'ERR_MANIFEST_TOO_LARGE');
    assert.match(error.message, /^manifest:1:1: the manifest is \d+ bytes, over the limit of 100 bytes$/);
  });

  it('accepts a file at the size limit', () => {
    const padded = `${valid}#${'x'.repeat(manifestLimits.maxBytes - valid.length - 2)}\n`;
    assert.equal(Buffer.byteLength(padded), manifestLimits.maxBytes);
    assert.equal(parseManifest(padded).manifest.project, 'spring');
  });

  it('accepts aliases that share one pin list among many hosts', () => {
    const hosts = Array.from(
      { length: 50 },
      (_, i) => `  - {pattern: h${i}.example.com, pins: ${i === 0 ? `&p [${PIN_A}, ${PIN_B}]` : '*p'}}\n`,
    ).join('');
    const parsed = parseManifest(`version: 1\nproject: x\ndestinations: []\nhosts:\n${hosts}`);
    assert.equal(parsed.manifest.hosts.length, 50);
    assert.deepEqual(parsed.manifest.hosts[49]?.pins, [PIN_A, PIN_B]);
  });

  const CODES = new Set([
    'ERR_MANIFEST_INVALID',
    'ERR_MANIFEST_SYNTAX',
    'ERR_MANIFEST_TOO_LARGE',
    'ERR_MANIFEST_ALIASES',
  ]);
  const refusesOnlyWithManifestErrors = (input: string | Uint8Array) => {
    try {
      parseManifest(input, { file: 'fuzz.yaml' });
    } catch (err) {
      if (!(err instanceof ManifestError) || !CODES.has(err.code)) throw err;
      if (!/^fuzz\.yaml:\d+:\d+: /.test(err.message)) throw new Error(`no position in ${err.message}`);
    }
  };
  const tokens = fc.constantFrom(
    'version: 1\n',
    'project: x\n',
    'destinations:\n',
    'hosts:\n',
    '  - ',
    '    ',
    'pattern: a.example.com\n',
    `pins: [${PIN_A}]\n`,
    'kind: web\n',
    'mode: report\n',
    '[',
    ']',
    '{',
    '}',
    ',',
    ': ',
    '&a ',
    '*a',
    '*.',
    '"',
    "'",
    '\t',
    '\n',
    '---\n',
    '!!binary ',
    '? ',
    '#',
    '\u0000',
    '\uFFFD',
    '\uD800',
    '1',
    'null',
    '<<: *a\n',
  );

  it('only ever throws a ManifestError with a manifest code, for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), refusesOnlyWithManifestErrors), {
      numRuns: 500,
    });
  });

  it('only ever throws a ManifestError with a manifest code, for YAML-like text', () => {
    fc.assert(
      fc.property(
        fc.array(tokens, { maxLength: 60 }).map((parts) => parts.join('')),
        refusesOnlyWithManifestErrors,
      ),
      { numRuns: 1000 },
    );
  });

  it('only ever throws a ManifestError with a manifest code, for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), refusesOnlyWithManifestErrors), {
      numRuns: 300,
    });
  });

  it('only ever throws a ManifestError with a manifest code, for a valid manifest with damage', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: YAML_TEXT.length }),
        fc.nat({ max: 20 }),
        fc.string({ maxLength: 10 }),
        (at, cut, insert) => {
          refusesOnlyWithManifestErrors(YAML_TEXT.slice(0, at) + insert + YAML_TEXT.slice(at + cut));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
