import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPinFailure, type PinFailureFacts } from '../../src/pin/report.ts';

const leaf = { pin: 'sha256/LEAF', subject: 'CN=promo.example.com', issuer: 'CN=Example CA, O=Example' };
const root = { pin: 'sha256/ROOT', subject: 'CN=Example CA, O=Example', issuer: 'CN=Example CA, O=Example' };
const base: PinFailureFacts = {
  host: 'promo.example.com',
  chain: [leaf, root],
  pins: ['sha256/PIN1', 'sha256/BACKUP'],
  backupPins: ['sha256/BACKUP'],
  mode: 'enforce',
  enforced: true,
  expired: false,
};
const advice =
  '  Check the keys the host serves with `qrpin pins fetch promo.example.com`: if the key changed on purpose, ship a policy that pins it (promote a backup pin); otherwise this connection may be intercepted.';

describe('formatPinFailure', () => {
  it('lists the peer chain, then the pinned certificates, the way OkHttp does', () => {
    assert.equal(
      formatPinFailure(base),
      [
        'Certificate pinning failure for promo.example.com!',
        '  Peer certificate chain:',
        '    sha256/LEAF: CN=promo.example.com, issued by CN=Example CA, O=Example',
        '    sha256/ROOT: CN=Example CA, O=Example, issued by CN=Example CA, O=Example',
        '  Pinned certificates for promo.example.com:',
        '    sha256/PIN1',
        '    sha256/BACKUP (backup)',
        advice,
      ].join('\n'),
    );
  });

  it('says when no validated chain was known', () => {
    assert.match(
      formatPinFailure({ ...base, chain: [] }),
      /Peer certificate chain:\n {4}\(none: no validated certificate chain/,
    );
  });

  it('says why a failure was not enforced', () => {
    assert.match(
      formatPinFailure({ ...base, mode: 'report', enforced: false }),
      /\n {2}Not enforced: the host is in report mode; the connection went ahead\.\n/,
    );
    assert.match(
      formatPinFailure({ ...base, enforced: false, expired: true, expires: '2026-01-31' }),
      /\n {2}Not enforced: the pinset expired after 2026-01-31; the connection went ahead\.\n/,
    );
  });
});
