// The dashboard in a real browser: Debian's Chromium (playwright-core) against a real qrpin server
// on 127.0.0.1 with a SQLite store seeded with journeys, a signed pinset and an alert. Every wait
// is a Playwright wait for a condition; nothing sleeps.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { secretHash } from '../../src/http/auth.ts';
import {
  launchChromium,
  recordCspViolations,
  signInThroughForm,
  startDashboardServer,
  watchPage,
  type Browser,
  type DashboardServer,
  type PageWatch,
} from './harness.ts';
import { XSS } from './seed.ts';

interface Row {
  destination: string;
  href: string;
  status: string;
  hosts: string;
  pins: string;
  scans: string;
  completion: string;
  tlsErrorRate: string;
  pinFailureRate: string;
  lastAlert: string;
}

/** The overview's table as the person sees it. */
function overviewRows(page: Page): Promise<Row[]> {
  return page.$$eval('table.destinations tbody tr', (rows) =>
    rows.map((row) => {
      const text = (selector: string) => row.querySelector(selector)?.textContent?.trim() ?? '';
      return {
        destination: text('th.destination'),
        href: row.querySelector('th.destination a')?.getAttribute('href') ?? '',
        status: text('td.status'),
        hosts: text('td.hosts'),
        pins: text('td.pins'),
        scans: text('td.scans'),
        completion: text('td.completion'),
        tlsErrorRate: text('td.tls-error-rate'),
        pinFailureRate: text('td.pin-failure-rate'),
        lastAlert: text('td.last-alert'),
      };
    }),
  );
}

/** Waits until the overview shows exactly these destinations, in this order. */
async function waitForDestinations(page: Page, destinations: readonly string[]): Promise<void> {
  await page.waitForFunction(
    (expected) =>
      JSON.stringify(
        [...document.querySelectorAll('table.destinations tbody th.destination')].map((th) => th.textContent),
      ) === JSON.stringify(expected),
    destinations,
  );
}

const STATUS_TEXT = { ok: 'OK', warning: 'Warning', alert: 'Alert', idle: 'Idle' } as const;

describe('the dashboard in Chromium', () => {
  let server: DashboardServer;
  let browser: Browser;
  let shots: string;

  before(async () => {
    shots = mkdtempSync(join(tmpdir(), 'qrpin-dashboard-shots-'));
    server = await startDashboardServer();
    browser = await launchChromium();
    await recordCspViolations(browser.context);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(shots, { recursive: true, force: true });
  });

  /** A new tab, watched for errors, dialogs and CSP violations. */
  async function open(): Promise<{ page: Page; watch: PageWatch }> {
    const page = await browser.context.newPage();
    return { page, watch: watchPage(page) };
  }

  /** Opens `hash` signed in (through the form when the browser has no session yet). */
  async function openSignedIn(hash: string): Promise<{ page: Page; watch: PageWatch }> {
    const opened = await open();
    await opened.page.goto(`${server.url}/${hash}`);
    const form = opened.page.locator('#signin-project');
    const view = opened.page.locator('.view-overview, .view-destination');
    await form.or(view).first().waitFor();
    if (await form.isVisible())
      await signInThroughForm(opened.page, server.seeded.project, server.seeded.token);
    return opened;
  }

  /**
   * Nothing went wrong on the page: no uncaught error, no dialog, no CSP violation, no console
   * error but the expected 401 of the session check, and no injected script ran.
   */
  async function assertClean(page: Page, watch: PageWatch): Promise<void> {
    assert.deepEqual(watch.pageErrors, []);
    assert.deepEqual(watch.dialogs, []);
    assert.deepEqual(await watch.cspViolations(), []);
    assert.deepEqual(
      watch.consoleErrors.filter((text) => !/status of 401 \(Unauthorized\)/.test(text)),
      [],
    );
    assert.equal(await page.evaluate(() => (window as unknown as Record<string, unknown>).__xss), undefined);
    await page.close();
  }

  it('asks to sign in, refuses a wrong token, then opens the overview with an HttpOnly cookie', async () => {
    await browser.context.clearCookies();
    const { page, watch } = await open();
    await page.goto(`${server.url}/`);
    await page.locator('#signin-project').waitFor();
    assert.equal(new URL(page.url()).hash, '#/signin');
    assert.equal(await page.locator('#signout').isVisible(), false);

    await page.locator('#signin-project').fill(server.seeded.project);
    await page.locator('#signin-token').fill('not-the-admin-token-000000');
    await page.locator('#signin-submit').click();
    await page.locator('#signin-error', { hasText: 'not an admin token of project "spring"' }).waitFor();

    await signInThroughForm(page, server.seeded.project, server.seeded.token);
    assert.equal(new URL(page.url()).hash, '#/p/spring?range=24h');
    assert.equal(await page.locator('#project').textContent(), 'spring');
    assert.equal(await page.locator('#signout').isVisible(), true);
    const cookie = (await browser.context.cookies(server.url)).find((c) => c.name === 'qrpin_session');
    assert.ok(cookie !== undefined, 'the session cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(await page.evaluate(() => document.cookie.includes('qrpin_session')), false);
    await assertClean(page, watch);
  });

  it('lists every destination with its status, hosts, pins, figures and last alert, and the totals', async () => {
    const { page, watch } = await openSignedIn('#/p/spring?range=24h');
    const expected = server.seeded.destinations;
    await waitForDestinations(
      page,
      expected.map((d) => d.destination),
    );
    const rows = await overviewRows(page);
    for (const [i, want] of expected.entries()) {
      const row = rows[i] as Row;
      assert.equal(row.destination, want.destination);
      assert.equal(row.status, STATUS_TEXT[want.status], want.destination);
      assert.equal(row.hosts, want.host);
      assert.equal(row.scans, String(want.scans));
      assert.equal(row.completion, want.completion);
      assert.equal(row.tlsErrorRate, want.tlsErrorRate);
      assert.equal(row.pinFailureRate, want.pinFailureRate);
      assert.equal(row.href, `#/p/spring/d/${encodeURIComponent(want.destination)}?range=24h`);
    }
    const [spring, autumn] = rows as [Row, Row];
    assert.match(spring.pins, /^promo\.example\.com 1 pin \+ 1 backup · enforcepins expire in 44 days$/);
    assert.match(autumn.pins, /^\*\*\.shop\.example\.com 2 pins \+ 1 backup · reportpins expire in 44 days$/);
    assert.equal(spring.lastAlert, 'none');
    assert.match(autumn.lastAlert, /^Pin failure spike\s*2\d minutes ago$/);

    const total = (key: string) => page.locator(`[data-total="${key}"] .value`).textContent();
    assert.equal(await total('scans'), '59');
    assert.equal(await total('completes'), '50');
    assert.equal(await total('completionRate'), '84.8 %');
    assert.equal(await total('tlsErrorRate'), '4.5 %');
    assert.equal(await total('destinations'), '3');
    assert.match(
      (await page.locator('#pinset-summary').textContent()) ?? '',
      /^Pinset seq 7 · 2 host patterns · rollout everyone, enforce 100 % · pins expire in 44 days$/,
    );
    await assertClean(page, watch);
  });

  it("draws a destination's four time series with one point per step, axes and tooltips", async () => {
    const hour = Math.floor(Date.now() / 3600_000) * 3600_000;
    const from = new Date(hour - 23 * 3600_000).toISOString();
    const to = new Date(hour + 3600_000).toISOString();
    const query = new URLSearchParams({ range: 'custom', from, to });
    const { page, watch } = await openSignedIn(`#/p/spring/d/spring-poster?${query}`);
    await page.locator('.view-destination .charts svg.chart').first().waitFor();
    assert.equal(await page.locator('h1 .destination-name').textContent(), 'spring-poster');

    const charts = await page.$$eval('figure[data-chart]', (figures) =>
      figures.map((figure) => ({
        key: figure.getAttribute('data-chart'),
        commands: (figure.querySelector('path.line')?.getAttribute('d') ?? '').match(/[ML]/g)?.length ?? 0,
        dataPoints: figure.querySelector('svg.chart')?.getAttribute('data-points'),
        tooltips: [...figure.querySelectorAll('rect.band > title')].map((t) => t.textContent ?? ''),
        xLabels: figure.querySelectorAll('.axis-x text').length,
        yLabels: figure.querySelectorAll('.axis-y text').length,
        caption: figure.querySelector('figcaption')?.textContent ?? '',
      })),
    );
    assert.deepEqual(
      charts.map((c) => c.key),
      ['scans', 'completes', 'tlsErrors', 'pinFailures'],
    );
    const sums: Record<string, number> = { scans: 40, completes: 35, tlsErrors: 0, pinFailures: 0 };
    for (const chart of charts) {
      assert.equal(chart.commands, 24, `${chart.key}: one point per hour`);
      assert.equal(chart.dataPoints, '24');
      assert.equal(chart.tooltips.length, 24);
      assert.ok(chart.xLabels >= 3 && chart.yLabels >= 3, `${chart.key} has labelled axes`);
      assert.match(chart.tooltips[0] ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:00 UTC: \d+ /);
      const plotted = chart.tooltips.reduce(
        (n, t) => n + Number(/UTC: ([\d,]+) /.exec(t)?.[1]?.replace(/,/g, '')),
        0,
      );
      assert.equal(plotted, sums[chart.key ?? ''], `${chart.key}: the tooltips add up to the seeded events`);
      assert.match(chart.caption, /in range, per hour$/);
    }

    // A preset of six hours is drawn per minute: 360 points.
    await page.locator('#filter-range').selectOption('6h');
    await page.waitForURL((url) => url.hash.includes('range=6h') && !url.hash.includes('from='));
    await page.waitForFunction(
      () =>
        document.querySelector('figure[data-chart="scans"] svg.chart')?.getAttribute('data-points') === '360',
    );
    const minuteCommands = await page
      .locator('figure[data-chart="scans"] path.line')
      .evaluate((path) => (path.getAttribute('d') ?? '').match(/[ML]/g)?.length);
    assert.equal(minuteCommands, 360);

    const funnel = page.locator('table.funnel tbody tr');
    assert.equal(await funnel.count(), 1);
    assert.equal(await funnel.locator('th.campaign').textContent(), 'spring-2026');
    assert.equal(await funnel.locator('td.completion').textContent(), '87.5 %');
    // 30 of the 40 journeys went through a redirect: 70 TLS connections, shown over the attempts,
    // not over the scans.
    const stages = (cell: string) =>
      funnel
        .locator(`td.${cell} text.value`)
        .evaluateAll((texts) => texts.map((t) => [t.getAttribute('data-stage'), t.textContent]));
    assert.deepEqual(await stages('journeys'), [
      ['scans', '40 (100.0 %)'],
      ['completes', '35 (87.5 %)'],
      ['drop-off', '5 (12.5 %)'],
    ]);
    assert.deepEqual(await stages('connections'), [
      ['attempts', '70 (100.0 %)'],
      ['tls-ok', '70 (100.0 %)'],
      ['tls-errors', '0 (0 %)'],
      ['pin-failures', '0'],
    ]);
    const adoption = await page.$$eval('table.adoption tbody tr', (rows) =>
      rows.map((r) => [...r.children].map((cell) => cell.textContent?.trim())),
    );
    assert.deepEqual(adoption, [['seq 7', '210', '100.0 %']]);
    await assertClean(page, watch);
  });

  it('shows the pinset and alert history of a destination in alert', async () => {
    const { page, watch } = await openSignedIn('#/p/spring/d/autumn-flyer?range=24h');
    await page.locator('table.alerts').waitFor();
    const alert = page.locator('table.alerts tbody tr');
    assert.equal(await alert.count(), 1);
    assert.match(
      (await alert.textContent()) ?? '',
      /Pin failure spike5 min25\.0 % \(4 \/ 16\)0\.02 % \(2 \/ 9,000\)1\.2e-9/,
    );
    // Its four interceptions: TLS errors over the attempts, the pin failures as a count.
    const connections = await page
      .locator('table.funnel td.connections text.value')
      .evaluateAll((texts) => texts.map((t) => t.textContent));
    assert.deepEqual(connections, ['16 (100.0 %)', '12 (75.0 %)', '4 (25.0 %)', '4']);
    const bySeq = await page.$$eval('table.by-seq tbody tr', (rows) =>
      rows.map((r) => [...r.children].map((cell) => cell.textContent)),
    );
    assert.deepEqual(bySeq, [
      ['seq 7', '12', '0', '0', '0 %'],
      ['seq 6', '4', '4', '0', '100.0 %'],
    ]);
    assert.equal(await page.locator('.modes dd').first().textContent(), '4');
    assert.equal(await page.locator('svg.cohorts rect.bar.failing').count(), 4);
    await assertClean(page, watch);
  });

  it('filters by platform, campaign and time range, keeps the filters in the URL, and restores them on load', async () => {
    const { page, watch } = await openSignedIn('#/p/spring?range=24h');
    await waitForDestinations(page, ['spring-poster', 'autumn-flyer', XSS.destination]);
    const platforms = await page.locator('#filter-platform option').allTextContents();
    assert.deepEqual(platforms.sort(), ['All platforms', XSS.platform, 'android', 'ios'].sort());

    await page.locator('#filter-platform').selectOption('android');
    await page.waitForURL((url) => url.hash === '#/p/spring?range=24h&platform=android');
    await waitForDestinations(page, ['autumn-flyer', 'spring-poster']);
    const android = await overviewRows(page);
    assert.deepEqual(
      android.map((r) => [r.destination, r.scans]),
      [
        ['autumn-flyer', '16'],
        ['spring-poster', String(server.seeded.springAndroidScans)],
      ],
    );
    assert.equal(
      android[1]?.href,
      '#/p/spring/d/spring-poster?range=24h&platform=android',
      'links keep the filters',
    );

    // The URL is the view: loading it again shows the same.
    await page.reload();
    await waitForDestinations(page, ['autumn-flyer', 'spring-poster']);
    assert.equal(await page.locator('#filter-platform').inputValue(), 'android');

    await page.locator('#filter-campaign').selectOption('autumn-2026');
    await page.waitForURL((url) => url.hash === '#/p/spring?range=24h&campaign=autumn-2026&platform=android');
    await waitForDestinations(page, ['autumn-flyer']);

    await page.locator('#filter-range').selectOption('7d');
    await page.waitForURL((url) => url.hash === '#/p/spring?range=7d&campaign=autumn-2026&platform=android');
    await waitForDestinations(page, ['autumn-flyer']);

    await page.locator('#filter-clear').click();
    await page.waitForURL((url) => url.hash === '#/p/spring?range=7d');
    await waitForDestinations(page, ['spring-poster', 'autumn-flyer', XSS.destination]);

    // A custom range before any event: nothing to show, and it says so.
    await page.locator('#filter-range').selectOption('custom');
    await page.locator('#filter-from').fill('2026-01-01T00:00');
    await page.locator('#filter-to').fill('2026-01-02T00:00');
    await page.locator('.custom-range button[type="submit"]').click();
    await page.waitForURL((url) =>
      url.hash.startsWith(
        '#/p/spring?range=custom&from=2026-01-01T00%3A00%3A00.000Z&to=2026-01-02T00%3A00%3A00.000Z',
      ),
    );
    await page
      .locator('.view-overview .empty', { hasText: 'No destination had events in this time range.' })
      .waitFor();
    assert.equal(await page.locator('table.destinations').count(), 0);
    await assertClean(page, watch);
  });

  it('renders attacker-controlled destinations, campaigns, versions, platforms and hosts as literal text', async () => {
    const { page, watch } = await openSignedIn('#/p/spring?range=24h');
    await waitForDestinations(page, ['spring-poster', 'autumn-flyer', XSS.destination]);
    const row = (await overviewRows(page)).find((r) => r.destination === XSS.destination);
    assert.ok(row !== undefined, 'the payload is shown as the destination name');
    assert.equal(row.hosts, XSS.host);
    assert.equal(row.href, `#/p/spring/d/${encodeURIComponent(XSS.destination)}?range=24h`);
    assert.equal(await page.getByText(XSS.destination, { exact: true }).isVisible(), true);
    assert.deepEqual(
      await page.evaluate(() => ({
        images: document.querySelectorAll('#view img').length,
        bold: document.querySelectorAll('#view b').length,
        scripts: [...document.scripts].map((s) => s.getAttribute('src')),
        svgs: document.querySelectorAll('#view svg').length,
      })),
      { images: 0, bold: 0, scripts: ['/assets/app.js'], svgs: 0 },
    );
    assert.ok((await page.locator('#filter-campaign option').allTextContents()).includes(XSS.campaign));
    assert.ok((await page.locator('#filter-appVersion option').allTextContents()).includes(XSS.appVersion));

    await page.getByRole('link', { name: XSS.destination, exact: true }).click();
    await page.locator('.view-destination').waitFor();
    assert.equal(new URL(page.url()).hash, `#/p/spring/d/${encodeURIComponent(XSS.destination)}?range=24h`);
    assert.equal(await page.locator('h1 .destination-name').textContent(), XSS.destination);
    await page.locator('table.funnel').waitFor();
    assert.equal(await page.locator('table.funnel th.campaign').textContent(), XSS.campaign);

    await page.locator('#filter-platform').selectOption(XSS.platform);
    await page.waitForURL(
      (url) => new URLSearchParams(url.hash.split('?')[1]).get('platform') === XSS.platform,
    );
    await page.waitForFunction(
      (platform) =>
        (document.querySelector('#filter-platform') as HTMLSelectElement | null)?.value === platform,
      XSS.platform,
    );
    assert.match(
      (await page.locator('figure[data-chart="scans"] figcaption').textContent()) ?? '',
      /^Scans3 in range/,
    );
    assert.equal(
      await page.evaluate(() => document.querySelectorAll('#view img, #view b, #view script').length),
      0,
    );
    await assertClean(page, watch);
  });

  it('enforces its CSP: an inline script put into the page is blocked and reported', async () => {
    const { page, watch } = await openSignedIn('#/p/spring?range=24h');
    await page.locator('.view-overview').waitFor();
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__xss = 1';
      document.body.append(script);
    });
    await page.waitForFunction(() => ((window as unknown as { __csp: string[] }).__csp ?? []).length > 0);
    assert.equal(await page.evaluate(() => (window as unknown as Record<string, unknown>).__xss), undefined);
    assert.ok((await watch.cspViolations()).some((v) => v.startsWith('script-src')));
    await page.close();
  });

  it('signs out, then a shared link asks to sign in and opens where it pointed', async () => {
    const { page, watch } = await openSignedIn('#/p/spring?range=24h');
    await page.locator('#signout').click();
    await page.locator('#signin-project').waitFor();
    assert.equal(new URL(page.url()).hash, '#/signin?project=spring');
    const cookies = await browser.context.cookies(server.url);
    assert.equal(
      cookies.find((c) => c.name === 'qrpin_session' && c.value !== ''),
      undefined,
    );
    assert.equal(await page.evaluate(async () => (await fetch('/v1/session')).status), 401);

    await page.goto(`${server.url}/#/p/spring/d/autumn-flyer?range=7d`);
    await page.locator('#signin-project').waitFor();
    assert.equal(await page.locator('#signin-project').inputValue(), 'spring');
    await page.locator('#signin-token').fill(server.seeded.token);
    await page.locator('#signin-submit').click();
    await page.locator('.view-destination').waitFor();
    assert.equal(new URL(page.url()).hash, '#/p/spring/d/autumn-flyer?range=7d');
    await assertClean(page, watch);
  });

  it('sends a person whose session ended back to sign-in, and back to the view after', async () => {
    const { page, watch } = await openSignedIn('#/p/spring?range=6h');
    await page.locator('.view-overview').waitFor();
    const cookie = (await browser.context.cookies(server.url)).find((c) => c.name === 'qrpin_session');
    assert.ok(cookie !== undefined);
    await server.store.deleteSession(secretHash(cookie.value));
    await page.locator('#refresh').click();
    await page.locator('#signin-error', { hasText: 'Your session has ended. Sign in again.' }).waitFor();
    await signInThroughForm(page, server.seeded.project, server.seeded.token);
    assert.equal(new URL(page.url()).hash, '#/p/spring?range=6h');
    await assertClean(page, watch);
  });

  it('saves a screenshot of the overview as a PNG', async () => {
    const { page, watch } = await openSignedIn('#/p/spring?range=24h');
    await waitForDestinations(page, ['spring-poster', 'autumn-flyer', XSS.destination]);
    const path = join(shots, 'overview.png');
    await page.screenshot({ path, fullPage: true });
    const png = readFileSync(path);
    assert.deepEqual(
      [...png.subarray(0, 8)],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      'PNG signature',
    );
    assert.equal(png.subarray(12, 16).toString('ascii'), 'IHDR');
    assert.equal(png.readUInt32BE(16), 1440, 'as wide as the viewport');
    assert.ok(png.readUInt32BE(20) >= 600, 'the whole page');
    await assertClean(page, watch);
  });
});
