/**
 * The pinned connector (internal): undici's `buildConnector` for the TCP and TLS work, with the
 * pin check between the end of the TLS handshake and the moment undici receives the socket.
 *
 * Order on every new connection to a pinned host:
 * 1. (through a proxy) `CONNECT` tunnel to the origin;
 * 2. TLS with normal certificate validation (`rejectUnauthorized` is never false): a chain that
 *    does not validate fails here with Node's own error, before any pin is looked at;
 * 3. the validated chain's pins against the host's pins and backup pins; on a mismatch in
 *    enforce mode the socket is destroyed and the attempt fails with {@link PinMismatchError}, so
 *    no request byte is ever written;
 * 4. undici gets the socket.
 *
 * TLS sessions are cached here rather than in `buildConnector`, each with the validated chain of
 * the full handshake that created it: a resumed session presents no certificates, so its check
 * runs against that chain, under the policy in force at the time of the resumption.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { checkServerIdentity as defaultCheckServerIdentity } from 'node:tls';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { PinMismatchError } from '../errors/pin-mismatch-error.ts';
import { BoundedMap } from '../lib/bounded-map.ts';
import { ChainReader, type ChainCertificate } from '../pin/chain.ts';
import { formatPinFailure, type PinFailureReport } from '../pin/report.ts';
import { isExpired, type HostRule, type PinRules } from '../policy/rules.ts';
import { openTunnel } from '../proxy/tunnel.ts';
import type { ProxyRoute, ProxyRouter } from '../proxy/route.ts';

/** What undici hands a connector (`allowH2` and `socketPath` are added by its Client). */
export type ConnectParams = buildConnector.Options & { readonly allowH2?: boolean };
export type Connector = (params: ConnectParams, callback: buildConnector.Callback) => Socket | undefined;

/** Everything the connector reads; `rules()` is called per connection, so a swap takes effect at once. */
export interface ConnectorContext {
  readonly rules: () => PinRules;
  readonly now: () => Date;
  readonly onPinFailure?: ((report: PinFailureReport) => void) | undefined;
  readonly proxy?: ProxyRouter | undefined;
  /** `buildConnector` options (`ca`, `timeout`, `keepAlive`, …), without session settings. */
  readonly tls: buildConnector.BuildOptions & {
    readonly servername?: string | undefined;
    readonly checkServerIdentity?:
      ((hostname: string, cert: PeerCertificate) => Error | undefined) | undefined;
  };
  /** Sessions kept for resumption; 0 turns resumption off. */
  readonly maxCachedSessions: number;
}

interface CachedSession {
  readonly session: Buffer;
  /** The validated chain of the handshake that made it; `undefined` when it was not read (unpinned host). */
  readonly chain: readonly ChainCertificate[] | undefined;
}

interface Verdict {
  readonly chain: readonly ChainCertificate[] | undefined;
  readonly refusal?: PinMismatchError | undefined;
}

/** Builds the connector one dispatcher shares across its agents. */
export function createPinnedConnector(context: ConnectorContext): Connector {
  const sessions = new BoundedMap<string, CachedSession>(context.maxCachedSessions);
  const reader = new ChainReader();
  const plain = buildConnector({ ...context.tls, maxCachedSessions: 0 });
  const timeout = typeof context.tls.timeout === 'number' ? context.tls.timeout : 10_000;
  const checkIdentity = context.tls.checkServerIdentity ?? defaultCheckServerIdentity;

  const verify = (
    socket: TLSSocket,
    names: readonly string[],
    port: number,
    offered: CachedSession | undefined,
    route: ProxyRoute | undefined,
    presented: DetailedPeerCertificate | undefined,
  ): Verdict => {
    const rules = context.rules();
    const applicable: Array<[string, HostRule]> = [];
    for (const name of names) {
      const rule = rules.ruleFor(name);
      if (rule !== undefined && !applicable.some(([, r]) => r === rule)) applicable.push([name, rule]);
    }
    if (applicable.length === 0) return { chain: undefined };
    const sessionReused = socket.isSessionReused();
    const chain: readonly ChainCertificate[] = sessionReused
      ? (offered?.chain ?? [])
      : socket.authorized
        ? reader.fromPeerCertificate(presented ?? socket.getPeerCertificate(true))
        : [];
    let refusal: PinMismatchError | undefined;
    for (const [host, rule] of applicable) {
      if (chain.some((cert) => rule.pinSet.has(cert.pin))) continue;
      const now = context.now();
      const expired = isExpired(rule, now);
      // An unvalidated chain (impossible while rejectUnauthorized stays true) is always refused.
      const enforced = !socket.authorized || (rule.host.mode === 'enforce' && !expired);
      const facts = {
        host,
        chain,
        pins: rule.pins,
        backupPins: rule.backupPins,
        mode: rule.host.mode,
        enforced,
        expired,
        ...(rule.host.expires === undefined ? {} : { expires: rule.host.expires }),
      };
      const report: PinFailureReport = {
        ...facts,
        port,
        pattern: rule.pattern,
        sessionReused,
        ...(route === undefined ? {} : { proxy: route.display }),
        date: now.toISOString(),
        message: formatPinFailure(facts),
      };
      notify(context, report);
      if (enforced) refusal ??= new PinMismatchError(report);
    }
    return { chain, refusal };
  };

  return function connect(params, callback) {
    const { hostname, host, protocol } = params;
    const port = Number(params.port) || (protocol === 'https:' ? 443 : 80);
    const route = context.proxy?.route(protocol, hostname, port);

    if (protocol !== 'https:') {
      if (route === undefined) return plain(params, callback) as Socket | undefined;
      openTunnel(route, hostname, port, timeout, (err, tunnel) => {
        if (err !== null || tunnel === undefined) callback(err ?? new Error('no tunnel'), null);
        else callback(null, tunnel);
      });
      return undefined;
    }

    const identity = params.servername || context.tls.servername || serverNameOf(host) || undefined;
    const names = identity !== undefined && identity !== hostname ? [identity, hostname] : [hostname];
    const sessionKey = `${identity ?? hostname}:${port}`;
    let offered = sessions.get(sessionKey);
    if (offered !== undefined && offered.chain === undefined) {
      // Its chain was not read (the host was not pinned then): never resume it for a pinned host.
      const rules = context.rules();
      if (names.some((name) => rules.ruleFor(name) !== undefined)) offered = undefined;
    }

    const start = (httpSocket: Socket | undefined): Socket => {
      let settled: Verdict | 'failed' | undefined;
      let early: Buffer | undefined;
      // Node builds the detailed peer certificate (getPeerCertificate(true)) once per full
      // handshake to check the server's identity; keep that one rather than build it again.
      let presented: DetailedPeerCertificate | undefined;
      const tls = buildConnector({
        ...context.tls,
        ...(params.allowH2 === undefined ? {} : { allowH2: params.allowH2 }),
        ...(params.socketPath == null ? {} : { socketPath: params.socketPath }),
        maxCachedSessions: 0,
        ...(offered === undefined ? {} : { session: offered.session }),
        checkServerIdentity: (name: string, cert: PeerCertificate): Error | undefined => {
          const error = checkIdentity(name, cert);
          if (error === undefined) presented = cert as DetailedPeerCertificate;
          return error;
        },
      } as buildConnector.BuildOptions);
      const socket = tls(
        {
          hostname,
          host,
          protocol,
          port: params.port,
          servername: params.servername,
          localAddress: params.localAddress,
          httpSocket,
        },
        (err, connected) => {
          if (err !== null) {
            settled = 'failed';
            callback(err, null);
            return;
          }
          const tlsSocket = connected as TLSSocket;
          const verdict = verify(tlsSocket, names, port, offered, route, presented);
          if (verdict.refusal !== undefined) {
            settled = 'failed';
            sessions.delete(sessionKey);
            tlsSocket.destroy();
            callback(verdict.refusal, null);
            return;
          }
          settled = verdict;
          if (early !== undefined) sessions.set(sessionKey, { session: early, chain: verdict.chain });
          early = undefined;
          callback(null, tlsSocket);
        },
      ) as unknown as TLSSocket;
      socket.on('session', (session: Buffer) => {
        if (settled === undefined) early = session;
        else if (settled !== 'failed') sessions.set(sessionKey, { session, chain: settled.chain });
      });
      return socket;
    };

    if (route === undefined) return start(undefined);
    openTunnel(route, hostname, port, timeout, (err, tunnel) => {
      if (err !== null || tunnel === undefined) callback(err ?? new Error('no tunnel'), null);
      else start(tunnel);
    });
    return undefined;
  };
}

function notify(context: ConnectorContext, report: PinFailureReport): void {
  if (context.onPinFailure === undefined) return;
  try {
    context.onPinFailure(report);
  } catch (err) {
    process.emitWarning(`onPinFailure threw: ${(err as Error)?.message ?? String(err)}`, {
      code: 'QRPIN_ON_PIN_FAILURE',
    });
  }
}

/** undici's rule for the TLS server name of a `host[:port]`: none for an IP address. */
function serverNameOf(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  let name = host;
  if (name.startsWith('[')) return undefined;
  const colon = name.lastIndexOf(':');
  if (colon !== -1 && /^\d*$/.test(name.slice(colon + 1))) name = name.slice(0, colon);
  return isIP(name) === 0 ? name : undefined;
}
