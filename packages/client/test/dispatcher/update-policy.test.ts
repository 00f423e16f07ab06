import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createPinnedDispatcher } from '../../src/dispatcher/pinned-agent.ts';
import { PinMismatchError } from '../../src/errors/pin-mismatch-error.ts';
import type { PinFailureReport } from '../../src/pin/report.ts';
import { makeCa, makeLeaf, strangerPin, type TestCa } from '../helpers/pki.ts';
import { loopback, startOrigin, waitFor, type TestOrigin } from '../helpers/servers.ts';

describe('PinnedAgent.updatePolicy', () => {
  let ca: TestCa;
  const origins: TestOrigin[] = [];
  before(() => {
    ca = makeCa('qrpin Update CA');
  });
  after(async () => {
    await Promise.all(origins.map((o) => o.close()));
  });

  it('lets the in-flight request complete, closes the idle keep-alive connection and checks the next one against the new pins', async () => {
    const leaf = makeLeaf(ca, ['busy.qrpin.test']);
    let release = (): void => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const origin = await startOrigin({
      cert: leaf.pem,
      key: leaf.keyPem,
      handler: (req, res) => {
        if (req.url === '/slow') {
          res.write('slow ');
          void released.then(() => res.end('done'));
        } else res.end('fast');
      },
    });
    origins.push(origin);
    const dispatcher = createPinnedDispatcher({
      pins: { 'busy.qrpin.test': [leaf.pin] },
      connect: { ca: ca.pem, lookup: loopback },
      keepAliveTimeout: 60_000,
    });
    const base = `https://busy.qrpin.test:${origin.port}`;
    try {
      const slow = await request(`${base}/slow`, { dispatcher });
      assert.equal(slow.statusCode, 200);
      const fast = await request(`${base}/fast`, { dispatcher });
      assert.equal(await fast.body.text(), 'fast');
      assert.equal(origin.handshakes.length, 2, 'the fast request needed a second connection');
      assert.equal(origin.closedConnections, 0, 'both connections are pooled');

      const retired = dispatcher.updatePolicy({ pins: { 'busy.qrpin.test': [strangerPin()] } });
      await waitFor(origin.events, 'closed', () => origin.closedConnections === 1);

      await assert.rejects(request(`${base}/next`, { dispatcher }), (err: unknown) => {
        assert.ok(err instanceof PinMismatchError);
        return true;
      });
      assert.deepEqual(
        origin.requests,
        ['/slow', '/fast'],
        'the next request did not reuse a pooled connection',
      );

      release();
      assert.equal(await slow.body.text(), 'slow done', 'the in-flight request completed');
      await retired;
      await waitFor(origin.events, 'closed', () => origin.closedConnections === 3);
    } finally {
      release();
      await dispatcher.close();
    }
  });

  it('keeps the current policy when the new one is invalid', async () => {
    const leaf = makeLeaf(ca, ['keep.qrpin.test']);
    const origin = await startOrigin({ cert: leaf.pem, key: leaf.keyPem });
    origins.push(origin);
    const dispatcher = createPinnedDispatcher({
      pins: { 'keep.qrpin.test': [leaf.pin] },
      connect: { ca: ca.pem, lookup: loopback },
    });
    try {
      assert.throws(() => dispatcher.updatePolicy({ pins: { 'keep.qrpin.test': ['sha256/short'] } }), {
        code: 'ERR_PIN_INVALID',
      });
      assert.throws(() => dispatcher.updatePolicy({ pins: { '*.com': [leaf.pin] } }), {
        code: 'ERR_HOST_PATTERN_PUBLIC_SUFFIX',
      });
      const { body } = await request(`https://keep.qrpin.test:${origin.port}/`, { dispatcher });
      assert.equal(await body.text(), 'ok');
      assert.equal(dispatcher.policy.hosts[0]?.pins[0]?.toString(), leaf.pin);
    } finally {
      await dispatcher.close();
    }
  });

  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    describe(`with ${maxVersion} session resumption`, () => {
      it('checks a resumed session against the chain of the handshake that made it, and passes a CA pin', async () => {
        const leaf = makeLeaf(ca, ['resume-ok.qrpin.test']);
        const origin = await startOrigin({ cert: leaf.pem, key: leaf.keyPem, maxVersion });
        origins.push(origin);
        const dispatcher = createPinnedDispatcher({
          pins: { 'resume-ok.qrpin.test': [ca.pin] },
          connect: { ca: ca.pem, lookup: loopback },
        });
        const url = `https://resume-ok.qrpin.test:${origin.port}/`;
        try {
          await (await request(url, { dispatcher })).body.text();
          // Same pins, new pool: the next request opens a new connection that resumes the session.
          await dispatcher.updatePolicy({ pins: { 'resume-ok.qrpin.test': [ca.pin] } });
          await (await request(url, { dispatcher })).body.text();
          assert.deepEqual(
            origin.handshakes.map((h) => h.reused),
            [false, true],
          );
        } finally {
          await dispatcher.close();
        }
      });

      it('refuses a resumed session to a host whose pins changed', async () => {
        const leaf = makeLeaf(ca, ['resume.qrpin.test']);
        const origin = await startOrigin({ cert: leaf.pem, key: leaf.keyPem, maxVersion });
        origins.push(origin);
        const reports: PinFailureReport[] = [];
        const dispatcher = createPinnedDispatcher({
          pins: { 'resume.qrpin.test': [leaf.pin] },
          connect: { ca: ca.pem, lookup: loopback },
          onPinFailure: (report) => reports.push(report),
        });
        const url = `https://resume.qrpin.test:${origin.port}/`;
        try {
          await (await request(url, { dispatcher })).body.text();
          const pinB = strangerPin();
          await dispatcher.updatePolicy({ pins: { 'resume.qrpin.test': [pinB] } });
          await assert.rejects(request(url, { dispatcher }), (err: unknown) => {
            assert.ok(err instanceof PinMismatchError);
            assert.equal(err.sessionReused, true, 'the refused connection resumed the earlier session');
            assert.deepEqual(
              err.chain.map((c) => c.pin),
              [leaf.pin, ca.pin],
            );
            assert.deepEqual(err.pins, [pinB]);
            return true;
          });
          await waitFor(origin.events, 'closed', () => origin.closedConnections === 2);
          assert.deepEqual(origin.requests, ['/']);
          assert.equal(reports.length, 1);
          assert.equal(reports[0]?.sessionReused, true);
        } finally {
          await dispatcher.close();
        }
      });
    });
  }
});
