// In-process counters, written out in the Prometheus text exposition format (version 0.0.4).
// See https://prometheus.io/docs/instrumenting/exposition_formats/

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${label(v)}"`);
  return `{${parts.join(',')}}`;
}

class LabelledCounter {
  readonly #values = new Map<string, { labels: Record<string, string>; value: number }>();

  /**
   * Adds `by` to the series named `key`; its labels are built (by `pairs`) only the first time,
   * since this runs on every request of the hottest route.
   */
  add(key: string, pairs: () => Record<string, string>, by = 1): void {
    const entry = this.#values.get(key);
    if (entry === undefined) this.#values.set(key, { labels: pairs(), value: by });
    else entry.value += by;
  }

  set(key: string, pairs: () => Record<string, string>, value: number): void {
    const entry = this.#values.get(key);
    if (entry === undefined) this.#values.set(key, { labels: pairs(), value });
    else entry.value = value;
  }

  lines(name: string): string[] {
    return [...this.#values.values()].map((e) => `${name}${labels(e.labels)} ${e.value}`);
  }
}

export class ServerMetrics {
  readonly #requests = new LabelledCounter();
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

  render(): string {
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
    ];
    return `${out.join('\n')}\n`;
  }
}
