import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:https';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createCertificateRequest, issueCertificate, QrpinError } from '@qrpin/core';

type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };
const keyTypes: Array<[string, () => KeyPair]> = [
  ['EC P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['EC P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ['EC P-521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
  ['RSA 2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['Ed25519', () => generateKeyPairSync('ed25519')],
  ['Ed448', () => generateKeyPairSync('ed448')],
];

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('issueCertificate', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'qrpin-issue-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, generate] of keyTypes) {
    it(`issues a CA and a leaf with ${name} keys that openssl verifies`, () => {
      const ca = generate();
      const leaf = generate();
      const now = new Date();
      const later = new Date(now.getTime() + 30 * 86_400_000);
      const caPem = issueCertificate({
        subject: { commonName: 'qrpin test CA', organization: 'qrpin' },
        publicKey: ca.publicKey,
        selfSigningKey: ca.privateKey,
        serialNumber: randomBytes(16),
        notBefore: now,
        notAfter: later,
        isCA: true,
      });
      const leafPem = issueCertificate({
        subject: { commonName: 'promo.demo.qrpin.test' },
        publicKey: leaf.publicKey,
        issuer: { subject: { commonName: 'qrpin test CA', organization: 'qrpin' }, ...ca },
        serialNumber: randomBytes(16),
        notBefore: now,
        notAfter: later,
        dnsNames: ['promo.demo.qrpin.test', 'localhost'],
        ipAddresses: ['127.0.0.1'],
      });
      const tag = name.replace(/\W/g, '');
      writeFileSync(join(dir, `${tag}-ca.pem`), caPem);
      writeFileSync(join(dir, `${tag}-leaf.pem`), leafPem);
      const verified = openssl([
        'verify',
        '-CAfile',
        join(dir, `${tag}-ca.pem`),
        '-purpose',
        'sslserver',
        join(dir, `${tag}-leaf.pem`),
      ]);
      assert.match(verified, /: OK/);
      const x = new X509Certificate(leafPem);
      const caCert = new X509Certificate(caPem);
      assert.ok(x.checkIssued(caCert));
      assert.ok(x.verify(caCert.publicKey));
      assert.equal(caCert.ca, true);
      assert.equal(x.ca, false);
      assert.equal(x.subjectAltName, 'DNS:promo.demo.qrpin.test, DNS:localhost, IP Address:127.0.0.1');
      assert.equal(x.subject, 'CN=promo.demo.qrpin.test');
      assert.equal(caCert.subject, 'O=qrpin\nCN=qrpin test CA');
    });
  }

  it('serves TLS that a client trusting only the CA accepts', async () => {
    const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = new Date();
    const later = new Date(now.getTime() + 86_400_000);
    const caPem = issueCertificate({
      subject: { commonName: 'CA' },
      publicKey: ca.publicKey,
      selfSigningKey: ca.privateKey,
      serialNumber: randomBytes(8),
      notBefore: now,
      notAfter: later,
      isCA: true,
    });
    const leafPem = issueCertificate({
      subject: { commonName: 'localhost' },
      publicKey: leaf.publicKey,
      issuer: { subject: { commonName: 'CA' }, ...ca },
      serialNumber: randomBytes(8),
      notBefore: now,
      notAfter: later,
      dnsNames: ['localhost'],
    });
    const server = createServer(
      { cert: leafPem, key: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) },
      (_req, res) => res.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caPem }, () => {
          resolve(socket.authorized);
          socket.end();
        });
        socket.on('error', reject);
      });
      assert.equal(authorized, true);
    } finally {
      server.close();
    }
  });

  it('refuses to issue without a signing key', () => {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(
      () =>
        issueCertificate({
          subject: { commonName: 'x' },
          publicKey: k.publicKey,
          serialNumber: randomBytes(8),
          notBefore: new Date(),
          notAfter: new Date(),
        }),
      (err: unknown) => err instanceof QrpinError && err.code === 'ERR_USAGE',
    );
  });
});

describe('createCertificateRequest', () => {
  for (const [name, generate] of keyTypes) {
    it(`creates a ${name} CSR whose signature openssl verifies`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'qrpin-csr-'));
      try {
        const pair = generate();
        const pem = createCertificateRequest({
          subject: { commonName: 'backup.example.com' },
          ...pair,
          dnsNames: ['backup.example.com'],
        });
        writeFileSync(join(dir, 'r.csr'), pem);
        const out = execFileSync(
          'openssl',
          ['req', '-in', join(dir, 'r.csr'), '-verify', '-noout', '-text'],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        assert.match(out, /CN\s*=\s*backup\.example\.com/);
        assert.match(out, /DNS:backup\.example\.com/);
        const verify = spawnSync('openssl', ['req', '-in', join(dir, 'r.csr'), '-verify', '-noout'], {
          encoding: 'utf8',
        });
        assert.equal(verify.status, 0);
        assert.match(verify.stderr + verify.stdout, /verify OK/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
