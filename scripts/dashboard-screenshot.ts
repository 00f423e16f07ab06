// Writes the dashboard screenshots of the docs: a real server with the browser tests' demo data
// (without the XSS destination), Debian's Chromium through playwright-core.
//
//   node --conditions=qrpin-source --disable-warning=ExperimentalWarning scripts/dashboard-screenshot.ts [dir]
//
// writes <dir>/dashboard.png (the overview) and <dir>/dashboard-destination.png (default dir: docs/images).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  launchChromium,
  signInThroughForm,
  startDashboardServer,
} from '../packages/server/test/dashboard/harness.ts';

const dir = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'docs', 'images'));
mkdirSync(dir, { recursive: true });
const server = await startDashboardServer({ xss: false });
try {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${server.url}/`);
    await page.locator('#signin-project').waitFor();
    await signInThroughForm(page, server.seeded.project, server.seeded.token);
    await page.locator('table.destinations').waitFor();
    await page.screenshot({ path: join(dir, 'dashboard.png'), fullPage: true });
    await page.goto(`${server.url}/#/p/spring/d/autumn-flyer?range=24h`);
    await page.locator('table.alerts').waitFor();
    await page.screenshot({ path: join(dir, 'dashboard-destination.png'), fullPage: true });
    console.log(`wrote ${join(dir, 'dashboard.png')} and ${join(dir, 'dashboard-destination.png')}`);
  } finally {
    await browser.close();
  }
} finally {
  await server.close();
}
