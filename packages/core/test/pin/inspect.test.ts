import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { QrpinError, computePins, describeCertificate } from '@qrpin/core';
import { Scratch } from '../fixtures/openssl.ts';

const DAY_MS = 86_400_000;
const dir = new Scratch();

function certificate(name: string): X509Certificate {
  return new X509Certificate(dir.text(name));
}

before(async () => {
  const chain = async (): Promise<void> => {
    await dir.openssl`req -x509 -newkey rsa:2048 -keyout ca.key -out ca.pem -subj ${'/O=Test Org/CN=Test CA'} -days 30 -nodes`;
    await dir.openssl`req -new -newkey ed25519 -keyout leaf.key -out leaf.csr -subj /CN=leaf.example -nodes
      -addext subjectAltName=DNS:leaf.example`;
    await dir.openssl`x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x1234 -days 5
      -copy_extensions copy -out leaf.pem`;
  };
  const dsa = async (): Promise<void> => {
    await dir.openssl`genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa-params.pem`;
    await dir.openssl`req -x509 -newkey dsa:dsa-params.pem -keyout dsa.key -out dsa.pem -subj /CN=dsa -days 1 -nodes`;
  };
  await Promise.all([
    dir.openssl`req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout san.key -out san.pem -subj /CN=test
      -days 10 -nodes -addext subjectAltName=DNS:a.example,DNS:b.example,IP:192.0.2.1,email:ops@a.example`,
    dir.openssl`req -x509 -newkey ed448 -keyout plain.key -out plain.pem -subj /CN=plain -days 1 -nodes`,
    chain(),
    dsa(),
  ]);
});

after(() => dir.remove());

describe('describeCertificate', () => {
  it('reports the subject, issuer, DNS subject alternative names and key of a certificate made by openssl', async () => {
    const summary = describeCertificate(certificate('san.pem'));
    assert.equal(summary.subject, 'CN=test');
    assert.equal(summary.issuer, 'CN=test');
    assert.deepEqual(summary.subjectAltNames, ['a.example', 'b.example']);
    assert.equal(summary.keyType, 'ec');
    assert.equal(summary.keyDescription, 'EC P-256');
    assert.equal(summary.curve, 'P-256');
    assert.equal(summary.bits, 256);
    assert.equal(summary.pin.toString(), await dir.referencePin('san.pem'));
    assert.equal(summary.selfSigned, true);
  });

  it('counts the whole days left before expiry relative to the given now', () => {
    const summary = describeCertificate(certificate('san.pem'), new Date());
    assert.ok(summary.daysToExpiry === 9 || summary.daysToExpiry === 10, `got ${summary.daysToExpiry}`);
    const { notAfter } = summary;
    assert.equal(
      describeCertificate(certificate('san.pem'), new Date(notAfter.getTime() - 3 * DAY_MS)).daysToExpiry,
      3,
    );
    assert.equal(
      describeCertificate(certificate('san.pem'), new Date(notAfter.getTime() - 1)).daysToExpiry,
      0,
    );
  });

  it('gives a negative count once the certificate has expired', () => {
    const { notAfter } = describeCertificate(certificate('san.pem'));
    assert.equal(
      describeCertificate(certificate('san.pem'), new Date(notAfter.getTime() + 1)).daysToExpiry,
      -1,
    );
    assert.equal(
      describeCertificate(certificate('san.pem'), new Date(notAfter.getTime() + 40 * DAY_MS)).daysToExpiry,
      -40,
    );
  });

  it('matches the serial number and SHA-256 fingerprint that openssl prints', async () => {
    const summary = describeCertificate(certificate('san.pem'));
    const serial = (await dir.openssl`x509 -in san.pem -noout -serial`).trim();
    const fingerprint = (await dir.openssl`x509 -in san.pem -noout -fingerprint -sha256`).trim();
    assert.equal(`serial=${summary.serialNumber}`, serial);
    assert.equal(`sha256 Fingerprint=${summary.fingerprint256}`, fingerprint);
  });

  it('tells a leaf issued by a CA from the self-signed CA', async () => {
    const leaf = describeCertificate(certificate('leaf.pem'));
    assert.equal(leaf.subject, 'CN=leaf.example');
    assert.equal(leaf.issuer, 'O=Test Org, CN=Test CA');
    assert.equal(leaf.selfSigned, false);
    assert.equal(leaf.isCA, false);
    assert.equal(leaf.serialNumber, '1234');
    assert.deepEqual(leaf.subjectAltNames, ['leaf.example']);
    assert.equal(leaf.keyDescription, 'Ed25519');
    assert.equal(leaf.pin.toString(), await dir.referencePin('leaf.pem'));

    const ca = describeCertificate(certificate('ca.pem'));
    assert.equal(ca.subject, 'O=Test Org, CN=Test CA');
    assert.equal(ca.selfSigned, true);
    assert.equal(ca.isCA, true);
    assert.equal(ca.keyDescription, 'RSA 2048');
    assert.equal(ca.bits, 2048);
  });

  it('returns no subject alternative names for a certificate without the extension', () => {
    const summary = describeCertificate(certificate('plain.pem'));
    assert.deepEqual(summary.subjectAltNames, []);
    assert.equal(summary.keyDescription, 'Ed448');
  });

  it('agrees with computePins on the pin and the certificate facts', () => {
    const summary = describeCertificate(certificate('leaf.pem'));
    const [computed] = computePins(dir.text('leaf.pem'));
    assert.ok(computed!.pin.equals(summary.pin));
    assert.equal(computed!.subject, summary.subject);
    assert.equal(computed!.issuer, summary.issuer);
    assert.deepEqual(computed!.notAfter, summary.notAfter);
  });

  it('describes a certificate whose key qrpin does not pin instead of throwing', async () => {
    const summary = describeCertificate(certificate('dsa.pem'));
    assert.equal(summary.keyType, 'other');
    assert.equal(summary.keyDescription, 'DSA 2048');
    assert.equal(summary.pin.toString(), await dir.referencePin('dsa.pem'));
    assert.throws(
      () => computePins(dir.text('dsa.pem')),
      (err: unknown) => err instanceof QrpinError && err.code === 'ERR_KEY_UNSUPPORTED',
    );
  });
});
