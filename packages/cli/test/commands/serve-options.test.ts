import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/run.ts';

describe('qrpin serve options', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-serve-options-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  for (const [option, value, range] of [
    ['--retention-days', '0', '1 to 36500'],
    ['--retention-days', '36501', '1 to 36500'],
    ['--retention-days', '1.5', '1 to 36500'],
    ['--retention-days', '-3', '1 to 36500'],
    ['--retention-days', 'week', '1 to 36500'],
    ['--retention-days', '', '1 to 36500'],
    ['--alert-interval', '0', '1 to 86400'],
    ['--alert-interval', '86401', '1 to 86400'],
    ['--alert-interval', '1e3', '1 to 86400'],
    ['--alert-interval', ' 60', '1 to 86400'],
  ] as const) {
    it(`refuses ${option}=${JSON.stringify(value)} with ERR_USAGE before opening anything`, async () => {
      const r = await run(['serve', `${option}=${value}`, '--dir', 'state'], { cwd });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr,
        `qrpin: ${option} takes a whole number from ${range}, not "${value}" [ERR_USAGE]\n`,
      );
      assert.ok(!existsSync(join(cwd, 'state')));
    });
  }

  it('documents the options in --help', async () => {
    const r = await run(['serve', '--help'], { cwd });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--retention-days <n> +days raw telemetry events are kept \(default 30/);
    assert.match(r.stdout, /--alert-interval <s> +seconds between runs of spike detection/);
  });
});
