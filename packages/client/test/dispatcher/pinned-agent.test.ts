import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Agent, fetch, getGlobalDispatcher, request, setGlobalDispatcher, stream } from 'undici';
import { parseClientPolicy } from '@qrpin/core';
import { createPinnedDispatcher } from '../../src/dispatcher/pinned-agent.ts';
import { PinMismatchError } from '../../src/errors/pin-mismatch-error.ts';
import type { PinFailureReport } from '../../src/pin/report.ts';
import { makeCa, makeLeaf, strangerPin, type TestCa } from '../helpers/pki.ts';
import { loopback, startOrigin, waitFor, type TestOrigin } from '../helpers/servers.ts';

function clientPolicy(hosts: object[]): string {
  return JSON.stringify({ format: 'qrpin-client-policy', version: 1, project: 'tests', hosts });
}

async function fetchCause(url: string, init: Parameters<typeof fetch>[1]): Promise<unknown> {
  try {
    const res = await fetch(url, init);
    await res.text();
  } catch (err) {
    return (err as Error).cause;
  }
  assert.fail(`expected ${url} to fail`);
}

describe('createPinnedDispatcher', () => {
  let ca: TestCa;
  const origins: TestOrigin[] = [];
  const start = async (...args: Parameters<typeof startOrigin>): Promise<TestOrigin> => {
    const origin = await startOrigin(...args);
    origins.push(origin);
    return origin;
  };
  before(() => {
    ca = makeCa('qrpin Test Root');
  });
  after(async () => {
    await Promise.all(origins.map((o) => o.close()));
  });

  it('passes an ECDSA P-256 leaf pinned by its own SPKI pin', async () => {
    const leaf = makeLeaf(ca, ['ecdsa.qrpin.test'], 'ec');
    const origin = await start({ cert: leaf.pem, key: leaf.keyPem });
    const dispatcher = createPinnedDispatcher({
      pins: { 'ecdsa.qrpin.test': [leaf.pin] },
      connect: { ca: ca.pem, lookup: loopback },
    });
    try {
      const res = await fetch(`https://ecdsa.qrpin.test:${origin.port}/hello`, { dispatcher });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'ok');
      assert.deepEqual(origin.requests, ['/hello']);
    } finally {
      await dispatcher.close();
    }
  });

  it('passes an RSA leaf pinned by the pin of the CA that issued it', async () => {
    const leaf = makeLeaf(ca, ['rsa.qrpin.test'], 'rsa');
    const origin = await start({ cert: leaf.pem, key: leaf.keyPem });
    const dispatcher = createPinnedDispatcher({
      pins: { '**.qrpin.test': [ca.pin] },
      connect: { ca: ca.pem, lookup: loopback },
    });
    try {
      const { statusCode, body } = await request(`https://rsa.qrpin.test:${origin.port}/`, { dispatcher });
      assert.equal(statusCode, 200);
      assert.equal(await body.text(), 'ok');
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a wrong pin with ERR_PIN_MISMATCH before any request reaches the server', async () => {
    const leaf = makeLeaf(ca, ['wrong.qrpin.test']);
    const origin = await start({ cert: leaf.pem, key: leaf.keyPem });
    const configured = [strangerPin(), strangerPin()];
    const reports: PinFailureReport[] = [];
    const dispatcher = createPinnedDispatcher({
      policy: parseClientPolicy(
        clientPolicy([
          {
            pattern: 'wrong.qrpin.test',
            pins: [configured[0]],
            backupPins: [configured[1]],
            mode: 'enforce',
          },
        ]),
      ),
      connect: { ca: ca.pem, lookup: loopback },
      onPinFailure: (report) => reports.push(report),
    });
    try {
      const cause = await fetchCause(`https://wrong.qrpin.test:${origin.port}/secret`, {
        dispatcher,
        method: 'POST',
        body: 'card=4111',
      });
      assert.ok(cause instanceof PinMismatchError);
      assert.equal(cause.code, 'ERR_PIN_MISMATCH');
      assert.equal(cause.host, 'wrong.qrpin.test');
      assert.equal(cause.mode, 'enforce');
      assert.deepEqual(cause.pins, configured);
      assert.deepEqual(cause.chain, [
        { pin: leaf.pin, subject: 'CN=wrong.qrpin.test', issuer: 'CN=qrpin Test Root, O=qrpin tests' },
        {
          pin: ca.pin,
          subject: 'CN=qrpin Test Root, O=qrpin tests',
          issuer: 'CN=qrpin Test Root, O=qrpin tests',
        },
      ]);
      const lines = cause.message.split('\n');
      assert.deepEqual(lines.slice(0, 7), [
        'Certificate pinning failure for wrong.qrpin.test!',
        '  Peer certificate chain:',
        `    ${leaf.pin}: CN=wrong.qrpin.test, issued by CN=qrpin Test Root, O=qrpin tests`,
        `    ${ca.pin}: CN=qrpin Test Root, O=qrpin tests, issued by CN=qrpin Test Root, O=qrpin tests`,
        '  Pinned certificates for wrong.qrpin.test:',
        `    ${configured[0]}`,
        `    ${configured[1]} (backup)`,
      ]);
      assert.match(lines[7] ?? '', /qrpin pins fetch wrong\.qrpin\.test/);
      await waitFor(origin.events, 'closed', () => origin.closedConnections === 1);
      assert.deepEqual(origin.requests, [], 'the connection closed without a request');
      assert.equal(reports.length, 1);
      assert.equal(reports[0]?.enforced, true);
    } finally {
      await dispatcher.close();
    }
  });

  it('lets a report-mode host connect and calls onPinFailure once with the details', async () => {
    const leaf = makeLeaf(ca, ['report.qrpin.test']);
    const origin = await start({ cert: leaf.pem, key: leaf.keyPem });
    const wrong = strangerPin();
    const reports: PinFailureReport[] = [];
    const dispatcher = createPinnedDispatcher({
      policy: parseClientPolicy(
        clientPolicy([{ pattern: '*.qrpin.test', pins: [wrong], backupPins: [], mode: 'report' }]),
      ),
      connect: { ca: ca.pem, lookup: loopback },
      onPinFailure: (report) => reports.push(report),
      now: () => new Date('2026-03-01T12:00:00Z'),
    });
    try {
      const res = await fetch(`https://report.qrpin.test:${origin.port}/`, { dispatcher });
      assert.equal(await res.text(), 'ok');
      assert.equal(reports.length, 1);
      const report = reports[0]!;
      assert.equal(report.host, 'report.qrpin.test');
      assert.equal(report.port, origin.port);
      assert.equal(report.pattern, '*.qrpin.test');
      assert.equal(report.mode, 'report');
      assert.equal(report.enforced, false);
      assert.equal(report.expired, false);
      assert.equal(report.sessionReused, false);
      assert.equal(report.date, '2026-03-01T12:00:00.000Z');
      assert.deepEqual(report.pins, [wrong]);
      assert.deepEqual(
        report.chain.map((c) => c.pin),
        [leaf.pin, ca.pin],
      );
      assert.match(report.message, /^Certificate pinning failure for report\.qrpin\.test!\n/);
      assert.match(report.message, /Not enforced: the host is in report mode/);
      assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'a report is plain JSON data');
    } finally {
      await dispatcher.close();
    }
  });

  describe('an expired pinset', () => {
    const cases: Array<[string, string, boolean]> = [
      ['the day before expiry', '2026-05-31T23:59:59Z', true],
      ['the day of expiry', '2026-06-01T23:00:00Z', true],
      ['the day after expiry', '2026-06-02T00:00:00Z', false],
    ];
    for (const [when, now, enforced] of cases) {
      it(`is ${enforced ? 'enforced' : 'reported but not enforced'} on ${when}`, async () => {
        const leaf = makeLeaf(ca, ['expiry.qrpin.test']);
        const origin = await start({ cert: leaf.pem, key: leaf.keyPem });
        const reports: PinFailureReport[] = [];
        const dispatcher = createPinnedDispatcher({
          policy: parseClientPolicy(
            clientPolicy([
              {
                pattern: 'expiry.qrpin.test',
                pins: [strangerPin()],
                backupPins: [strangerPin()],
                mode: 'enforce',
                expires: '2026-06-01',
              },
            ]),
          ),
          connect: { ca: ca.pem, lookup: loopback },
          onPinFailure: (report) => reports.push(report),
          now: () => new Date(now),
        });
        try {
          const url = `https://expiry.qrpin.test:${origin.port}/`;
          if (enforced) {
            await assert.rejects(request(url, { dispatcher }), { code: 'ERR_PIN_MISMATCH' });
          } else {
            const { statusCode, body } = await request(url, { dispatcher });
            await body.text();
            assert.equal(statusCode, 200);
          }
          assert.equal(reports.length, 1);
          assert.equal(reports[0]?.enforced, enforced);
          assert.equal(reports[0]?.expired, !enforced);
          assert.equal(reports[0]?.expires, '2026-06-01');
          if (!enforced)
            assert.match(reports[0]?.message ?? '', /Not enforced: the pinset expired after 2026-06-01/);
        } finally {
          await dispatcher.close();
        }
      });
    }
  });

  describe('a host that no pattern matches', () => {
    it('is served like plain undici, without reports', async () => {
      const leaf = makeLeaf(ca, ['plain.example.test']);
      const origin = await start({ cert: leaf.pem, key: leaf.keyPem });
      const reports: PinFailureReport[] = [];
      const dispatcher = createPinnedDispatcher({
        pins: { '**.qrpin.test': [strangerPin()] },
        connect: { ca: ca.pem, lookup: loopback },
        onPinFailure: (report) => reports.push(report),
      });
      try {
        const res = await fetch(`https://plain.example.test:${origin.port}/`, { dispatcher });
        assert.equal(await res.text(), 'ok');
        assert.deepEqual(reports, []);
      } finally {
        await dispatcher.close();
      }
    });

    it('fails certificate validation with the same error as plain undici, not a pin error', async () => {
      const stranger = makeCa('Untrusted CA');
      const leaf = makeLeaf(stranger, ['untrusted.example.test', 'untrusted.qrpin.test']);
      const origin = await start({ cert: leaf.pem, key: leaf.keyPem });
      const plain = new Agent({ connect: { ca: ca.pem, lookup: loopback } });
      const dispatcher = createPinnedDispatcher({
        pins: { 'untrusted.qrpin.test': [leaf.pin] },
        connect: { ca: ca.pem, lookup: loopback },
      });
      try {
        const expected = (await fetchCause(`https://untrusted.example.test:${origin.port}/`, {
          dispatcher: plain,
        })) as {
          code?: string;
        };
        assert.equal(expected.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        for (const host of ['untrusted.example.test', 'untrusted.qrpin.test']) {
          const cause = (await fetchCause(`https://${host}:${origin.port}/`, { dispatcher })) as {
            code?: string;
          };
          assert.ok(
            !(cause instanceof PinMismatchError),
            `${host}: validation fails before pins are looked at`,
          );
          assert.equal(cause.code, expected.code);
        }
        assert.deepEqual(origin.requests, []);
      } finally {
        await Promise.all([dispatcher.close(), plain.close()]);
      }
    });
  });

  it('applies the most specific matching pattern, as Android and iOS do', async () => {
    const leaf = makeLeaf(ca, ['api.shop.qrpin.test']);
    const origin = await start({ cert: leaf.pem, key: leaf.keyPem });
    const dispatcher = createPinnedDispatcher({
      policy: parseClientPolicy(
        clientPolicy([
          { pattern: '**.qrpin.test', pins: [strangerPin()], backupPins: [], mode: 'enforce' },
          { pattern: '*.shop.qrpin.test', pins: [leaf.pin], backupPins: [], mode: 'enforce' },
        ]),
      ),
      connect: { ca: ca.pem, lookup: loopback },
    });
    try {
      const { statusCode, body } = await request(`https://api.shop.qrpin.test:${origin.port}/`, {
        dispatcher,
      });
      await body.text();
      assert.equal(statusCode, 200);
    } finally {
      await dispatcher.close();
    }
  });

  it('pins undici stream() and, as the global dispatcher, fetch (undici and Node built-in) and request without options', async () => {
    const good = makeLeaf(ca, ['global.qrpin.test']);
    const origin = await start({ cert: good.pem, key: good.keyPem });
    const previous = getGlobalDispatcher();
    const dispatcher = createPinnedDispatcher({
      pins: { 'global.qrpin.test': [strangerPin()], 'other.qrpin.test': [good.pin] },
      connect: { ca: ca.pem, lookup: loopback },
    });
    setGlobalDispatcher(dispatcher);
    try {
      const url = `https://global.qrpin.test:${origin.port}/`;
      assert.ok((await fetchCause(url, {})) instanceof PinMismatchError);
      const builtin = await globalThis.fetch(url).then(
        () => assert.fail("Node's built-in fetch was not pinned"),
        (err: Error) => err.cause,
      );
      assert.ok(builtin instanceof PinMismatchError, "Node's built-in fetch goes through it too");
      await assert.rejects(request(url), PinMismatchError);
      await assert.rejects(
        stream(url, { method: 'GET', dispatcher }, () => new Writable({ write: (_c, _e, cb) => cb() })),
        PinMismatchError,
      );
      assert.deepEqual(origin.requests, []);
      await dispatcher.updatePolicy({ pins: { 'global.qrpin.test': [good.pin] } });
      const chunks: Buffer[] = [];
      await stream(
        url,
        { method: 'GET' },
        () => new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }),
      );
      assert.equal(Buffer.concat(chunks).toString(), 'ok');
    } finally {
      setGlobalDispatcher(previous);
      await dispatcher.close();
    }
  });
});
