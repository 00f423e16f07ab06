import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_PIN_INPUT_BYTES, QrpinError, computePins } from '@qrpin/core';
import type { QrpinErrorCode } from '@qrpin/core';
import { KEY_SPECS, Scratch, artifactsFor, makeKeyMaterial } from '../fixtures/openssl.ts';

const dir = new Scratch();
const referencePins = new Map<string, string>();

/** Keys and encodings beyond the per-type material: encrypted, refused and unusual forms. */
async function makeOddKeys(): Promise<void> {
  const encrypted = async (): Promise<void> => {
    await dir.openssl`genpkey -algorithm ed25519 -out plain.pem`;
    await dir.openssl`pkcs8 -topk8 -in plain.pem -passout pass:secret -out encrypted.pem`;
    await dir.openssl`pkcs8 -topk8 -in plain.pem -passout pass:secret -outform der -out encrypted.der`;
  };
  const dsa = async (): Promise<void> => {
    await dir.openssl`genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa-params.pem`;
    await dir.openssl`genpkey -paramfile dsa-params.pem -out dsa.pem`;
    await dir.openssl`pkey -in dsa.pem -pubout -out dsa.pub.pem`;
  };
  const x25519 = async (): Promise<void> => {
    await dir.openssl`genpkey -algorithm X25519 -out x25519.pem`;
    await dir.openssl`pkey -in x25519.pem -pubout -outform der -out x25519.pub.der`;
  };
  // `openssl ecparam -genkey` writes an EC PARAMETERS block before the key.
  const ecparam = async (): Promise<void> => {
    await dir.openssl`ecparam -genkey -name prime256v1 -out ecparam-key.pem`;
    await dir.bash(
      'openssl ec -in ecparam-key.pem -pubout 2>/dev/null | openssl pkey -pubin -outform der | ' +
        'openssl dgst -sha256 -binary | base64 > ecparam-key.pin',
    );
  };
  await Promise.all([
    encrypted(),
    dsa(),
    x25519(),
    ecparam(),
    dir.openssl`genpkey -algorithm X448 -out x448.pem`,
    dir.openssl`ecparam -genkey -name secp256k1 -noout -out secp256k1.pem`,
    dir.openssl`genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa-1024.pem`,
  ]);
}

before(async () => {
  await Promise.all([
    ...KEY_SPECS.map(async (spec) => referencePins.set(spec.slug, await makeKeyMaterial(dir, spec))),
    makeOddKeys(),
  ]);
  // These need the RSA 2048 key and certificate made above.
  await Promise.all([
    dir.openssl`rsa -in rsa-2048.key.pem -traditional -aes128 -passout pass:secret -out legacy-encrypted.pem`,
    dir.openssl`x509 -in rsa-2048.cert.pem -trustout -addtrust serverAuth -out trusted.pem`,
  ]);
});

after(() => dir.remove());

/** The single pin computed from `input`, as text. */
function onlyPin(input: string | Uint8Array): string {
  const pins = computePins(input);
  assert.equal(pins.length, 1);
  return pins[0]!.pin.toString();
}

for (const spec of KEY_SPECS) {
  describe(`computePins for an ${spec.name} key`, () => {
    for (const artifact of artifactsFor(spec)) {
      it(`agrees with the OpenSSL reference pin for the ${artifact.what}`, () => {
        const input = artifact.pemLabel === undefined ? dir.bytes(artifact.file) : dir.text(artifact.file);
        if (artifact.pemLabel !== undefined) {
          assert.ok(
            (input as string).startsWith(`-----BEGIN ${artifact.pemLabel}-----`),
            'openssl wrote the format under test',
          );
        }
        const [computed, ...rest] = computePins(input);
        assert.equal(rest.length, 0);
        assert.equal(computed!.pin.toString(), referencePins.get(spec.slug));
        assert.equal(computed!.source, artifact.source);
        assert.equal(computed!.keyType, spec.keyType);
        assert.equal(computed!.keyDescription, spec.name);
        assert.equal(computed!.bits, spec.bits);
        assert.equal(computed!.curve, spec.curve);
        assert.equal(computed!.index, 0);
      });
    }

    it('reports the subject, issuer, validity and self-signature of the certificate', () => {
      const [computed] = computePins(dir.text(`${spec.slug}.cert.pem`));
      assert.equal(computed!.subject, 'CN=test');
      assert.equal(computed!.issuer, 'CN=test');
      assert.equal(computed!.selfSigned, true);
      assert.equal(computed!.isCA, true); // openssl req -x509 adds basicConstraints CA:TRUE
      const days = (computed!.notAfter!.getTime() - computed!.notBefore!.getTime()) / 86_400_000;
      assert.equal(days, 30);
    });
  });
}

describe('computePins for bundles and other inputs', () => {
  it('returns a pin for every certificate of a bundle, in order', () => {
    const slugs = ['rsa-2048', 'ec-p-256', 'ed25519'];
    const bundle = slugs.map((slug) => `# ${slug}\n${dir.text(`${slug}.cert.pem`)}`).join('\n');
    const pins = computePins(bundle);
    assert.deepEqual(
      pins.map((p) => p.pin.toString()),
      slugs.map((slug) => referencePins.get(slug)),
    );
    assert.deepEqual(
      pins.map((p) => p.index),
      [0, 1, 2],
    );
  });

  it('returns a pin for each block of a bundle that mixes a certificate and a key', () => {
    const bundle = dir.text('ec-p-384.cert.pem') + dir.text('ed448.key.pem');
    const pins = computePins(bundle);
    assert.deepEqual(
      pins.map((p) => [p.source, p.pin.toString(), p.index]),
      [
        ['certificate', referencePins.get('ec-p-384'), 0],
        ['private-key', referencePins.get('ed448'), 1],
      ],
    );
  });

  it('reads PEM text handed over as bytes', () => {
    const bytes = new TextEncoder().encode(dir.text('ec-p-521.spki.pem'));
    assert.equal(onlyPin(bytes), referencePins.get('ec-p-521'));
  });

  it('skips the EC PARAMETERS block that openssl ecparam -genkey writes before the key', () => {
    const [computed, ...rest] = computePins(dir.text('ecparam-key.pem'));
    assert.equal(rest.length, 0);
    assert.equal(computed!.pin.toString(), `sha256/${dir.text('ecparam-key.pin').trim()}`);
    assert.equal(computed!.index, 1);
  });

  it("reads OpenSSL's TRUSTED CERTIFICATE form, ignoring the trust settings after the certificate", () => {
    assert.ok(dir.text('trusted.pem').startsWith('-----BEGIN TRUSTED CERTIFICATE-----'));
    assert.equal(onlyPin(dir.text('trusted.pem')), referencePins.get('rsa-2048'));
  });

  it('copies the label into every result and error message', () => {
    const [computed] = computePins(dir.text('ed25519.cert.pem'), { label: 'site.pem' });
    assert.equal(computed!.label, 'site.pem');
    assert.throws(
      () => computePins('-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n', { label: 'site.pem' }),
      (err: unknown) => err instanceof QrpinError && err.message.startsWith('site.pem: PEM block 0 (PKCS7)'),
    );
  });

  it('computes the pin of an RSA key below 2048 bits and reports its size for lint to judge', () => {
    const [computed] = computePins(dir.text('rsa-1024.pem'));
    assert.equal(computed!.bits, 1024);
    assert.equal(computed!.keyDescription, 'RSA 1024');
  });
});

/** Builds `depth` nested SEQUENCEs around nothing, each header with a correct length. */
function nestedSequences(depth: number): Uint8Array {
  const headers: number[][] = [];
  let length = 0;
  for (let i = 0; i < depth; i++) {
    const header =
      length < 0x80
        ? [0x30, length]
        : length < 0x100
          ? [0x30, 0x81, length]
          : [0x30, 0x82, length >> 8, length & 0xff];
    headers.push(header);
    length += header.length;
  }
  return Uint8Array.from(headers.reverse().flat());
}

function flipLastByte(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[copy.length - 1]! ^= 0x01;
  return copy;
}

function pem(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

describe('computePins refuses bad input with a coded error', () => {
  const cases: Array<[string, () => string | Uint8Array, QrpinErrorCode, RegExp]> = [
    ['an empty string', () => '', 'ERR_PEM_INVALID', /no PEM block found .*: the input is empty/],
    ['random text', () => 'hello, this is not a certificate', 'ERR_PEM_INVALID', /no PEM block found/],
    ['random bytes', () => Uint8Array.from([1, 2, 3, 4, 5]), 'ERR_PEM_INVALID', /neither PEM text nor DER/],
    [
      'a PEM block with broken base64',
      () => '-----BEGIN CERTIFICATE-----\nMIIB$$$$\n-----END CERTIFICATE-----\n',
      'ERR_PEM_INVALID',
      /PEM block 0 \(CERTIFICATE\) is not valid base64: it contains the character "\$"/,
    ],
    [
      'a PEM block without its END line',
      () => dir.text('ec-p-256.cert.pem').replace(/-----END CERTIFICATE-----\s*$/, ''),
      'ERR_PEM_INVALID',
      /PEM block 0 \(CERTIFICATE\) has no "-----END CERTIFICATE-----" line/,
    ],
    [
      'a PEM block with a malformed BEGIN line',
      () => '-----BEGIN certificate\nAAAA\n',
      'ERR_PEM_INVALID',
      /PEM block 0 has a malformed BEGIN line/,
    ],
    [
      'a truncated DER certificate',
      () => dir.bytes('rsa-2048.cert.der').subarray(0, 500),
      'ERR_DER_INVALID',
      /the input is not valid DER: .*truncated/,
    ],
    [
      'a PEM certificate cut short at a line boundary',
      () => pem('CERTIFICATE', dir.bytes('rsa-2048.cert.der').subarray(0, 48 * 10)),
      'ERR_DER_INVALID',
      /PEM block 0 \(CERTIFICATE\) is not valid DER: .*truncated/,
    ],
    [
      'a certificate PEM whose body is a public key',
      () => dir.text('ec-p-256.spki.pem').replaceAll('PUBLIC KEY', 'CERTIFICATE'),
      'ERR_DER_INVALID',
      /PEM block 0 \(CERTIFICATE\) does not hold an X.509 certificate; it holds a public key, so check its BEGIN\/END label/,
    ],
    [
      'an unsupported PEM label',
      () => '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n',
      'ERR_PEM_INVALID',
      /PEM block 0 \(X509 CRL\) has a label qrpin does not read/,
    ],
    [
      'the second block of a bundle with an unsupported label',
      () => `${dir.text('ed25519.cert.pem')}-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n`,
      'ERR_PEM_INVALID',
      /PEM block 1 \(PKCS7\) has a label qrpin does not read; extract its certificates with `openssl pkcs7 -print_certs`/,
    ],
    [
      'an encrypted PKCS#8 key',
      () => dir.text('encrypted.pem'),
      'ERR_KEY_ENCRYPTED',
      /PEM block 0 \(ENCRYPTED PRIVATE KEY\) is an encrypted private key; decrypt it first.*never asks for passwords/,
    ],
    [
      'an encrypted PKCS#8 key in DER',
      () => dir.bytes('encrypted.der'),
      'ERR_KEY_ENCRYPTED',
      /decrypt it first/,
    ],
    [
      'a legacy encrypted RSA key',
      () => dir.text('legacy-encrypted.pem'),
      'ERR_KEY_ENCRYPTED',
      /PEM block 0 \(RSA PRIVATE KEY\) is an encrypted private key/,
    ],
    ['a DSA private key', () => dir.text('dsa.pem'), 'ERR_KEY_UNSUPPORTED', /holds a DSA key/],
    [
      'a DSA public key',
      () => dir.text('dsa.pub.pem'),
      'ERR_KEY_UNSUPPORTED',
      /PEM block 0 \(PUBLIC KEY\) holds a DSA key/,
    ],
    [
      'an X25519 private key',
      () => dir.text('x25519.pem'),
      'ERR_KEY_UNSUPPORTED',
      /holds an X25519 key, which only agrees/,
    ],
    [
      'an X25519 public key in DER',
      () => dir.bytes('x25519.pub.der'),
      'ERR_KEY_UNSUPPORTED',
      /the input holds an X25519 key/,
    ],
    ['an X448 private key', () => dir.text('x448.pem'), 'ERR_KEY_UNSUPPORTED', /holds an X448 key/],
    [
      'an EC key on secp256k1',
      () => dir.text('secp256k1.pem'),
      'ERR_KEY_UNSUPPORTED',
      /an EC key on secp256k1/,
    ],
    [
      'a CSR with a flipped signature byte',
      () => flipLastByte(dir.bytes('rsa-2048.csr.der')),
      'ERR_CSR_INVALID',
      /the input is not a valid PKCS#10 certificate request: its signature does not verify/,
    ],
    [
      'a PEM CSR with a flipped signature byte',
      () => pem('CERTIFICATE REQUEST', flipLastByte(dir.bytes('ed25519.csr.der'))),
      'ERR_CSR_INVALID',
      /PEM block 0 \(CERTIFICATE REQUEST\) is not a valid PKCS#10 certificate request: its signature does not verify/,
    ],
    [
      'a CSR whose subject was altered after signing',
      () => {
        const der = Uint8Array.from(dir.bytes('ec-p-256.csr.der'));
        const at = Buffer.from(der).indexOf('x'); // the CN
        der[at] = 'y'.charCodeAt(0);
        return der;
      },
      'ERR_CSR_INVALID',
      /its signature does not verify/,
    ],
    [
      'a CSR PEM whose body is not DER',
      () => pem('NEW CERTIFICATE REQUEST', Uint8Array.from([0x30, 0x05, 0x02, 0x01])),
      'ERR_CSR_INVALID',
      /PEM block 0 \(NEW CERTIFICATE REQUEST\) is not a valid PKCS#10 certificate request: .*truncated/,
    ],
    [
      'oversized text',
      () => 'A'.repeat(MAX_PIN_INPUT_BYTES + 1),
      'ERR_INPUT_TOO_LARGE',
      /larger than 1 MiB \(1048576 bytes\)/,
    ],
    [
      'text over 1 MiB once encoded as UTF-8',
      () => 'é'.repeat(600_000),
      'ERR_INPUT_TOO_LARGE',
      /larger than 1 MiB/,
    ],
    ['something that is neither text nor bytes', () => 42 as unknown as string, 'ERR_USAGE', /got number/],
    [
      'oversized bytes',
      () => new Uint8Array(MAX_PIN_INPUT_BYTES + 1),
      'ERR_INPUT_TOO_LARGE',
      /larger than 1 MiB \(1048576 bytes\)/,
    ],
    ['deeply nested DER', () => nestedSequences(10_000), 'ERR_DER_INVALID', /nested deeper than 32 levels/],
    [
      'deeply nested DER in a PEM block',
      () => pem('PUBLIC KEY', nestedSequences(10_000)),
      'ERR_DER_INVALID',
      /PEM block 0 \(PUBLIC KEY\) is not valid DER: its elements are nested deeper than 32 levels/,
    ],
    [
      'well-formed DER that is no key format',
      () => Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x05]),
      'ERR_DER_INVALID',
      /the input is DER but not a certificate, a public key/,
    ],
  ];

  for (const [name, input, code, message] of cases) {
    it(`rejects ${name} with ${code}`, () => {
      assert.throws(
        () => computePins(input()),
        (err: unknown) => {
          assert.ok(err instanceof QrpinError, `expected a QrpinError, got ${String(err)}`);
          assert.equal(err.code, code);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('keeps the OpenSSL error as the cause of a content error', () => {
    assert.throws(
      () => computePins(dir.text('ec-p-256.spki.pem').replaceAll('PUBLIC KEY', 'CERTIFICATE')),
      (err: unknown) => err instanceof QrpinError && err.cause instanceof Error,
    );
  });
});

const CODES = new Set<QrpinErrorCode>([
  'ERR_INPUT_TOO_LARGE',
  'ERR_PEM_INVALID',
  'ERR_DER_INVALID',
  'ERR_KEY_UNSUPPORTED',
  'ERR_KEY_ENCRYPTED',
  'ERR_CSR_INVALID',
]);

/** Runs computePins and fails on anything but a result or a QrpinError with one of {@link CODES}. */
function computeOrCodedError(input: string | Uint8Array): string[] | undefined {
  try {
    return computePins(input).map((p) => p.pin.toString());
  } catch (err) {
    assert.ok(err instanceof QrpinError, `expected a QrpinError, got ${String(err)}`);
    assert.ok(CODES.has(err.code), `unexpected code ${err.code}: ${err.message}`);
    return undefined;
  }
}

const mutations = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
  minLength: 1,
  maxLength: 4,
});

/** Usually nothing, sometimes a few bytes cut off the end. */
const cuts = fc.oneof(
  { arbitrary: fc.constant(0), weight: 4 },
  { arbitrary: fc.integer({ min: 1, max: 16 }), weight: 1 },
);

function mutate(bytes: Uint8Array, changes: Array<{ at: number; value: number }>, cut: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  for (const { at, value } of changes) copy[at % copy.length] = value;
  return copy.subarray(0, copy.length - cut);
}

describe('computePins on hostile input', () => {
  it('answers random bytes with a result or a coded error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => void computeOrCodedError(bytes)));
  });

  it('answers random bytes that start like DER with a result or a coded error', () => {
    const derish = fc
      .uint8Array({ maxLength: 300 })
      .map((body) =>
        Uint8Array.from([
          0x30,
          ...(body.length < 0x80 ? [body.length] : [0x82, body.length >> 8, body.length & 0xff]),
          ...body,
        ]),
      );
    fc.assert(
      fc.property(derish, (bytes) => void computeOrCodedError(bytes)),
      { numRuns: 300 },
    );
  });

  it('answers random text inside PEM armour with a coded error', () => {
    const labels = fc.constantFrom(
      'CERTIFICATE',
      'PUBLIC KEY',
      'PRIVATE KEY',
      'CERTIFICATE REQUEST',
      'EC PRIVATE KEY',
      'WHATEVER',
    );
    fc.assert(
      fc.property(labels, fc.string({ maxLength: 200 }), (label, body) => {
        void computeOrCodedError(`-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`);
      }),
    );
  });

  for (const slug of ['ec-p-256', 'rsa-2048', 'ed25519']) {
    it(`never yields a pin other than the key's own from a mutated ${slug} CSR`, () => {
      fc.assert(
        fc.property(mutations, cuts, (changes, cut) => {
          const pins = computeOrCodedError(mutate(dir.bytes(`${slug}.csr.der`), changes, cut));
          if (pins !== undefined) assert.deepEqual(pins, [referencePins.get(slug)]);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('answers a mutated CSR PEM with the original pin or a coded error', () => {
    fc.assert(
      fc.property(mutations, cuts, (changes, cut) => {
        const text = new TextEncoder().encode(dir.text('ec-p-384.csr.pem'));
        const pins = computeOrCodedError(new TextDecoder().decode(mutate(text, changes, cut)));
        if (pins !== undefined) assert.deepEqual(pins, [referencePins.get('ec-p-384')]);
      }),
      { numRuns: 300 },
    );
  });
});
