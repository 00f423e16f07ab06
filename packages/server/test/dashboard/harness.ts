// The dashboard's browser harness: a real qrpin server (createServer + SQLite, 127.0.0.1, port 0)
// with the demo data, and Debian's Chromium driven by playwright-core with a fresh profile.
// Chromium missing is a failure, never a skip: scripts/peers.sh installs it in CI.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/http/create-server.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { sqliteFactory, type StoreFixture } from '../helpers/stores.ts';
import { stubVerify } from '../helpers/stub-verifier.ts';
import { seedDashboard, type SeedOptions, type Seeded } from './seed.ts';

/** Debian's Chromium (`apt-get install -y chromium`); `QRPIN_CHROMIUM` points elsewhere. */
export const CHROMIUM = process.env.QRPIN_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface DashboardServer {
  readonly url: string;
  readonly store: PinsetStore;
  readonly seeded: Seeded;
  close(): Promise<void>;
}

/** Starts a real server on 127.0.0.1 with a fresh SQLite store seeded with the demo data. */
export async function startDashboardServer(options: SeedOptions = {}): Promise<DashboardServer> {
  const fixture: StoreFixture = await sqliteFactory();
  let app: FastifyInstance | undefined;
  try {
    const store = fixture.open();
    await store.migrate();
    const seeded = await seedDashboard(store, Date.now(), options);
    app = createServer({ store, verify: stubVerify, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const running = app;
    return {
      url: `http://127.0.0.1:${port}`,
      store,
      seeded,
      async close() {
        await running.close();
        await fixture.cleanup();
      },
    };
  } catch (err) {
    await app?.close();
    await fixture.cleanup();
    throw err;
  }
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium headless with a fresh user data directory (removed on close). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the dashboard's browser tests need Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" ` +
        '(scripts/peers.sh lists it; .ci/run installs it), or set QRPIN_CHROMIUM',
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'qrpin-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 1000 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

/** What a page did that it must not: console errors, uncaught errors, dialogs, CSP violations. */
export interface PageWatch {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly dialogs: string[];
  /** `securitypolicyviolation` events the page saw (directive and blocked URI). */
  cspViolations(): Promise<string[]>;
}

/** Records everything a page does wrong; dialogs are dismissed (and recorded). */
export function watchPage(page: Page): PageWatch {
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return {
    consoleErrors,
    pageErrors,
    dialogs,
    cspViolations: () => page.evaluate(() => [...((window as unknown as { __csp?: string[] }).__csp ?? [])]),
  };
}

/**
 * Installed in every page before its own scripts: records CSP violations. (Playwright injects it
 * through the DevTools protocol, so the page's CSP does not apply to it.)
 */
export async function recordCspViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
}

/** Signs in through the form and waits for the overview. */
export async function signInThroughForm(page: Page, project: string, token: string): Promise<void> {
  await page.locator('#signin-project').fill(project);
  await page.locator('#signin-token').fill(token);
  await page.locator('#signin-submit').click();
  await page.locator('.view-overview, .view-destination').first().waitFor();
}
