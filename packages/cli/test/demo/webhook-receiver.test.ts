import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signWebhook } from '@qrpin/server';
import { verifyDelivery } from '../../src/demo/webhook-receiver.ts';

const SECRET = 'demo-webhook-secret';
const BODY = '{"type":"qrpin.alert","alert":{"id":1}}';
const NOW = Date.UTC(2026, 2, 2, 10, 0, 0);
const TS = NOW / 1000;
const headers = (ts: number, signature = signWebhook(SECRET, ts, BODY)) => ({
  'x-qrpin-timestamp': String(ts),
  'x-qrpin-signature': signature,
});

describe('the demo webhook receiver', () => {
  it('accepts a delivery signed by the server with the webhook secret', () => {
    assert.equal(verifyDelivery(SECRET, headers(TS), Buffer.from(BODY), NOW), true);
    assert.equal(verifyDelivery(SECRET, headers(TS - 299), Buffer.from(BODY), NOW), true);
  });

  for (const [name, h, body] of [
    ['no headers', {}, BODY],
    ['another secret', headers(TS, signWebhook('another', TS, BODY)), BODY],
    ['a changed body', headers(TS), BODY.replace('1', '2')],
    ['a timestamp six minutes old', headers(TS - 360), BODY],
    ['a timestamp six minutes ahead', headers(TS + 360), BODY],
    ['a signature of another timestamp', { ...headers(TS), 'x-qrpin-timestamp': String(TS - 1) }, BODY],
    ['a truncated signature', headers(TS, signWebhook(SECRET, TS, BODY).slice(0, 40)), BODY],
  ] as const) {
    it(`refuses a delivery with ${name}`, () => {
      assert.equal(verifyDelivery(SECRET, h, Buffer.from(body), NOW), false);
    });
  }
});
