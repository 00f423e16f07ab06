import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { publicDir } from '@qrpin/dashboard';
import { createServer } from '../../src/http/create-server.ts';
import {
  DASHBOARD_CSP,
  DASHBOARD_SECURITY_HEADERS,
  registerDashboardRoutes,
} from '../../src/http/routes/dashboard.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { sqliteFactory, type StoreFixture } from '../helpers/stores.ts';
import { stubVerify } from '../helpers/stub-verifier.ts';

const SERVED = /\.(html|js|css|svg|png)$/;

function assertSecurityHeaders(headers: Record<string, unknown>): void {
  assert.equal(
    headers['content-security-policy'],
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  assert.equal(headers['x-frame-options'], 'DENY');
  assert.equal(headers['cross-origin-opener-policy'], 'same-origin');
}

describe('the dashboard static routes', () => {
  let fixture: StoreFixture;
  let store: PinsetStore;
  let app: FastifyInstance;

  before(async () => {
    fixture = await sqliteFactory();
    store = fixture.open();
    await store.migrate();
    app = createServer({ store, verify: stubVerify, logger: false });
  });
  after(async () => {
    await app.close();
    await fixture.cleanup();
  });

  it('serves the page at / with the strict security headers, an ETag and no-cache', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.body, readFileSync(join(publicDir, 'index.html'), 'utf8'));
    assertSecurityHeaders(res.headers);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(String(res.headers.etag), /^"[A-Za-z0-9_-]{43}"$/);
    assert.equal(DASHBOARD_CSP, res.headers['content-security-policy']);
  });

  it('answers 304 with the same headers when the ETag still matches, and 200 when it does not', async () => {
    const first = await app.inject({ method: 'GET', url: '/assets/app.js' });
    const etag = String(first.headers.etag);
    const again = await app.inject({
      method: 'GET',
      url: '/assets/app.js',
      headers: { 'if-none-match': etag },
    });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    assertSecurityHeaders(again.headers);
    const weak = await app.inject({
      method: 'GET',
      url: '/assets/app.js',
      headers: { 'if-none-match': `"other", W/${etag}` },
    });
    assert.equal(weak.statusCode, 304);
    const stale = await app.inject({
      method: 'GET',
      url: '/assets/app.js',
      headers: { 'if-none-match': '"x"' },
    });
    assert.equal(stale.statusCode, 200);
    assert.ok(stale.body.length > 0);
  });

  it('serves every file of the dashboard with its type and the security headers', async () => {
    const files = readdirSync(publicDir).filter((name) => SERVED.test(name) && name !== 'index.html');
    assert.ok(files.includes('app.js') && files.includes('style.css') && files.includes('favicon.svg'));
    const types: Record<string, string> = {
      js: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      svg: 'image/svg+xml',
      png: 'image/png',
    };
    for (const name of files) {
      const res = await app.inject({ method: 'GET', url: `/assets/${name}` });
      assert.equal(res.statusCode, 200, name);
      assert.equal(res.headers['content-type'], types[name.split('.').pop() ?? ''], name);
      assert.equal(res.rawPayload.compare(readFileSync(join(publicDir, name))), 0, name);
      assertSecurityHeaders(res.headers);
    }
  });

  it('serves every module the page imports, and the page links only served files', async () => {
    const html = readFileSync(join(publicDir, 'index.html'), 'utf8');
    const linked = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1] as string);
    assert.deepEqual(linked.sort(), ['app.js', 'favicon.svg', 'style.css']);
    const seen = new Set<string>();
    const queue = ['app.js'];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const res = await app.inject({ method: 'GET', url: `/assets/${name}` });
      assert.equal(res.statusCode, 200, `${name} is served`);
      for (const m of res.body.matchAll(/^import [^;]*?from '\.\/([^']+)';$/gms)) queue.push(m[1] as string);
    }
    assert.ok(seen.size >= 8, `the page is several modules (${[...seen].join(', ')})`);
  });

  it('ships no inline script, inline style or inline handler in the page', () => {
    const html = readFileSync(join(publicDir, 'index.html'), 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, 'every script has a src');
    assert.doesNotMatch(html, /<style/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.doesNotMatch(html, /javascript:/i);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    assertSecurityHeaders(res.headers);
  });

  const refused = [
    '/assets/../package.json',
    '/assets/..%2fpackage.json',
    '/assets/%2e%2e/package.json',
    '/assets/%2e%2e%2fpackage.json',
    '/assets/%2E%2E%2F%2E%2E%2Fpackage.json',
    '/assets/..%5cpackage.json',
    '/assets/.%2e/index.js',
    '/assets/%2e%2e%2findex.js',
    '/assets//etc/passwd',
    '/assets/%2fetc%2fpasswd',
    '/assets/app.js%00.html',
    '/assets/app.js/',
    '/assets/APP.JS',
    '/assets/tsconfig.json',
    '/assets/.eslintrc.js',
    '/assets/index.html',
    '/assets/',
    '/assets/nope.js',
    '/index.html',
    '/package.json',
    '/%2e%2e/package.json',
    '/public/app.js',
  ];
  for (const url of refused) {
    it(`answers 404 for ${url}, reading nothing outside the allow-list`, async () => {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal((res.json() as { error: { code: string } }).error.code, 'ERR_HTTP_NOT_FOUND');
      assert.doesNotMatch(res.body, /@qrpin|"exports"|root:/);
    });
  }

  it('sends nosniff and the CSP with a 404 under /assets/', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/nope.js' });
    assert.equal(res.statusCode, 404);
    assertSecurityHeaders(res.headers);
  });
});

describe('registerDashboardRoutes', () => {
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'qrpin-dashboard-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('serves only the plain files of the directory as read at start, never later changes', async () => {
    writeFileSync(join(directory, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(directory, 'a.js'), 'export {};');
    writeFileSync(join(directory, '.hidden.js'), 'secret');
    writeFileSync(join(directory, 'notes.txt'), 'secret');
    writeFileSync(join(directory, 'server.ts'), 'secret');
    mkdirSync(join(directory, 'sub.js'));
    writeFileSync(join(directory, 'sub.js', 'x.js'), 'secret');
    symlinkSync('/etc/passwd', join(directory, 'passwd.js'));
    const app = Fastify({ logger: false });
    registerDashboardRoutes(app, { directory });
    writeFileSync(join(directory, 'late.js'), 'added after start');
    writeFileSync(join(directory, 'a.js'), 'changed after start');
    try {
      const a = await app.inject({ method: 'GET', url: '/assets/a.js' });
      assert.equal(a.statusCode, 200);
      assert.equal(a.body, 'export {};');
      for (const name of [
        '.hidden.js',
        'notes.txt',
        'server.ts',
        'sub.js',
        'sub.js%2fx.js',
        'passwd.js',
        'late.js',
      ]) {
        const res = await app.inject({ method: 'GET', url: `/assets/${name}` });
        assert.equal(res.statusCode, 404, name);
        assert.doesNotMatch(res.body, /secret|root:|after start/, name);
      }
    } finally {
      await app.close();
    }
  });

  it('refuses to start without an index.html', () => {
    const empty = mkdtempSync(join(tmpdir(), 'qrpin-dashboard-empty-'));
    try {
      assert.throws(
        () => registerDashboardRoutes(Fastify({ logger: false }), { directory: empty }),
        /no index\.html/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('exports headers that match what the routes send', () => {
    assert.equal(DASHBOARD_SECURITY_HEADERS['content-security-policy'], DASHBOARD_CSP);
  });
});
