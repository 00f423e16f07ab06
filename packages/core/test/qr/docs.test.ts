import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseQrPayload, QrPayloadError, qrFindingCodes } from '@qrpin/core';

const docs = readFileSync(new URL('../../../../docs/qr-payloads.md', import.meta.url), 'utf8');

describe('the QR payload docs', () => {
  it('list every finding code with its severity, in catalogue order, and no code that does not exist', () => {
    const rows = [...docs.matchAll(/^\| `([a-z-]+)` \| (block|warn|info) \|/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(
      rows,
      qrFindingCodes.map((f) => [f.code, f.severity]),
    );
  });

  it('list every refusal reason with its error code', () => {
    const rows = [...docs.matchAll(/^\| `([a-z-]+)` \| `(ERR_[A-Z_]+)` \|/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows, [
      ['too-large', 'ERR_QR_PAYLOAD_TOO_LARGE'],
      ['dangerous-scheme', 'ERR_QR_PAYLOAD_REFUSED'],
      ['not-a-string', 'ERR_QR_PAYLOAD_REFUSED'],
    ]);
  });

  it('show an example that behaves as it says', () => {
    const payload = parseQrPayload('https://bank.example@evil.example/login');
    assert.ok(payload.kind === 'url');
    assert.equal(payload.host, 'evil.example');
    assert.equal(payload.blocked, true);
    assert.deepEqual(
      payload.findings.map((f) => [f.code, f.severity]),
      [['url-credentials', 'block']],
    );
    assert.ok(payload.findings[0]?.message.startsWith('the URL puts "bank.example" before an @, '));
  });

  it('name every refused scheme, and each is refused', () => {
    for (const scheme of ['javascript', 'vbscript', 'data', 'file', 'blob', 'about', 'filesystem']) {
      assert.ok(docs.includes(`\`${scheme}:\``), scheme);
      assert.throws(
        () => parseQrPayload(`${scheme}:x`),
        (err: unknown) => err instanceof QrPayloadError && err.reason === 'dangerous-scheme',
      );
    }
  });
});
