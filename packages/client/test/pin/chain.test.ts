import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import { fetch } from 'undici';
import { createPinnedDispatcher } from '../../src/dispatcher/pinned-agent.ts';
import { PinMismatchError } from '../../src/errors/pin-mismatch-error.ts';
import { ChainReader, formatName } from '../../src/pin/chain.ts';
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from '../helpers/pki.ts';
import { loopback, startOrigin, waitFor, type TestOrigin } from '../helpers/servers.ts';

/** The certificates a server sends, as `openssl s_client -showcerts` prints them (stdin closed at once). */
async function opensslShowcerts(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', servername, '-showcerts'],
      { encoding: 'utf8' },
      (err, stdout) =>
        stdout.includes('BEGIN CERTIFICATE') ? resolve(stdout) : reject(err ?? new Error(stdout)),
    );
    child.stdin?.end();
  });
}

describe('the validated chain', () => {
  let genuineCa: TestCa;
  let rogueCa: TestCa;
  let genuineLeaf: TestLeaf;
  let rogueLeaf: TestLeaf;
  let genuine: TestOrigin;
  let attacker: TestOrigin;

  before(async () => {
    genuineCa = makeCa('Genuine CA');
    rogueCa = makeCa('Rogue CA');
    genuineLeaf = makeLeaf(genuineCa, ['bank.qrpin.test']);
    rogueLeaf = makeLeaf(rogueCa, ['bank.qrpin.test']);
    genuine = await startOrigin({ cert: genuineLeaf.pem, key: genuineLeaf.keyPem });
    // The attacker serves its rogue leaf, then appends the genuine CA and the genuine leaf.
    attacker = await startOrigin({
      cert: rogueLeaf.pem + genuineCa.pem + genuineLeaf.pem,
      key: rogueLeaf.keyPem,
    });
  });
  after(async () => {
    await Promise.all([genuine.close(), attacker.close()]);
  });

  describe('under the chain-appending attack', () => {
    it('the attacker really sends the genuine CA and leaf after its rogue leaf (openssl s_client)', async () => {
      const stdout = await opensslShowcerts(attacker.port, 'bank.qrpin.test');
      const served = [
        ...stdout.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g),
      ].map((m) => new X509Certificate(m[0]).fingerprint256);
      assert.deepEqual(served, [
        new X509Certificate(rogueLeaf.pem).fingerprint256,
        new X509Certificate(genuineCa.pem).fingerprint256,
        new X509Certificate(genuineLeaf.pem).fingerprint256,
      ]);
    });

    it('the TLS handshake validates, through the rogue CA the client also trusts', async () => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: attacker.port,
        servername: 'bank.qrpin.test',
        ca: [genuineCa.pem, rogueCa.pem],
      });
      try {
        await new Promise<void>((resolve, reject) =>
          socket.once('secureConnect', resolve).once('error', reject),
        );
        assert.equal(socket.authorized, true);
        const chain = new ChainReader().read(socket);
        assert.deepEqual(
          chain.map((c) => c.pin),
          [rogueLeaf.pin, rogueCa.pin],
          'the chain that validation built leaves the appended certificates out',
        );
      } finally {
        socket.destroy();
      }
    });

    it('is refused with ERR_PIN_MISMATCH when the host is pinned to the genuine CA and leaf', async () => {
      const dispatcher = createPinnedDispatcher({
        pins: { 'bank.qrpin.test': [genuineCa.pin, genuineLeaf.pin] },
        connect: { ca: [genuineCa.pem, rogueCa.pem], lookup: loopback },
      });
      try {
        const ok = await fetch(`https://bank.qrpin.test:${genuine.port}/`, { dispatcher });
        assert.equal(await ok.text(), 'ok', 'the genuine server passes');

        const cause = await fetch(`https://bank.qrpin.test:${attacker.port}/login`, { dispatcher }).then(
          () => assert.fail('the attacker was accepted'),
          (err: Error) => err.cause,
        );
        assert.ok(cause instanceof PinMismatchError);
        assert.equal(cause.code, 'ERR_PIN_MISMATCH');
        assert.deepEqual(
          cause.chain.map((c) => c.subject),
          ['CN=bank.qrpin.test', 'CN=Rogue CA, O=qrpin tests'],
        );
        const peerSection = cause.message.split('  Pinned certificates')[0] ?? '';
        assert.ok(peerSection.includes(rogueLeaf.pin) && peerSection.includes(rogueCa.pin));
        assert.ok(!peerSection.includes(genuineCa.pin) && !peerSection.includes(genuineLeaf.pin));
        await waitFor(attacker.events, 'closed', () => attacker.closedConnections >= 1);
        assert.deepEqual(attacker.requests, []);
      } finally {
        await dispatcher.close();
      }
    });
  });

  describe('ChainReader.fromPeerCertificate', () => {
    const peer = (pem: string, issuer?: DetailedPeerCertificate): DetailedPeerCertificate => {
      const x509 = new X509Certificate(pem);
      const cert = { raw: x509.raw, fingerprint256: x509.fingerprint256 } as DetailedPeerCertificate;
      cert.issuerCertificate = issuer ?? cert;
      return cert;
    };

    it('ends the chain at an issuer link whose signature does not verify', () => {
      // Node's issuer walk matches names and key identifiers; a certificate claimed as issuer
      // that did not sign the child must not lend its pin.
      const forged = peer(rogueLeaf.pem, peer(genuineCa.pem));
      const chain = new ChainReader().fromPeerCertificate(forged);
      assert.deepEqual(
        chain.map((c) => c.pin),
        [rogueLeaf.pin],
      );
    });

    it('follows links that verify up to the self-issued root', () => {
      const real = peer(genuineLeaf.pem, peer(genuineCa.pem));
      const chain = new ChainReader().fromPeerCertificate(real);
      assert.deepEqual(
        chain.map((c) => c.pin),
        [genuineLeaf.pin, genuineCa.pin],
      );
    });

    it('ends the chain at an issuer outside its validity period', () => {
      const real = peer(genuineLeaf.pem, peer(genuineCa.pem));
      const chain = new ChainReader().fromPeerCertificate(real, Date.now() + 30 * 86_400_000);
      assert.deepEqual(
        chain.map((c) => c.pin),
        [genuineLeaf.pin],
      );
    });

    it('returns an empty chain when the peer sent no certificate', () => {
      assert.deepEqual(new ChainReader().fromPeerCertificate({} as DetailedPeerCertificate), []);
      assert.deepEqual(new ChainReader().fromPeerCertificate(undefined), []);
    });
  });

  describe('formatName', () => {
    const cases: Array<[string, string]> = [
      ['CN=only', 'CN=only'],
      ['O=Example\nCN=www.example.com', 'CN=www.example.com, O=Example'],
      ['C=DE\nO=Ex\nOU=Web\nCN=a', 'CN=a, OU=Web, O=Ex, C=DE'],
      ['CN=bad\u001b[31m', 'CN=bad\\u001b[31m'],
    ];
    for (const [input, expected] of cases) {
      it(`prints ${JSON.stringify(input)} as ${JSON.stringify(expected)}`, () => {
        assert.equal(formatName(input), expected);
      });
    }
  });
});
