/**
 * Writes one platform's pinning configuration from a compiled {@link Policy}.
 *
 * Every platform accepts a connection when any pin of the host (in service or backup) matches.
 * Where a platform cannot express part of the policy (a report-only host, an expiry, a `*.`
 * pattern), the emitter never silently changes its meaning: it leaves the host out or keeps the
 * stricter reading, and says so in {@link EmitResult.warnings} and in the file's header.
 *
 * Pinning can brick an app: ship at least one backup pin for a key held offline, and read the
 * warnings before shipping a config.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7469 (RFC 7469, SPKI pins)
 */
import { QrpinError, describeInput } from '../errors/qrpin-error.ts';
import type { Policy } from '../policy/model.ts';
import type { EmitOptions, EmitResult, EmitTarget, EmitTargetInfo } from './types.ts';
import { checkPolicy } from './lib/common.ts';
import { emitAndroidNsc } from './android-nsc.ts';
import { emitCurl } from './curl.ts';
import { emitIosPlist } from './ios-plist.ts';
import { emitNode } from './node.ts';
import { emitOkHttpJava } from './okhttp-java.ts';
import { emitOkHttpKotlin } from './okhttp-kotlin.ts';
import { emitReactNative } from './react-native.ts';
import { emitTrustKit } from './trustkit.ts';

/** Every target, with what it writes. */
export const emitTargets: readonly EmitTargetInfo[] = Object.freeze([
  {
    target: 'okhttp-kotlin',
    description: 'Kotlin object with an OkHttp CertificatePinner (Android, JVM)',
    filename: 'QrpinPins.kt',
  },
  {
    target: 'okhttp-java',
    description: 'Java class with an OkHttp CertificatePinner (Android, JVM)',
    filename: 'QrpinPins.java',
  },
  {
    target: 'android-nsc',
    description: 'Android Network Security Configuration XML with pin-sets (Android 7.0+)',
    filename: 'network_security_config.xml',
  },
  {
    target: 'ios-plist',
    description: 'Info.plist NSAppTransportSecurity NSPinnedDomains (iOS 14+)',
    filename: 'ats-pinned-domains.plist',
  },
  {
    target: 'trustkit',
    description: 'Swift TrustKit configuration and initialisation (iOS, report-only capable)',
    filename: 'TrustKitConfig.swift',
  },
  {
    target: 'react-native',
    description: 'module for react-native-ssl-public-key-pinning (initializeSslPinning options)',
    filename: 'sslPinning.ts',
  },
  {
    target: 'curl',
    description: 'shell script of curl --pinnedpubkey checks, one per host',
    filename: 'curl-pins.sh',
  },
  {
    target: 'node',
    description: 'client policy JSON read by @qrpin/client',
    filename: 'qrpin-client-policy.json',
  },
] satisfies EmitTargetInfo[]);

/**
 * Emits the configuration of `target` for `policy`. An unknown target throws `ERR_EMIT_TARGET`
 * listing the valid ones; bad options throw `ERR_EMIT_OPTIONS`; a policy not built from parsed
 * values throws `ERR_POLICY_INVALID`.
 *
 * @example
 * ```ts
 * const result = emit('android-nsc', compilePolicy(manifest));
 * fs.writeFileSync(`res/xml/${result.filename}`, result.content);
 * for (const w of result.warnings) console.warn(`${w.host}: ${w.message}`);
 * ```
 */
export function emit(target: EmitTarget, policy: Policy, options: EmitOptions = {}): EmitResult {
  const known = emitTargets.find((t) => t.target === target);
  if (known === undefined) {
    throw new QrpinError(
      'ERR_EMIT_TARGET',
      `unknown emit target ${describeInput(String(target))}; valid targets: ${emitTargets.map((t) => t.target).join(', ')}`,
    );
  }
  checkPolicy(policy);
  switch (known.target) {
    case 'okhttp-kotlin':
      return emitOkHttpKotlin(policy, options);
    case 'okhttp-java':
      return emitOkHttpJava(policy, options);
    case 'android-nsc':
      return emitAndroidNsc(policy);
    case 'ios-plist':
      return emitIosPlist(policy, options);
    case 'trustkit':
      return emitTrustKit(policy, options);
    case 'react-native':
      return emitReactNative(policy);
    case 'curl':
      return emitCurl(policy);
    case 'node':
      return emitNode(policy);
  }
}
