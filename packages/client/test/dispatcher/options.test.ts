import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { createPinnedDispatcher, PinnedAgent } from '../../src/dispatcher/pinned-agent.ts';
import type { PinnedDispatcherOptions } from '../../src/dispatcher/pinned-agent.ts';
import { makeCa, makeLeaf } from '../helpers/pki.ts';
import { loopback, startOrigin } from '../helpers/servers.ts';

const PIN = 'sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=';

describe('pinned dispatcher options', () => {
  const refused: Array<[string, unknown, string, RegExp]> = [
    ['no policy', {}, 'ERR_DISPATCHER_OPTIONS', /needs a policy/],
    [
      'both policy and pins',
      { policy: { pins: {} }, pins: {} },
      'ERR_DISPATCHER_OPTIONS',
      /either policy or pins/,
    ],
    [
      'rejectUnauthorized: false',
      { pins: {}, connect: { rejectUnauthorized: false } },
      'ERR_DISPATCHER_OPTIONS',
      /cannot be turned off: pins are checked on top of certificate validation/,
    ],
    [
      'a connector function',
      { pins: {}, connect: () => {} },
      'ERR_DISPATCHER_OPTIONS',
      /brings its own connector/,
    ],
    ['a pool factory', { pins: {}, factory: () => {} }, 'ERR_DISPATCHER_OPTIONS', /factory is not supported/],
    [
      'a fixed TLS session',
      { pins: {}, connect: { session: Buffer.alloc(1) } },
      'ERR_DISPATCHER_OPTIONS',
      /session/,
    ],
    [
      'a bad maxCachedSessions',
      { pins: {}, maxCachedSessions: -1 },
      'ERR_DISPATCHER_OPTIONS',
      /maxCachedSessions/,
    ],
    [
      'a now that is not a function',
      { pins: {}, now: new Date() },
      'ERR_DISPATCHER_OPTIONS',
      /now must be a function/,
    ],
    ['a bad pin', { pins: { 'a.example.com': ['sha1/abc'] } }, 'ERR_PIN_INVALID', /only sha256/],
    ['a host without pins', { pins: { 'a.example.com': [] } }, 'ERR_POLICY_INVALID', /without pins/],
    [
      'a public-suffix pattern',
      { pins: { '**.co.uk': [PIN] } },
      'ERR_HOST_PATTERN_PUBLIC_SUFFIX',
      /public suffix/,
    ],
    [
      'a hand-made policy with string pins',
      {
        policy: {
          project: 'x',
          destinations: [],
          hosts: [{ pattern: 'a.example.com', pins: [PIN], backupPins: [], mode: 'enforce' }],
        },
      },
      'ERR_POLICY_INVALID',
      /must be a HostPattern/,
    ],
    ['an ftp proxy', { pins: {}, proxy: 'ftp://proxy.test' }, 'ERR_DISPATCHER_OPTIONS', /not supported/],
  ];
  for (const [what, options, code, message] of refused) {
    it(`refuses ${what} with ${code}`, () => {
      assert.throws(
        () => createPinnedDispatcher(options as PinnedDispatcherOptions),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, code);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('is an undici Dispatcher with the request API and the policy it was given', async () => {
    const dispatcher = new PinnedAgent({ pins: { 'a.example.com': [PIN] } });
    assert.equal(typeof dispatcher.request, 'function');
    assert.equal(typeof dispatcher.compose, 'function');
    assert.equal(dispatcher.policy.hosts[0]?.pattern.toString(), 'a.example.com');
    await dispatcher.close();
    assert.throws(() => dispatcher.updatePolicy({ pins: {} }), { code: 'ERR_DISPATCHER_OPTIONS' });
  });

  it('keeps certificate validation on even when NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    const trusted = makeCa('Trusted CA');
    const stranger = makeCa('Stranger CA');
    const leaf = makeLeaf(stranger, ['env.qrpin.test']);
    const origin = await startOrigin({ cert: leaf.pem, key: leaf.keyPem });
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const savedEmit = process.emitWarning;
    process.emitWarning = () => {};
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const plain = new Agent({ connect: { ca: trusted.pem, lookup: loopback } });
    const pinned = createPinnedDispatcher({
      pins: { 'env.qrpin.test': [leaf.pin] },
      connect: { ca: trusted.pem, lookup: loopback },
    });
    try {
      const url = `https://env.qrpin.test:${origin.port}/`;
      const insecure = await request(url, { dispatcher: plain });
      assert.equal(await insecure.body.text(), 'ok', 'plain undici follows the variable');
      await assert.rejects(request(url, { dispatcher: pinned }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
      process.emitWarning = savedEmit;
      await Promise.all([plain.close(), pinned.close()]);
      await origin.close();
    }
  });

  it('turns an exception thrown by onPinFailure into a process warning', async () => {
    const ca = makeCa('Callback CA');
    const leaf = makeLeaf(ca, ['throws.qrpin.test']);
    const origin = await startOrigin({ cert: leaf.pem, key: leaf.keyPem });
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    const dispatcher = createPinnedDispatcher({
      policy: { pins: { 'throws.qrpin.test': ['sha256/Y9mvm0exBk1JoQ57f9Vm28jKo5lFm/woKcVxrYxu80o='] } },
      connect: { ca: ca.pem, lookup: loopback },
      onPinFailure: () => {
        throw new Error('telemetry is down');
      },
    });
    try {
      await assert.rejects(request(`https://throws.qrpin.test:${origin.port}/`, { dispatcher }), {
        code: 'ERR_PIN_MISMATCH',
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, ['onPinFailure threw: telemetry is down']);
    } finally {
      process.off('warning', onWarning);
      await dispatcher.close();
      await origin.close();
    }
  });
});
