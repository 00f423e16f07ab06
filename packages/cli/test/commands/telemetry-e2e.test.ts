import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computePins, HostPattern, Pin, type Policy } from '@qrpin/core';
import { resolveJourney, TelemetryReporter } from '@qrpin/client';
import { corePinsetVerifier, startServer } from '@qrpin/server';
import { startDemoWorld } from '../../src/demo/world.ts';
import { lookupFromMap } from '../../src/lib/resolve-option.ts';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';

const HOST = 'promo.telemetry.qrpin.test';
const KEY = 'kiosk-ingest-key-0123456789abcdef';

// A pinned journey reports its events through the reporter to the real server, which stores them.
describe('journey telemetry end to end', () => {
  it('stores the events of a completed and of a pin-failed journey', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qrpin-telemetry-'));
    const world = await startDemoWorld([{ host: HOST, keyType: 'ec-p256', body: 'promo' }], new Date());
    const server = await startServer({
      verify: corePinsetVerifier(),
      directory: dir,
      port: 0,
      logger: false,
    });
    try {
      await server.store.createProject('spring');
      await server.store.addIngestKey('spring', 'kiosk', createHash('sha256').update(KEY).digest('hex'));
      const reporter = new TelemetryReporter({
        endpoint: `${server.url}/v1/events`,
        ingestKey: KEY,
        app: { project: 'spring', appId: 'kiosk', appVersion: '1.0.0', platform: 'node' },
      });
      const leaf = computePins(world.servers[0]?.certPem ?? '')[0]?.pin as Pin;
      const policy = (pin: Pin): Policy => ({
        project: 'spring',
        destinations: [],
        hosts: [{ pattern: HostPattern.parse(HOST), pins: [pin], backupPins: [], mode: 'enforce' }],
      });
      const options = {
        connect: {
          ca: world.caPem,
          lookup: lookupFromMap(new Map([[HOST, '127.0.0.1']]), dnsLookup as unknown as LookupFunction),
        },
        allowPrivateAddresses: true,
        sink: reporter.sink,
        destination: 'spring-poster',
      };
      const url = `https://${HOST}:${world.servers[0]?.port}/spring?src=qr`;
      const ok = await resolveJourney(url, { ...options, policy: policy(leaf) });
      assert.equal(ok.outcome, 'complete', ok.reason?.message);
      const failed = await resolveJourney(url, {
        ...options,
        policy: policy(Pin.fromDigest(Buffer.alloc(32, 4))),
      });
      assert.equal(failed.reason?.code, 'pin-mismatch');
      await reporter.close();
      assert.equal(reporter.stats.queued, 0);
      assert.ok(reporter.stats.sent >= 6, JSON.stringify(reporter.stats));
      assert.equal(await server.store.countEvents('spring'), reporter.stats.sent);
    } finally {
      await server.close();
      await world.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
