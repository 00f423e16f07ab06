import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { computePins, issueCertificate } from '@qrpin/core';
import { createServer } from '../../src/http/create-server.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { FACTORIES, type StoreFixture } from '../helpers/stores.ts';
import { stubVerify } from '../helpers/stub-verifier.ts';

// A chain as an intercepting proxy would present it: a leaf for the host under a rogue CA.
function rogueChain(): string[] {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = new Date();
  const later = new Date(now.getTime() + 86_400_000);
  const caPem = issueCertificate({
    subject: { commonName: 'rogue CA' },
    publicKey: ca.publicKey,
    selfSigningKey: ca.privateKey,
    serialNumber: randomBytes(8),
    notBefore: now,
    notAfter: later,
    isCA: true,
  });
  const leafPem = issueCertificate({
    subject: { commonName: 'promo.example.com' },
    publicKey: leaf.publicKey,
    issuer: { subject: { commonName: 'rogue CA' }, ...ca },
    serialNumber: randomBytes(8),
    notBefore: now,
    notAfter: later,
    dnsNames: ['promo.example.com'],
  });
  return [leafPem, caPem];
}

for (const [name, factory] of FACTORIES) {
  describe(`pin-failure reports (TrustKit, HPKP) on ${name}`, () => {
    let fixture: StoreFixture;
    let store: PinsetStore;
    let app: FastifyInstance;
    let clock = Date.UTC(2026, 10, 24, 12);
    const chain = rogueChain();
    const trustkit = {
      'app-bundle-id': 'com.example.spring',
      'app-version': '2.1',
      'app-vendor-id': '599F9C00-92DC-4B5C-9464-7971F01F8370',
      'app-platform': 'IOS',
      'app-platform-version': '17.4',
      'trustkit-version': '3.0.3',
      hostname: 'promo.example.com',
      port: 443,
      'noted-hostname': 'example.com',
      'include-subdomains': true,
      'enforce-pinning': true,
      'validated-certificate-chain': chain,
      'known-pins': ['pin-sha256="d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM="'],
      'validation-result': 1,
    };
    const hpkp = {
      'date-time': '2026-11-24T12:00:00Z',
      hostname: 'promo.example.com',
      port: 443,
      'effective-expiration-date': '2026-12-24T12:00:00Z',
      'include-subdomains': false,
      'noted-hostname': 'promo.example.com',
      'served-certificate-chain': chain,
      'validated-certificate-chain': chain,
      'known-pins': ['pin-sha256="E9CZ9INDbd+2eRQozYqqbQ2yXLVKB9+xcprMF+44U1g="'],
    };
    before(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('spring');
      app = createServer({ store, verify: stubVerify, logger: false, nowMs: () => clock });
    });
    after(async () => {
      await app.close();
      await fixture.cleanup();
    });

    const send = (project: string, body: unknown) =>
      app.inject({ method: 'POST', url: `/v1/projects/${project}/reports`, payload: body as object });

    it('stores a TrustKit report as a pin failure with the pins of its validated chain, once a day', async () => {
      const before = await store.countEvents('spring');
      const first = await send('spring', trustkit);
      assert.equal(first.statusCode, 202, first.body);
      const expected = chain.map((pem) => computePins(pem)[0]?.pin.toString());
      assert.deepEqual(first.json(), { accepted: 1, duplicate: false, chainPins: expected });
      const again = await send('spring', trustkit);
      assert.deepEqual(again.json(), { accepted: 0, duplicate: true });
      assert.equal(await store.countEvents('spring'), before + 1);
      clock += 86_400_001;
      assert.equal((await send('spring', trustkit)).json().accepted, 1);
      assert.equal(await store.countEvents('spring'), before + 2);
    });

    it('stores an HPKP (RFC 7469) report', async () => {
      const res = await send('spring', hpkp);
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json().accepted, 1);
    });

    const bad: Array<[string, string, unknown, number, RegExp]> = [
      [
        'a report for an unknown project',
        'winter',
        { ...trustkit, hostname: 'other.example.com' },
        404,
        /no such project/,
      ],
      ['a body in neither format', 'spring', { hello: 'world' }, 400, /not a TrustKit or HPKP/],
      [
        'a chain that is not certificates',
        'spring',
        { ...trustkit, 'validated-certificate-chain': ['junk'] },
        400,
        /certificate chain/,
      ],
      [
        'a chain that is not a list',
        'spring',
        { ...trustkit, 'validated-certificate-chain': 'x' },
        400,
        /must be a list/,
      ],
      ['a report without a hostname', 'spring', { ...trustkit, hostname: undefined }, 400, /hostname/],
      ['an oversized report', 'spring', { ...trustkit, 'known-pins': ['x'.repeat(70_000)] }, 413, /./],
    ];
    for (const [what, project, body, status, message] of bad) {
      it(`answers ${what} with ${status}`, async () => {
        const res = await send(project, body);
        assert.equal(res.statusCode, status, res.body);
        assert.match(res.body, message);
        assert.ok('error' in (JSON.parse(res.body) as object));
      });
    }
  });
}
