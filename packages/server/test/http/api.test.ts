import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/http/create-server.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { FACTORIES, type StoreFixture } from '../helpers/stores.ts';
import { stubJws, stubVerify, type StubPayload } from '../helpers/stub-verifier.ts';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
}

function errorOf(body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error: { code: string; message: string } };
  assert.equal(typeof parsed.error.code, 'string');
  assert.equal(typeof parsed.error.message, 'string');
  assert.doesNotMatch(body, /\n\s+at /, 'an error body never carries a stack');
  return parsed.error;
}

for (const [name, factory] of FACTORIES) {
  describe(`the pinset HTTP API on ${name}`, () => {
    const demoToken = randomBytes(24).toString('base64url');
    const otherToken = randomBytes(24).toString('base64url');
    const logs = new LogCapture();
    let fixture: StoreFixture;
    let store: PinsetStore;
    let app: FastifyInstance;
    let project = '';
    let counter = 0;

    before(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('other');
      await store.addAdminToken('other', sha(otherToken));
      await store.addSigningKey('other', { kid: 'primary', alg: 'EdDSA', jwk: { kty: 'OKP' } });
      app = createServer({
        store,
        verify: stubVerify,
        logger: { level: 'debug', stream: logs },
        limits: { adminBurst: 10_000 },
      });
    });
    after(async () => {
      await app.close();
      await fixture.cleanup();
    });

    /** A fresh project per test, with the demo token and a primary and backup key. */
    async function freshProject(): Promise<string> {
      project = `demo-${++counter}`;
      await store.createProject(project);
      await store.addAdminToken(project, sha(demoToken));
      await store.addSigningKey(project, { kid: 'primary', alg: 'EdDSA', jwk: { kty: 'OKP' } });
      await store.addSigningKey(project, { kid: 'backup', alg: 'ES256', jwk: { kty: 'EC' } });
      return project;
    }

    function publish(
      seq: number,
      overrides: {
        doc?: Partial<StubPayload>;
        rollback?: Partial<StubPayload>;
        kid?: string;
        token?: string;
      } = {},
    ) {
      return app.inject({
        method: 'POST',
        url: `/v1/projects/${project}/pinsets`,
        headers: { authorization: `Bearer ${overrides.token ?? demoToken}` },
        payload: {
          jws: stubJws({ project, seq, ...overrides.doc }, overrides.kid),
          rollbackJws: stubJws({ project, seq: seq + 1, rollback: true, ...overrides.rollback }),
        },
      });
    }

    it('answers 404 with a JSON error before the first document', async () => {
      await freshProject();
      const res = await app.inject({ url: `/v1/projects/${project}/pinset` });
      assert.equal(res.statusCode, 404);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(errorOf(res.body), {
        code: 'ERR_HTTP_NOT_FOUND',
        message: `project "${project}" has no published pinset`,
      });
    });

    it('publishes a verified document and serves it with a strong ETag and a short cache life', async () => {
      await freshProject();
      const published = await publish(1);
      assert.equal(published.statusCode, 201, published.body);
      assert.equal(published.headers.location, `/v1/projects/${project}/pinset/1`);
      const jws = stubJws({ project, seq: 1 });
      assert.deepEqual(JSON.parse(published.body), {
        project,
        seq: 1,
        sha256: sha(jws),
        kind: 'published',
        hasRollback: true,
        rollbackSeq: 2,
        publishedAt: (JSON.parse(published.body) as { publishedAt: string }).publishedAt,
      });
      const res = await app.inject({ url: `/v1/projects/${project}/pinset` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, jws);
      assert.equal(res.headers['content-type'], 'application/jose');
      assert.equal(res.headers.etag, `"${sha(jws)}"`);
      assert.equal(res.headers['cache-control'], 'public, max-age=60');
      assert.equal(res.headers['x-qrpin-seq'], '1');
    });

    it('answers 304 to a matching If-None-Match, and 200 when the tag differs', async () => {
      await freshProject();
      await publish(1);
      const etag = `"${sha(stubJws({ project, seq: 1 }))}"`;
      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await app.inject({
          url: `/v1/projects/${project}/pinset`,
          headers: { 'if-none-match': ifNoneMatch },
        });
        assert.equal(res.statusCode, 304, ifNoneMatch);
        assert.equal(res.body, '');
        assert.equal(res.headers.etag, etag);
        assert.equal(res.headers['cache-control'], 'public, max-age=60');
      }
      const changed = await app.inject({
        url: `/v1/projects/${project}/pinset`,
        headers: { 'if-none-match': '"old"' },
      });
      assert.equal(changed.statusCode, 200);
    });

    it('serves each document by seq as immutable', async () => {
      await freshProject();
      await publish(1);
      await publish(2);
      const res = await app.inject({ url: `/v1/projects/${project}/pinset/1` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, stubJws({ project, seq: 1 }));
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(res.headers.etag, `"${sha(stubJws({ project, seq: 1 }))}"`);
      const notModified = await app.inject({
        url: `/v1/projects/${project}/pinset/1`,
        headers: { 'if-none-match': String(res.headers.etag) },
      });
      assert.equal(notModified.statusCode, 304);
      for (const seq of ['3', 'abc', '-1', '01', '99999999999999999999']) {
        const missing = await app.inject({ url: `/v1/projects/${project}/pinset/${seq}` });
        assert.equal(missing.statusCode, 404, seq);
        assert.equal(errorOf(missing.body).code, 'ERR_HTTP_NOT_FOUND');
      }
    });

    const authCases: ReadonlyArray<readonly [string, Record<string, string>, RegExp]> = [
      ['no Authorization header', {}, /an admin token is needed/],
      ['a wrong token', { authorization: 'Bearer not-the-token' }, /not an admin token of project/],
      ['another project’s token', { authorization: `Bearer ${otherToken}` }, /not an admin token of project/],
      ['a Basic credential', { authorization: `Basic ${demoToken}` }, /an admin token is needed/],
      ['an empty bearer', { authorization: 'Bearer ' }, /an admin token is needed/],
    ];
    for (const [what, headers, message] of authCases) {
      it(`refuses the admin routes with 401 for ${what}`, async () => {
        await freshProject();
        const routes = [
          {
            method: 'POST' as const,
            url: `/v1/projects/${project}/pinsets`,
            payload: { jws: 'a', rollbackJws: 'b' },
          },
          { method: 'POST' as const, url: `/v1/projects/${project}/rollback` },
          { method: 'GET' as const, url: `/v1/projects/${project}/pinsets` },
        ];
        for (const route of routes) {
          const res = await app.inject({ ...route, headers });
          assert.equal(res.statusCode, 401, `${route.method} ${route.url}`);
          assert.equal(res.headers['www-authenticate'], 'Bearer realm="qrpin"');
          const error = errorOf(res.body);
          assert.equal(error.code, 'ERR_HTTP_UNAUTHORIZED');
          assert.match(error.message, message);
        }
        assert.equal(await store.current(project), undefined);
      });
    }

    it('refuses a document the verifier refuses, with the verifier’s code', async () => {
      await freshProject();
      await publish(1);
      const cases: ReadonlyArray<
        readonly [string, Promise<{ statusCode: number; body: string }>, number, string, RegExp]
      > = [
        ['a forged signature', publish(2, { doc: { forged: true } }), 422, 'ERR_PINSET_SIGNATURE', /^jws: /],
        ['an unknown kid', publish(2, { kid: 'stolen' }), 422, 'ERR_PINSET_UNKNOWN_KEY', /^jws: .*"stolen"/],
        ['an equal seq', publish(1), 409, 'ERR_PINSET_ROLLBACK', /^jws: seq 1 is not higher than 1/],
        ['a lower seq', publish(0), 409, 'ERR_PINSET_ROLLBACK', /^jws: /],
        [
          'a rollback not above the document',
          publish(2, { rollback: { seq: 2 } }),
          409,
          'ERR_PINSET_ROLLBACK',
          /^rollbackJws: /,
        ],
        [
          'a forged rollback',
          publish(2, { rollback: { forged: true } }),
          422,
          'ERR_PINSET_SIGNATURE',
          /^rollbackJws: /,
        ],
        [
          'a rollback of another seq',
          publish(2, { rollback: { rollbackOf: 1 } }),
          422,
          'ERR_HTTP_ROLLBACK_INVALID',
          /^rollbackJws: it rolls back seq 1, not the published seq 2/,
        ],
        [
          'a rollback that still enforces a host',
          publish(2, { rollback: { mode: 'enforce' } }),
          422,
          'ERR_HTTP_ROLLBACK_INVALID',
          /host shop\.example\.com is in enforce mode/,
        ],
        [
          'a rollback whose rollout enforces',
          publish(2, { rollback: { stage: 'everyone' } }),
          422,
          'ERR_HTTP_ROLLBACK_INVALID',
          /rollout stage is everyone, not report-only/,
        ],
        [
          'a rollback that drops the document’s pins',
          publish(2, { rollback: { pins: ['sha256/other'] } }),
          422,
          'ERR_HTTP_ROLLBACK_INVALID',
          /does not keep host shop\.example\.com/,
        ],
        [
          'another project’s document',
          publish(2, { doc: { project: 'other' } }),
          422,
          'ERR_HTTP_PROJECT_MISMATCH',
          /"other"/,
        ],
      ];
      for (const [what, pending, status, code, message] of cases) {
        const res = await pending;
        assert.equal(res.statusCode, status, what);
        const error = errorOf(res.body);
        assert.equal(error.code, code, what);
        assert.match(error.message, message, what);
      }
      assert.equal((await store.current(project))?.seq, 1);
    });

    it('refuses a publish body without both documents', async () => {
      await freshProject();
      for (const payload of [{}, { jws: stubJws({ project, seq: 1 }) }, { jws: 1, rollbackJws: 'x' }, []]) {
        const res = await app.inject({
          method: 'POST',
          url: `/v1/projects/${project}/pinsets`,
          headers: { authorization: `Bearer ${demoToken}` },
          payload,
        });
        assert.equal(res.statusCode, 400, JSON.stringify(payload));
        assert.equal(errorOf(res.body).code, 'ERR_HTTP_BAD_REQUEST');
      }
    });

    it('refuses to publish for a project that has no signing key', async () => {
      project = `nokeys-${++counter}`;
      await store.createProject(project);
      await store.addAdminToken(project, sha(demoToken));
      const res = await publish(1);
      assert.equal(res.statusCode, 422);
      assert.equal(errorOf(res.body).code, 'ERR_HTTP_NO_SIGNING_KEYS');
    });

    it('lets exactly one of concurrent publishes of one seq win, the others get 409', async () => {
      await freshProject();
      const results = await Promise.all([1, 2, 3, 4, 5].map(() => publish(1)));
      const statuses = results.map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [201, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.statusCode === 409)) {
        assert.match(errorOf(r.body).code, /^ERR_(PINSET_ROLLBACK|STORE_SEQ_CONFLICT)$/);
      }
    });

    it('releases the pre-signed rollback as the current document, once', async () => {
      await freshProject();
      await publish(1);
      await publish(2);
      const rollback = (path: string) =>
        app.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${demoToken}` } });
      const res = await rollback(`/v1/projects/${project}/rollback`);
      assert.equal(res.statusCode, 201, res.body);
      const rollbackJws = stubJws({ project, seq: 3, rollback: true });
      assert.deepEqual(
        { ...(JSON.parse(res.body) as object), publishedAt: 'x' },
        {
          project,
          seq: 3,
          sha256: sha(rollbackJws),
          kind: 'rollback',
          hasRollback: false,
          rollbackSeq: null,
          publishedAt: 'x',
        },
      );
      const current = await app.inject({ url: `/v1/projects/${project}/pinset` });
      assert.equal(current.body, rollbackJws);
      assert.equal(current.headers['x-qrpin-seq'], '3');
      const again = await rollback(`/v1/projects/${project}/rollback`);
      assert.equal(again.statusCode, 409);
      assert.equal(errorOf(again.body).code, 'ERR_STORE_NO_ROLLBACK');
      assert.equal((await publish(4)).statusCode, 201);
    });

    it('lists the history newest first for an admin', async () => {
      await freshProject();
      for (const seq of [1, 2, 3]) await publish(seq);
      const get = (query: string) =>
        app.inject({
          url: `/v1/projects/${project}/pinsets${query}`,
          headers: { authorization: `Bearer ${demoToken}` },
        });
      const res = await get('?limit=2');
      assert.equal(res.statusCode, 200);
      const body = JSON.parse(res.body) as { project: string; pinsets: Array<{ seq: number; kind: string }> };
      assert.equal(body.project, project);
      assert.deepEqual(
        body.pinsets.map((p) => [p.seq, p.kind]),
        [
          [3, 'published'],
          [2, 'published'],
        ],
      );
      assert.equal((JSON.parse((await get('')).body) as { pinsets: unknown[] }).pinsets.length, 3);
      for (const bad of ['?limit=0', '?limit=x', '?limit=501', '?limit=-1']) {
        const refused = await get(bad);
        assert.equal(refused.statusCode, 400, bad);
        assert.equal(errorOf(refused.body).code, 'ERR_HTTP_BAD_REQUEST');
      }
    });

    it('answers 413 to a body over the limit', async () => {
      await freshProject();
      const res = await app.inject({
        method: 'POST',
        url: `/v1/projects/${project}/pinsets`,
        headers: { authorization: `Bearer ${demoToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ jws: 'x'.repeat(300 * 1024), rollbackJws: 'y' }),
      });
      assert.equal(res.statusCode, 413);
      assert.equal(errorOf(res.body).code, 'ERR_HTTP_BODY_TOO_LARGE');
    });

    const badBodies: ReadonlyArray<readonly [string, string, string, number, string]> = [
      ['truncated JSON', 'application/json', '{"jws": "a"', 400, 'ERR_HTTP_MALFORMED_JSON'],
      ['not JSON at all', 'application/json', 'jws=a', 400, 'ERR_HTTP_MALFORMED_JSON'],
      ['an empty JSON body', 'application/json', '', 400, 'ERR_HTTP_MALFORMED_JSON'],
      ['a text body', 'text/csv', 'a,b', 415, 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [what, contentType, payload, status, code] of badBodies) {
      it(`answers ${status} ${code} to ${what}`, async () => {
        await freshProject();
        const res = await app.inject({
          method: 'POST',
          url: `/v1/projects/${project}/pinsets`,
          headers: { authorization: `Bearer ${demoToken}`, 'content-type': contentType },
          payload,
        });
        assert.equal(res.statusCode, status);
        assert.equal(errorOf(res.body).code, code);
      });
    }

    it('answers 404 JSON to an unknown route and an impossible project id', async () => {
      for (const url of ['/nope', '/v1/projects/UPPER/pinset', '/v1/projects/x/unknown']) {
        const res = await app.inject({ url });
        assert.equal(res.statusCode, 404, url);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal(errorOf(res.body).code, 'ERR_HTTP_NOT_FOUND');
      }
    });

    it('answers health and readiness', async () => {
      const health = await app.inject({ url: '/healthz' });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
      const ready = await app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });
    });

    it('exposes request, publish and current-seq counters in the Prometheus text format', async () => {
      await freshProject();
      await publish(1);
      await app.inject({ url: `/v1/projects/${project}/pinset` });
      await publish(1);
      const res = await app.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(res.body, /^# TYPE qrpin_http_requests_total counter$/m);
      assert.match(
        res.body,
        /^qrpin_http_requests_total\{method="GET",route="\/v1\/projects\/:project\/pinset",status="200"\} \d+$/m,
      );
      assert.match(
        res.body,
        /^qrpin_http_requests_total\{method="POST",route="\/v1\/projects\/:project\/pinsets",status="409"\} \d+$/m,
      );
      assert.match(
        res.body,
        new RegExp(`^qrpin_pinset_publishes_total\\{project="${project}",kind="published"\\} 1$`, 'm'),
      );
      assert.match(res.body, new RegExp(`^qrpin_pinset_current_seq\\{project="${project}"\\} 1$`, 'm'));
      assert.match(
        res.body,
        new RegExp(
          `^qrpin_pinset_publish_refusals_total\\{project="${project}",code="ERR_PINSET_ROLLBACK"\\} 1$`,
          'm',
        ),
      );
    });

    it('never writes an admin token to the log', async () => {
      await freshProject();
      await publish(1);
      await publish(1, { token: 'wrong-secret-token-value' });
      const all = logs.lines.join('');
      assert.ok(logs.lines.length > 10, 'the logger wrote request lines');
      assert.ok(!all.includes(demoToken), 'the demo token is not in the log');
      assert.ok(!all.includes(otherToken), 'the other token is not in the log');
      assert.ok(!all.includes('wrong-secret-token-value'), 'a refused token is not in the log');
    });

    it('redacts an Authorization header that reaches a log line', async () => {
      const before = logs.lines.length;
      app.log.info({ req: { headers: { authorization: `Bearer ${demoToken}` } } }, 'with request headers');
      app.log.info({ headers: { authorization: `Bearer ${demoToken}` } }, 'with bare headers');
      const written = logs.lines.slice(before).join('');
      assert.ok(!written.includes(demoToken));
      // Fastify's request serializer keeps no header at all; a bare `headers` object is redacted.
      assert.match(written, /"headers":\{"authorization":"\[redacted\]"\}/);
    });

    it('serves the current document over a real socket', async () => {
      await freshProject();
      await publish(1);
      const listening = createServer({ store, verify: stubVerify, logger: false });
      try {
        await listening.listen({ host: '127.0.0.1', port: 0 });
        const address = listening.server.address();
        assert.ok(address !== null && typeof address === 'object');
        const url = `http://127.0.0.1:${address.port}/v1/projects/${project}/pinset`;
        const first = await fetch(url);
        assert.equal(first.status, 200);
        assert.equal(first.headers.get('content-type'), 'application/jose');
        assert.equal(await first.text(), stubJws({ project, seq: 1 }));
        const etag = first.headers.get('etag') ?? '';
        const again = await fetch(url, { headers: { 'if-none-match': etag } });
        assert.equal(again.status, 304);
        const head = await fetch(url, { method: 'HEAD' });
        assert.equal(head.status, 200);
        assert.equal(head.headers.get('etag'), etag);
      } finally {
        await listening.close();
      }
    });
  });
}

describe('the pinset HTTP API limits and failures', () => {
  let fixture: StoreFixture;
  let store: PinsetStore;
  before(async () => {
    fixture = await FACTORIES[0]![1]();
    store = fixture.open();
    await store.migrate();
    await store.createProject('demo');
  });
  after(async () => {
    await fixture.cleanup();
  });

  it('answers 429 with Retry-After once an address has spent its admin burst', async () => {
    let now = 1_000_000;
    const app = createServer({
      store,
      verify: stubVerify,
      logger: false,
      limits: { adminBurst: 3, adminRefillPerSecond: 0.5 },
      nowMs: () => now,
    });
    try {
      const hit = () =>
        app.inject({ url: '/v1/projects/demo/pinsets', headers: { authorization: 'Bearer x' } });
      for (let i = 0; i < 3; i++) assert.equal((await hit()).statusCode, 401);
      const limited = await hit();
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.headers['retry-after'], '2');
      assert.equal(errorOf(limited.body).code, 'ERR_HTTP_RATE_LIMITED');
      assert.equal(
        (await app.inject({ url: '/v1/projects/demo/pinset' })).statusCode,
        404,
        'public routes are not limited',
      );
      now += 2000;
      assert.equal((await hit()).statusCode, 401, 'a token is back after 2 s');
      assert.equal((await hit()).statusCode, 429);
    } finally {
      await app.close();
    }
  });

  it('answers 503 on /readyz when the store does not answer', async () => {
    const down: PinsetStore = {
      ...store,
      ping: async () => {
        throw new Error('connection refused');
      },
    };
    const app = createServer({ store: down, verify: stubVerify, logger: false });
    try {
      const res = await app.inject({ url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.deepEqual(errorOf(res.body), {
        code: 'ERR_HTTP_UNAVAILABLE',
        message: 'the store does not answer',
      });
    } finally {
      await app.close();
    }
  });

  it('answers 500, not 422, when the verifier fails with an error that is not a refusal', async () => {
    await store.addAdminToken('demo', sha('admin'));
    await store.addSigningKey('demo', { kid: 'primary', alg: 'EdDSA', jwk: { kty: 'OKP' } });
    const app = createServer({
      store,
      logger: false,
      verify: () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/projects/demo/pinsets',
        headers: { authorization: 'Bearer admin' },
        payload: { jws: 'a', rollbackJws: 'b' },
      });
      assert.equal(res.statusCode, 500);
      assert.equal(errorOf(res.body).code, 'ERR_HTTP_INTERNAL');
    } finally {
      await app.close();
    }
  });

  it('answers 500 without the internal message or a stack when the store fails', async () => {
    const broken: PinsetStore = {
      ...store,
      current: async () => {
        throw new Error('disk I/O error at /var/secret/path');
      },
    };
    const app = createServer({ store: broken, verify: stubVerify, logger: false });
    try {
      const res = await app.inject({ url: '/v1/projects/demo/pinset' });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(errorOf(res.body), {
        code: 'ERR_HTTP_INTERNAL',
        message: 'internal error; the server log has the details',
      });
      assert.doesNotMatch(res.body, /secret/);
    } finally {
      await app.close();
    }
  });
});
