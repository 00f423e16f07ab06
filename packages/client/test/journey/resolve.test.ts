import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HostPattern, Pin, type Policy, type PolicyHost } from '@qrpin/core';
import { resolveJourney, type JourneyEvent } from '@qrpin/client';
import { makeCa, makeLeaf, strangerPin, type TestCa, type TestLeaf } from '../helpers/pki.ts';
import { loopback, startOrigin, type TestOrigin } from '../helpers/servers.ts';

const PROMO = 'promo.journey.test';
const OTHER = 'other.journey.test';
const EVIL = 'evil.journey.test';
const REPORT = 'report.journey.test';

function host(pattern: string, pins: string[], mode: 'enforce' | 'report' = 'enforce'): PolicyHost {
  return {
    pattern: HostPattern.parse(pattern),
    pins: pins.map((p) => Pin.parse(p)),
    backupPins: [strangerPinValue()],
    mode,
  };
}
function strangerPinValue(): Pin {
  return Pin.parse(strangerPin());
}

describe('resolveJourney', () => {
  let ca: TestCa;
  let leaf: TestLeaf;
  let origin: TestOrigin;
  let policy: Policy;
  const base = (h: string, path: string): string => `https://${h}:${origin.port}${path}`;

  before(async () => {
    ca = makeCa('journey CA');
    leaf = makeLeaf(ca, [PROMO, OTHER, EVIL, REPORT, 'localhost']);
    origin = await startOrigin({
      cert: leaf.pem,
      key: leaf.keyPem,
      handler: (req, res) => {
        const to = (location: string): void => {
          res.writeHead(302, { location }).end();
        };
        const path = req.url ?? '/';
        if (path.startsWith('/spring')) to('/landing?utm=1');
        else if (path === '/landing?utm=1')
          res.writeHead(200, { 'content-type': 'text/html' }).end('<p>landing</p>');
        else if (path === '/to-other') to(`https://${OTHER}:${origin.port}/offer`);
        else if (path === '/to-evil') to(`https://${EVIL}:${origin.port}/phish`);
        else if (path === '/to-http') to(`http://${PROMO}:${origin.port}/plain`);
        else if (path === '/loop') to('/loop');
        else if (path === '/no-location') res.writeHead(302).end();
        else if (path === '/big') res.end('x'.repeat(5000));
        else if (path === '/hang')
          return; // never answers
        else res.end(`page ${path}`);
      },
    });
    policy = {
      project: 'journey',
      destinations: [],
      hosts: [host(PROMO, [leaf.pin]), host(OTHER, [ca.pin]), host(REPORT, [strangerPin()], 'report')],
    };
  });
  after(() => origin.close());

  const options = (events: JourneyEvent[] = []) => ({
    policy,
    connect: { ca: ca.pem, lookup: loopback },
    allowPrivateAddresses: true,
    sink: (e: JourneyEvent) => events.push(e),
    destination: 'spring-poster',
    campaign: 'spring',
  });

  it('follows a redirect on a pinned host to the content, with a pin verdict per hop', async () => {
    const events: JourneyEvent[] = [];
    const result = await resolveJourney(base(PROMO, '/spring?src=qr'), options(events));
    assert.equal(result.outcome, 'complete', result.reason?.message);
    assert.deepEqual(
      result.hops.map((h) => [h.status, h.pin, h.url]),
      [
        [302, 'pass', base(PROMO, '/spring')],
        [200, 'pass', base(PROMO, '/landing')],
      ],
    );
    assert.equal(Buffer.from(result.final?.body ?? []).toString(), '<p>landing</p>');
    assert.deepEqual(
      events.map((e) => e.type),
      ['scan', 'tls_ok', 'hop', 'tls_ok', 'hop', 'complete'],
    );
    assert.ok(events.every((e) => e.sessionId === result.sessionId && e.destination === 'spring-poster'));
    assert.ok(
      events.every((e) => e.url === undefined || !e.url.includes('?')),
      'query strings are stripped',
    );
  });

  it('follows a redirect to another pinned host of the inventory', async () => {
    const result = await resolveJourney(base(PROMO, '/to-other'), options());
    assert.equal(result.outcome, 'complete', result.reason?.message);
    assert.deepEqual(
      result.hops.map((h) => h.host),
      [PROMO, OTHER],
    );
  });

  it('refuses a redirect to a host outside the inventory, and lets an allow-listed one through marked', async () => {
    const events: JourneyEvent[] = [];
    const refused = await resolveJourney(base(PROMO, '/to-evil'), options(events));
    assert.equal(refused.outcome, 'refused');
    assert.equal(refused.reason?.code, 'host-not-in-inventory');
    assert.match(refused.reason?.message ?? '', /evil\.journey\.test/);
    assert.equal(events.at(-1)?.type, 'redirect_blocked');
    assert.ok(!origin.requests.includes('/phish'), 'no request reached the unlisted host');
    const allowed = await resolveJourney(base(PROMO, '/to-evil'), { ...options(), allowHosts: [EVIL] });
    assert.equal(allowed.outcome, 'complete');
    assert.equal(allowed.hops[1]?.allowListed, true);
    assert.equal(allowed.hops[1]?.pin, 'unpinned');
  });

  it('refuses a downgrade from https to http', async () => {
    const result = await resolveJourney(base(PROMO, '/to-http'), options());
    assert.equal(result.reason?.code, 'scheme-downgrade');
  });

  it('stops a redirect loop at the hop limit', async () => {
    const result = await resolveJourney(base(PROMO, '/loop'), { ...options(), maxHops: 4 });
    assert.equal(result.reason?.code, 'too-many-hops');
    assert.equal(result.hops.length, 4);
  });

  it('refuses a redirect without a Location', async () => {
    const result = await resolveJourney(base(PROMO, '/no-location'), options());
    assert.equal(result.reason?.code, 'redirect-invalid');
  });

  it('fails on a pin mismatch before any request reaches the server, and reports it', async () => {
    const events: JourneyEvent[] = [];
    const wrong: Policy = { ...policy, hosts: [host(PROMO, [strangerPin()])] };
    const before = origin.requests.length;
    const result = await resolveJourney(base(PROMO, '/spring'), { ...options(events), policy: wrong });
    assert.equal(result.outcome, 'failed');
    assert.equal(result.reason?.code, 'pin-mismatch');
    assert.match(result.reason?.message ?? '', /Certificate pinning failure/);
    assert.equal(result.hops[0]?.pin, 'fail');
    assert.equal(origin.requests.length, before);
    const failure = events.find((e) => e.type === 'pin_failure');
    assert.deepEqual(failure?.chainPins?.[0], leaf.pin);
  });

  it('completes through a report-only host and reports the mismatch', async () => {
    const events: JourneyEvent[] = [];
    const result = await resolveJourney(base(REPORT, '/page'), options(events));
    assert.equal(result.outcome, 'complete');
    assert.equal(result.hops[0]?.pin, 'reported');
    assert.equal(events.find((e) => e.type === 'pin_failure')?.mode, 'report');
  });

  it('follows a deep link to the https fallback its destination declares, and only then', async () => {
    const without = await resolveJourney('qrpindemo://offer/42', options());
    assert.equal(without.payload?.kind, 'deep-link');
    assert.equal(without.reason?.code, 'not-a-web-destination');
    const withFallback = await resolveJourney('qrpindemo://offer/42', {
      ...options(),
      fallbackUrl: base(PROMO, '/offer/42'),
    });
    assert.equal(withFallback.outcome, 'complete', withFallback.reason?.message);
    assert.equal(withFallback.hops[0]?.url, base(PROMO, '/offer/42'));
  });

  it('gives up on a hop that does not answer within its timeout', async () => {
    const events: JourneyEvent[] = [];
    const result = await resolveJourney(base(PROMO, '/hang'), { ...options(events), hopTimeoutMs: 300 });
    assert.equal(result.outcome, 'failed');
    assert.equal(result.reason?.code, 'timeout', result.reason?.message);
    assert.equal(result.hops[0]?.pin, 'not-checked');
  });

  it('keeps at most maxBodyBytes of the final body', async () => {
    const result = await resolveJourney(base(PROMO, '/big'), { ...options(), maxBodyBytes: 100 });
    assert.equal(result.final?.body.length, 100);
    assert.equal(result.final?.truncated, true);
  });

  const refusals: Array<[string, string, string]> = [
    ['a javascript: payload', 'javascript:alert(1)', 'payload-refused'],
    ['a plain-text payload', 'hello, world', 'not-a-web-destination'],
    ['an http payload', 'http://promo.journey.test/spring', 'not-https'],
  ];
  for (const [name, payload, code] of refusals) {
    it(`refuses ${name}`, async () => {
      const result = await resolveJourney(payload, options());
      assert.notEqual(result.outcome, 'complete');
      assert.equal(result.reason?.code, code, result.reason?.message);
    });
  }

  it('refuses loopback and private addresses unless allowed, whether literal or resolved', async () => {
    const guarded = { policy, connect: { ca: ca.pem } };
    const literal = await resolveJourney(`https://127.0.0.1:${origin.port}/`, {
      ...guarded,
      allowHosts: ['127.0.0.1'],
    });
    assert.notEqual(literal.outcome, 'complete');
    const resolved = await resolveJourney(`https://localhost:${origin.port}/`, {
      ...guarded,
      allowHosts: ['localhost'],
    });
    assert.equal(resolved.reason?.code, 'private-address', resolved.reason?.message);
    assert.match(resolved.reason?.message ?? '', /resolves to 127\.0\.0\.1/);
  });
});
