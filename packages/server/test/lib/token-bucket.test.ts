import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBuckets } from '../../src/lib/token-bucket.ts';

describe('TokenBuckets', () => {
  it('gives each key its burst, then refuses with the seconds until a token is back', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, 0.25, () => now);
    assert.equal(buckets.take('a').ok, true);
    assert.equal(buckets.take('a').ok, true);
    assert.deepEqual(buckets.take('a'), { ok: false, retryAfterSeconds: 4 });
    assert.equal(buckets.take('b').ok, true, 'another key has its own bucket');
    now += 4000;
    assert.equal(buckets.take('a').ok, true);
    assert.equal(buckets.take('a').ok, false);
  });

  it('never refills above the burst', () => {
    let now = 0;
    const buckets = new TokenBuckets(1, 1, () => now);
    now += 60_000;
    assert.equal(buckets.take('a').ok, true);
    assert.equal(buckets.take('a').ok, false);
  });

  it('forgets the least recently used key past its bound, which then starts full', () => {
    const now = 0;
    const buckets = new TokenBuckets(1, 0, () => now, 2);
    assert.equal(buckets.take('a').ok, true);
    assert.equal(buckets.take('b').ok, true);
    assert.equal(buckets.take('c').ok, true);
    assert.equal(buckets.take('a').ok, true, '"a" was forgotten');
    assert.equal(buckets.take('c').ok, false, '"c" is still known');
  });

  it('refuses for an hour when nothing refills', () => {
    const buckets = new TokenBuckets(1, 0, () => 0);
    buckets.take('a');
    assert.deepEqual(buckets.take('a'), { ok: false, retryAfterSeconds: 3600 });
  });
});
