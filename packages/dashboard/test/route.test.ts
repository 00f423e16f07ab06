import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatHash, metricsParams, parseHash, timeRange, type Route } from '../public/route.js';

describe('the URL hash of the dashboard', () => {
  it('reads the three views', () => {
    assert.deepEqual(parseHash('#/signin'), { name: 'signin' });
    assert.deepEqual(parseHash('#/signin?project=spring'), { name: 'signin', project: 'spring' });
    assert.deepEqual(parseHash('#/p/spring?range=7d&platform=ios'), {
      name: 'overview',
      project: 'spring',
      filters: { range: '7d', platform: 'ios' },
    });
    assert.deepEqual(parseHash('#/p/spring/d/spring-poster'), {
      name: 'destination',
      project: 'spring',
      destination: 'spring-poster',
      filters: { range: '24h' },
    });
  });

  it('falls back to the home view or the default range on anything it cannot read', () => {
    for (const hash of ['', '#', '#/', '#/p', '#/p//d/x', '#/p/spring/d', '#/p/spring/x/y', '#/p/%E0%A4%A']) {
      assert.deepEqual(parseHash(hash), { name: 'home' }, hash);
    }
    const filters = (hash: string) => (parseHash(hash) as Extract<Route, { name: 'overview' }>).filters;
    assert.deepEqual(filters('#/p/s?range=1y'), { range: '24h' });
    assert.deepEqual(filters('#/p/s?range=custom&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'), {
      range: '24h',
    });
    assert.deepEqual(filters('#/p/s?range=custom&from=yesterday&to=2026-01-01T00:00:00Z'), { range: '24h' });
    assert.deepEqual(filters('#/p/s?range=toString'), { range: '24h' });
  });

  it('encodes ids so that a destination can hold any character and still round-trips', () => {
    const hash = formatHash({
      name: 'destination',
      project: 'spring',
      destination: '<img src=x onerror="window.__xss=1">/?#&',
      filters: { range: '24h', campaign: '"><script>x</script>' },
    });
    assert.doesNotMatch(hash.slice(1).split('?')[0] ?? '', /[<>"?#& ]/);
    assert.match(
      hash,
      /^#\/p\/spring\/d\/%3Cimg%20src%3Dx%20onerror%3D%22window.__xss%3D1%22%3E%2F%3F%23%26\?/,
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 128, unit: 'grapheme' }),
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.option(fc.string({ minLength: 1, maxLength: 128, unit: 'grapheme' }), { nil: undefined }),
        fc.constantFrom('1h', '6h', '24h', '7d', '30d'),
        (destination, project, campaign, range) => {
          const route: Route = {
            name: 'destination',
            project,
            destination,
            filters: { range, ...(campaign === undefined ? {} : { campaign }) },
          };
          assert.deepEqual(parseHash(formatHash(route)), route);
        },
      ),
    );
  });

  it('links a destination whose id holds a lone surrogate instead of throwing', () => {
    const hash = formatHash({
      name: 'destination',
      project: 'spring',
      destination: 'a\uD800b',
      filters: { range: '24h' },
    });
    assert.equal(hash, '#/p/spring/d/a%EF%BF%BDb?range=24h');
  });

  it('turns presets into a range ending at the next whole minute, and custom ranges as given', () => {
    const now = Date.parse('2026-12-01T10:14:30.500Z');
    assert.deepEqual(timeRange({ range: '1h' }, now), {
      from: '2026-12-01T09:15:00.000Z',
      to: '2026-12-01T10:15:00.000Z',
    });
    assert.deepEqual(timeRange({ range: '30d' }, now).from, '2026-11-01T10:15:00.000Z');
    const custom = {
      range: 'custom',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-02T00:00:00.000Z',
    } as const;
    assert.deepEqual(timeRange(custom, now), { from: custom.from, to: custom.to });
    assert.deepEqual(metricsParams({ range: '6h', platform: 'ios', appVersion: '2.1.0' }, now), {
      from: '2026-12-01T04:15:00.000Z',
      to: '2026-12-01T10:15:00.000Z',
      appVersion: '2.1.0',
      platform: 'ios',
    });
  });
});
