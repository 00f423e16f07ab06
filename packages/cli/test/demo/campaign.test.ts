import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateTelemetryEvent } from '@qrpin/core';
import { seededRandom, simulateCampaign, type CampaignInput } from '../../src/demo/campaign.ts';

const NOW = Date.UTC(2026, 2, 2, 10, 0, 30);
const MINUTE = 60_000;

const input = (seed: number): CampaignInput => {
  let n = 0;
  return {
    nowMs: NOW,
    minutes: 120,
    destinations: [
      {
        id: 'poster',
        campaign: 'spring',
        host: 'promo.example.com',
        hops: ['https://promo.example.com/spring', 'https://promo.example.com/spring/landing'],
        perMinute: 8,
      },
      {
        id: 'late',
        campaign: 'summer',
        host: 'promo.example.com',
        hops: ['https://promo.example.com/summer'],
        perMinute: 2,
        liveForMinutes: 30,
      },
    ],
    spike: {
      destination: 'poster',
      startMinutesAgo: 9,
      minutes: 5,
      perMinute: 22,
      interceptedShare: 0.6,
      roguePins: [`sha256/${Buffer.alloc(32, 9).toString('base64')}`],
    },
    random: seededRandom(seed),
    sessionId: () => `s-${n++}`,
  };
};

describe('the demo campaign', () => {
  it('makes only events the server accepts, in the past, each journey opening with its scan', () => {
    for (const journey of simulateCampaign(input(7))) {
      assert.equal(journey.events[0]?.type, 'scan');
      for (const event of journey.events) {
        const full = {
          ...event,
          project: 'demo',
          appId: 'app',
          appVersion: journey.app.appVersion,
          platform: journey.app.platform,
          cohort: journey.cohort,
          ...(journey.app.pinsetSeq === undefined ? {} : { pinsetSeq: journey.app.pinsetSeq }),
        };
        assert.deepEqual(validateTelemetryEvent(full), full);
        assert.ok(Date.parse(event.time) < Math.floor(NOW / MINUTE) * MINUTE);
        assert.ok(Date.parse(event.time) >= Math.floor(NOW / MINUTE) * MINUTE - 120 * MINUTE);
      }
    }
  });

  it('is the same campaign for the same seed, and another for another seed', () => {
    const shape = (seed: number) =>
      simulateCampaign(input(seed)).map((j) => j.events.map((e) => `${e.type}@${e.time}`).join());
    assert.deepEqual(shape(3), shape(3));
    assert.notDeepEqual(shape(3), shape(4));
  });

  it('intercepts sessions only on the spiked destination, and only in the burst', () => {
    const end = Math.floor(NOW / MINUTE) * MINUTE;
    const journeys = simulateCampaign(input(11));
    const intercepted = journeys.filter((j) => j.intercepted);
    assert.ok(intercepted.length > 40, String(intercepted.length));
    for (const j of intercepted) {
      const at = Date.parse(j.events[0]!.time);
      assert.equal(j.events[0]?.destination, 'poster');
      assert.ok(at >= end - 9 * MINUTE && at < end - 4 * MINUTE);
      assert.ok(j.events.some((e) => e.type === 'tls_error' || e.type === 'pin_failure'));
      assert.ok(!j.events.some((e) => e.type === 'complete'));
    }
    const late = journeys.filter((j) => j.events[0]?.destination === 'late');
    assert.ok(late.length > 0 && late.every((j) => Date.parse(j.events[0]!.time) >= end - 30 * MINUTE));
  });

  it('has drop-offs: abandons and the rare TLS error outside the burst', () => {
    const events = simulateCampaign(input(5)).flatMap((j) => (j.intercepted ? [] : j.events));
    const count = (type: string) => events.filter((e) => e.type === type).length;
    assert.ok(count('abandon') > 0);
    assert.ok(count('complete') < count('scan'));
    assert.ok(count('tls_error') < count('scan') * 0.02);
  });
});
