import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServerMetrics } from '../../src/lib/metrics.ts';

describe('ServerMetrics', () => {
  it('writes counters and gauges in the Prometheus text format', () => {
    const metrics = new ServerMetrics();
    metrics.request('GET', '/healthz', 200);
    metrics.request('GET', '/healthz', 200);
    metrics.published('demo', 'published', 4);
    metrics.published('demo', 'rollback', 5);
    metrics.refused('demo', 'ERR_PINSET_SIGNATURE');
    const text = metrics.render();
    assert.ok(text.endsWith('\n'));
    assert.match(text, /^qrpin_http_requests_total\{method="GET",route="\/healthz",status="200"\} 2$/m);
    assert.match(text, /^qrpin_pinset_publishes_total\{project="demo",kind="rollback"\} 1$/m);
    assert.match(
      text,
      /^qrpin_pinset_publish_refusals_total\{project="demo",code="ERR_PINSET_SIGNATURE"\} 1$/m,
    );
    assert.match(text, /^qrpin_pinset_current_seq\{project="demo"\} 5$/m);
    for (const name of ['qrpin_http_requests_total', 'qrpin_pinset_current_seq']) {
      assert.match(text, new RegExp(`^# HELP ${name} `, 'm'));
      assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'));
    }
  });

  it('escapes backslashes, quotes and newlines in label values', () => {
    const metrics = new ServerMetrics();
    metrics.request('GET', 'a\\b"c\nd', 404);
    assert.match(metrics.render(), /route="a\\\\b\\"c\\nd"/);
  });

  it('counts journey events per destination and caps the destinations a project may label', () => {
    const metrics = new ServerMetrics();
    metrics.ingested([
      { project: 'spring', destination: 'poster', type: 'scan' },
      { project: 'spring', destination: 'poster', type: 'scan' },
      { project: 'spring', type: 'abandon' },
    ]);
    for (let i = 0; i < 1005; i++)
      metrics.ingested([{ project: 'flood', destination: `d${i}`, type: 'scan' }]);
    // Again: a labelled destination and one past the cap, each counted in its series.
    metrics.ingested([
      { project: 'flood', destination: 'd3', type: 'scan' },
      { project: 'flood', destination: 'd1003', type: 'scan' },
      { project: 'flood', destination: 'd3', type: 'hop' },
    ]);
    const text = metrics.render();
    assert.match(
      text,
      /^qrpin_journey_events_total\{project="spring",destination="poster",type="scan"\} 2$/m,
    );
    assert.match(text, /^qrpin_journey_events_total\{project="spring",destination="",type="abandon"\} 1$/m);
    assert.match(text, /^qrpin_journey_events_total\{project="flood",destination="_other",type="scan"\} 6$/m);
    assert.match(text, /^qrpin_journey_events_total\{project="flood",destination="d3",type="scan"\} 2$/m);
    assert.match(text, /^qrpin_journey_events_total\{project="flood",destination="d3",type="hop"\} 1$/m);
    assert.equal(text.match(/project="flood"/g)?.length, 1002);
  });

  it('writes the per-destination ratios it is given, leaving out the ones without a denominator', () => {
    const text = new ServerMetrics().render([
      {
        project: 'spring',
        destination: 'poster',
        completionRatio: 0.9,
        tlsErrorRatio: 0.01,
        pinFailureRatio: null,
      },
    ]);
    assert.match(text, /^qrpin_destination_completion_ratio\{project="spring",destination="poster"\} 0\.9$/m);
    assert.match(text, /^qrpin_destination_tls_error_ratio\{project="spring",destination="poster"\} 0\.01$/m);
    assert.doesNotMatch(text, /^qrpin_destination_pin_failure_ratio\{/m);
    assert.match(text, /^# TYPE qrpin_destination_pin_failure_ratio gauge$/m);
  });
});
