/**
 * The pinned dispatcher: an undici `Dispatcher` that checks SPKI pins on every new TLS
 * connection, on top of normal certificate validation, before any request byte is sent.
 *
 * Pinning can brick a client: a client that pins only the key in service today cannot reach the
 * host once that key is replaced. Always ship at least one backup pin for a key held offline,
 * give pinsets an expiry, and start new hosts in report mode.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7469 (RFC 7469, Public Key Pinning Extension for HTTP)
 */
import type { EventEmitter } from 'node:events';
import type { LookupFunction } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Agent, Dispatcher } from 'undici';
import type { buildConnector } from 'undici';
import { QrpinError } from '@qrpin/core';
import type { Policy } from '@qrpin/core';
import type { PinFailureReport } from '../pin/report.ts';
import type { PinMap } from '../policy/from-pins.ts';
import { PinRules, type PolicyInput } from '../policy/rules.ts';
import { ProxyRouter, type ProxyEnvironment, type ProxyOptions } from '../proxy/route.ts';
import { createPinnedConnector, type Connector } from './connector.ts';

/**
 * TLS and socket options for the connections (what undici's `connect` option takes as an
 * object): `ca`, `servername`, `checkServerIdentity`, `timeout`, `keepAlive`, `lookup`, ….
 * `rejectUnauthorized` can only be `true`: pins are checked on top of validation, never instead.
 */
export type PinnedConnectOptions = Omit<ConnectionOptions, 'rejectUnauthorized' | 'session' | 'socket'> & {
  readonly rejectUnauthorized?: true;
  /** Connect (TCP + TLS) timeout in ms; default 10 000, `0` for none. */
  readonly timeout?: number | null;
  readonly keepAlive?: boolean | null;
  readonly keepAliveInitialDelay?: number | null;
  readonly allowH2?: boolean;
  readonly preferH2?: boolean;
  readonly autoSelectFamily?: boolean;
  readonly autoSelectFamilyAttemptTimeout?: number;
  readonly lookup?: LookupFunction;
};

/** Options of {@link createPinnedDispatcher}: undici's `Agent` options plus the pinning ones. */
export interface PinnedDispatcherOptions extends Omit<Agent.Options, 'connect' | 'factory'> {
  /** The policy: a {@link Policy} (e.g. `parseClientPolicy(json)`) or `{ pins: { pattern: [pins] } }`. */
  readonly policy?: PolicyInput;
  /** Short for `policy: { pins }`: host pattern → pins, enforced. */
  readonly pins?: PinMap;
  /** TLS options for every connection (`ca`, `timeout`, …); see {@link PinnedConnectOptions}. */
  readonly connect?: PinnedConnectOptions;
  /** Called on every pin failure, in enforce and report mode; exceptions it throws are turned into warnings. */
  readonly onPinFailure?: (report: PinFailureReport) => void;
  /** The clock for pinset expiry and report dates (default `() => new Date()`). */
  readonly now?: () => Date;
  /** An HTTP(S) proxy to tunnel every connection through with `CONNECT` (except `noProxy` hosts). */
  readonly proxy?: string | URL | ProxyOptions;
  /** Hosts that bypass `proxy`, in `NO_PROXY` syntax; overrides `no_proxy` from `env`. */
  readonly noProxy?: string;
  /**
   * Environment variables to take the proxy from (`https_proxy`/`HTTPS_PROXY`, `http_proxy`,
   * `no_proxy`/`NO_PROXY`), e.g. `process.env`. Ignored when `proxy` is given.
   */
  readonly env?: ProxyEnvironment;
  /** Shorthand for `env: process.env`. Nothing is read from the environment unless asked. */
  readonly proxyFromEnv?: boolean;
}

const OWN_KEYS = [
  'policy',
  'pins',
  'connect',
  'onPinFailure',
  'now',
  'proxy',
  'noProxy',
  'env',
  'proxyFromEnv',
  'maxCachedSessions',
] as const;

/**
 * An undici `Dispatcher` that pins. Use it with undici's `fetch`, `request`, `stream`,
 * `pipeline` (`{ dispatcher }`) or as the global dispatcher. Hosts matched by no pattern of the
 * policy are served exactly as by a plain `Agent`.
 *
 * @example
 * ```ts
 * import { fetch, setGlobalDispatcher } from 'undici';
 * import { parseClientPolicy } from '@qrpin/core';
 * import { PinnedAgent } from '@qrpin/client';
 *
 * const dispatcher = new PinnedAgent({
 *   policy: parseClientPolicy(await readFile('qrpin-client-policy.json', 'utf8')),
 *   onPinFailure: (report) => console.warn(report.message),
 * });
 * const res = await fetch('https://promo.example.com/', { dispatcher });
 * setGlobalDispatcher(dispatcher); // or pin every undici request of the process
 * ```
 */
export class PinnedAgent extends Dispatcher {
  #rules: PinRules;
  #agent: Agent;
  readonly #agentOptions: Agent.Options;
  readonly #connector: Connector;
  readonly #retiring = new Map<Agent, Promise<void>>();
  #closing: Promise<void> | undefined;

  constructor(options: PinnedDispatcherOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new QrpinError(
        'ERR_DISPATCHER_OPTIONS',
        'the pinned dispatcher needs options with a policy or pins',
      );
    }
    this.#rules = PinRules.from(policyInput(options));
    const connect = validateConnect(options.connect);
    if ('factory' in options) {
      throw new QrpinError(
        'ERR_DISPATCHER_OPTIONS',
        'factory is not supported: every pool must use the pinned connector',
      );
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new QrpinError('ERR_DISPATCHER_OPTIONS', 'now must be a function returning a Date');
    }
    if (options.onPinFailure !== undefined && typeof options.onPinFailure !== 'function') {
      throw new QrpinError('ERR_DISPATCHER_OPTIONS', 'onPinFailure must be a function');
    }
    const maxCachedSessions = options.maxCachedSessions ?? 100;
    if (!Number.isInteger(maxCachedSessions) || maxCachedSessions < 0) {
      throw new QrpinError('ERR_DISPATCHER_OPTIONS', 'maxCachedSessions must be an integer of 0 or more');
    }
    const tls = {
      ...(options.connectTimeout === undefined ? {} : { timeout: options.connectTimeout }),
      ...(options.allowH2 === undefined ? {} : { allowH2: options.allowH2 }),
      ...(options.autoSelectFamily === undefined ? {} : { autoSelectFamily: options.autoSelectFamily }),
      ...(options.autoSelectFamilyAttemptTimeout === undefined
        ? {}
        : { autoSelectFamilyAttemptTimeout: options.autoSelectFamilyAttemptTimeout }),
      ...connect,
      // Explicit, so that NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment cannot turn validation off.
      rejectUnauthorized: true,
    } as buildConnector.BuildOptions;
    this.#connector = createPinnedConnector({
      rules: () => this.#rules,
      now: options.now ?? (() => new Date()),
      onPinFailure: options.onPinFailure,
      proxy: ProxyRouter.from(options),
      tls,
      maxCachedSessions,
    });
    const agentOptions: Record<string, unknown> = { ...options };
    for (const key of OWN_KEYS) delete agentOptions[key];
    this.#agentOptions = agentOptions as Agent.Options;
    this.#agent = this.#createAgent();
  }

  /** The policy in force. */
  get policy(): Policy {
    return this.#rules.policy;
  }

  /**
   * Replaces the policy at once. Every connection opened from now on (resumed TLS sessions
   * included) is checked against the new pins. Requests already under way complete on their
   * connections; connections opened under the previous policy are closed as soon as they have
   * no request left (idle keep-alive connections at once), and are never reused for a new
   * request. An invalid policy throws and leaves the current one in force.
   *
   * @returns a promise that settles once every connection of the previous policy is closed.
   * @example
   * ```ts
   * await dispatcher.updatePolicy(parseClientPolicy(nextJson));
   * ```
   */
  updatePolicy(policy: PolicyInput): Promise<void> {
    if (this.#closing !== undefined) {
      throw new QrpinError('ERR_DISPATCHER_OPTIONS', 'the pinned dispatcher is closed');
    }
    const rules = PinRules.from(policy);
    const previous = this.#agent;
    this.#rules = rules;
    this.#agent = this.#createAgent();
    return this.#retire(previous);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.#agent.dispatch(options, handler);
  }

  /** Closes gracefully: queued requests complete, then every connection closes. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closing ??= Promise.all([this.#agent.close(), ...this.#retiring.values()]).then(() => undefined);
    if (callback === undefined) return this.#closing;
    this.#closing.then(callback, callback);
  }

  /** Destroys every connection at once; pending requests fail with `err`. */
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    const done = typeof errOrCallback === 'function' ? errOrCallback : callback;
    this.#closing ??= Promise.resolve();
    const agents = [this.#agent, ...this.#retiring.keys()];
    const destroyed = Promise.all(agents.map((agent) => agent.destroy(err))).then(() => undefined);
    if (done === undefined) return destroyed;
    destroyed.then(done, done);
  }

  #createAgent(): Agent {
    const agent = new Agent({ ...this.#agentOptions, connect: this.#connector as buildConnector.connector });
    for (const event of ['connect', 'disconnect', 'connectionError', 'drain'] as const) {
      (agent as EventEmitter).on(event, (...args: unknown[]) => (this as EventEmitter).emit(event, ...args));
    }
    return agent;
  }

  #retire(agent: Agent): Promise<void> {
    const closed = agent.close().finally(() => this.#retiring.delete(agent));
    this.#retiring.set(agent, closed);
    return closed;
  }
}

/**
 * Creates a {@link PinnedAgent}.
 *
 * @example
 * ```ts
 * import { request } from 'undici';
 * const dispatcher = createPinnedDispatcher({
 *   pins: { '**.example.com': ['sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=', 'sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg='] },
 * });
 * const { statusCode } = await request('https://www.example.com/', { dispatcher });
 * ```
 */
export function createPinnedDispatcher(options: PinnedDispatcherOptions): PinnedAgent {
  return new PinnedAgent(options);
}

function policyInput(options: PinnedDispatcherOptions): PolicyInput {
  if (options.policy !== undefined && options.pins !== undefined) {
    throw new QrpinError('ERR_DISPATCHER_OPTIONS', 'give either policy or pins, not both');
  }
  if (options.policy !== undefined) return options.policy;
  if (options.pins !== undefined) return { pins: options.pins };
  throw new QrpinError(
    'ERR_DISPATCHER_OPTIONS',
    'the pinned dispatcher needs a policy (e.g. parseClientPolicy(json)) or pins ({ pattern: [pins] })',
  );
}

function validateConnect(connect: unknown): PinnedConnectOptions {
  if (connect === undefined) return {};
  if (typeof connect === 'function') {
    throw new QrpinError(
      'ERR_DISPATCHER_OPTIONS',
      'connect must be an options object: the pinned dispatcher brings its own connector',
    );
  }
  if (typeof connect !== 'object' || connect === null) {
    throw new QrpinError('ERR_DISPATCHER_OPTIONS', 'connect must be an options object');
  }
  const options = connect as Record<string, unknown>;
  if ('rejectUnauthorized' in options && options.rejectUnauthorized !== true) {
    throw new QrpinError(
      'ERR_DISPATCHER_OPTIONS',
      'connect.rejectUnauthorized cannot be turned off: pins are checked on top of certificate validation, never instead of it; add your CA with connect.ca',
    );
  }
  if ('session' in options) {
    throw new QrpinError(
      'ERR_DISPATCHER_OPTIONS',
      'connect.session is not supported: sessions are cached with the chain they were validated with',
    );
  }
  return options as PinnedConnectOptions;
}
