// In-process counters, written out in the Prometheus text exposition format (version 0.0.4).
// See https://prometheus.io/docs/instrumenting/exposition_formats/

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${label(v)}"`);
  return `{${parts.join(',')}}`;
}

/** One series of a counter: its labels and its value. */
interface Series {
  readonly labels: Record<string, string>;
  value: number;
}

class LabelledCounter {
  readonly #values = new Map<string, Series>();

  /**
   * Adds `by` to the series named `key`; its labels are built (by `pairs`) only the first time,
   * since this runs on every request of the hottest route.
   */
  add(key: string, pairs: () => Record<string, string>, by = 1): void {
    this.series(key, pairs).value += by;
  }

  /** The series named `key`, created at 0 with the labels `pairs` builds if new. */
  series(key: string, pairs: () => Record<string, string>): Series {
    let entry = this.#values.get(key);
    if (entry === undefined) {
      entry = { labels: pairs(), value: 0 };
      this.#values.set(key, entry);
    }
    return entry;
  }

  set(key: string, pairs: () => Record<string, string>, value: number): void {
    this.series(key, pairs).value = value;
  }

  lines(name: string): string[] {
    return [...this.#values.values()].map((e) => `${name}${labels(e.labels)} ${e.value}`);
  }
}

/** Destinations a project may have as labels; beyond, their events count under `_other`. */
const MAX_DESTINATION_LABELS = 1000;

/** The figures of one destination over the last window, computed from rollups at scrape time. */
export interface DestinationGauges {
  readonly project: string;
  readonly destination: string;
  readonly completionRatio: number | null;
  readonly tlsErrorRatio: number | null;
  readonly pinFailureRatio: number | null;
}

export class ServerMetrics {
  readonly #requests = new LabelledCounter();
  readonly #journeyEvents = new LabelledCounter();
  readonly #destinations = new Map<string, Set<string>>();
  /**
   * The journey-event series of each project, destination (as sent, labelled ones only: bounded
   * like the labels) and type, found without building a key: this runs for every ingested event.
   */
  readonly #journeySeries = new Map<string, Map<string, Map<string, Series>>>();
  readonly #alerts = new LabelledCounter();
  readonly #deliveries = new LabelledCounter();
  readonly #purged = new LabelledCounter();
  readonly #publishes = new LabelledCounter();
  readonly #refusals = new LabelledCounter();
  readonly #currentSeq = new LabelledCounter();

  request(method: string, route: string, status: number): void {
    this.#requests.add(`${method} ${status} ${route}`, () => ({ method, route, status: String(status) }));
  }

  published(project: string, kind: 'published' | 'rollback', seq: number): void {
    this.#publishes.add(`${kind} ${project}`, () => ({ project, kind }));
    this.seen(project, seq);
  }

  refused(project: string, code: string): void {
    this.#refusals.add(`${code} ${project}`, () => ({ project, code }));
  }

  seen(project: string, seq: number): void {
    this.#currentSeq.set(project, () => ({ project }), seq);
  }

  /** Counts acknowledged journey events by project, destination and type. */
  ingested(events: readonly { project: string; destination?: string | undefined; type: string }[]): void {
    for (const e of events) {
      const sent = e.destination ?? '';
      const cached = this.#journeySeries.get(e.project)?.get(sent)?.get(e.type);
      if (cached !== undefined) {
        cached.value++;
        continue;
      }
      const destination = this.#destinationLabel(e.project, sent);
      const series = this.#journeyEvents.series(`${e.project}\u0000${destination}\u0000${e.type}`, () => ({
        project: e.project,
        destination,
        type: e.type,
      }));
      series.value++;
      if (destination !== sent) continue; // counted under `_other`: not cached, so the cache stays bounded
      let byDestination = this.#journeySeries.get(e.project);
      if (byDestination === undefined) {
        byDestination = new Map();
        this.#journeySeries.set(e.project, byDestination);
      }
      let byType = byDestination.get(sent);
      if (byType === undefined) {
        byType = new Map();
        byDestination.set(sent, byType);
      }
      byType.set(e.type, series);
    }
  }

  #destinationLabel(project: string, destination: string): string {
    let seen = this.#destinations.get(project);
    if (seen === undefined) {
      seen = new Set();
      this.#destinations.set(project, seen);
    }
    if (seen.has(destination)) return destination;
    if (seen.size >= MAX_DESTINATION_LABELS) return '_other';
    seen.add(destination);
    return destination;
  }

  /** Counts an alert this replica raised. */
  alerted(project: string, destination: string, kind: string): void {
    const label = this.#destinationLabel(project, destination);
    this.#alerts.add(`${project}\u0000${label}\u0000${kind}`, () => ({ project, destination: label, kind }));
  }

  /** Counts a webhook delivery attempt by outcome (`delivered`, `retry`, `failed`, `stale`). */
  delivery(outcome: 'delivered' | 'retry' | 'failed' | 'stale'): void {
    this.#deliveries.add(outcome, () => ({ outcome }));
  }

  /** Counts rows the retention purge deleted, by kind. */
  purged(result: Readonly<Record<string, number>>): void {
    for (const [kind, n] of Object.entries(result)) if (n > 0) this.#purged.add(kind, () => ({ kind }), n);
  }

  /**
   * The exposition; `destinations` are the per-destination ratios over the last hour, read from
   * the shared rollups (so every replica shows the same figures).
   */
  render(destinations: readonly DestinationGauges[] = []): string {
    const gauge = (name: string, help: string, pick: (d: DestinationGauges) => number | null): string[] => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} gauge`,
      ...destinations.flatMap((d) => {
        const value = pick(d);
        return value === null
          ? []
          : [`${name}${labels({ project: d.project, destination: d.destination })} ${value}`];
      }),
    ];
    const out = [
      '# HELP qrpin_http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE qrpin_http_requests_total counter',
      ...this.#requests.lines('qrpin_http_requests_total'),
      '# HELP qrpin_pinset_publishes_total Documents made current by this process (published or rollback).',
      '# TYPE qrpin_pinset_publishes_total counter',
      ...this.#publishes.lines('qrpin_pinset_publishes_total'),
      '# HELP qrpin_pinset_publish_refusals_total Publishes refused, by error code.',
      '# TYPE qrpin_pinset_publish_refusals_total counter',
      ...this.#refusals.lines('qrpin_pinset_publish_refusals_total'),
      '# HELP qrpin_pinset_current_seq The seq of the current document of each project, as last seen by this process.',
      '# TYPE qrpin_pinset_current_seq gauge',
      ...this.#currentSeq.lines('qrpin_pinset_current_seq'),
      '# HELP qrpin_journey_events_total Journey events acknowledged by this process, by project, destination and type.',
      '# TYPE qrpin_journey_events_total counter',
      ...this.#journeyEvents.lines('qrpin_journey_events_total'),
      '# HELP qrpin_alerts_total Spike alerts raised by this process.',
      '# TYPE qrpin_alerts_total counter',
      ...this.#alerts.lines('qrpin_alerts_total'),
      '# HELP qrpin_webhook_deliveries_total Webhook delivery attempts by outcome.',
      '# TYPE qrpin_webhook_deliveries_total counter',
      ...this.#deliveries.lines('qrpin_webhook_deliveries_total'),
      '# HELP qrpin_retention_purged_rows_total Rows deleted by the retention purge, by kind.',
      '# TYPE qrpin_retention_purged_rows_total counter',
      ...this.#purged.lines('qrpin_retention_purged_rows_total'),
      ...gauge(
        'qrpin_destination_completion_ratio',
        'Completions over scans of each destination in the last hour (all replicas).',
        (d) => d.completionRatio,
      ),
      ...gauge(
        'qrpin_destination_tls_error_ratio',
        'TLS errors over TLS attempts of each destination in the last hour (all replicas).',
        (d) => d.tlsErrorRatio,
      ),
      ...gauge(
        'qrpin_destination_pin_failure_ratio',
        'Pin failures over TLS attempts of each destination in the last hour (all replicas).',
        (d) => d.pinFailureRatio,
      ),
    ];
    return `${out.join('\n')}\n`;
  }
}
