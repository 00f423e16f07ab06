/**
 * What OkHttp's `CertificatePinner` can express, shared by the Java and Kotlin emitters.
 *
 * OkHttp's patterns are qrpin's: `*.` is exactly one label (all OkHttp 3.x and 4.x), `**.` is the
 * apex and any depth (OkHttp 4.3.0+). OkHttp 3.x accepts a `**.` pattern without complaint but
 * treats it as a literal host name that never matches, so pinning is silently off there.
 *
 * @see https://square.github.io/okhttp/changelogs/changelog_4x/ (4.3.0: "Match any number of subdomains with two asterisks")
 * @see https://square.github.io/okhttp/changelogs/changelog_3x/ (3.2.0: "Support SHA-256 pins in certificate pinner")
 */
import { QrpinError, describeInput } from '../../errors/qrpin-error.ts';
import type { Policy } from '../../policy/model.ts';
import type { EmitOptions } from '../types.ts';
import { Warnings, allPins, warnIfEmpty } from './common.ts';

/** One `CertificatePinner.Builder.add(pattern, pins…)` call. */
export interface OkHttpAdd {
  readonly pattern: string;
  readonly pins: readonly string[];
}

export interface OkHttpPlan {
  readonly adds: readonly OkHttpAdd[];
  readonly requires: readonly string[];
  readonly warnings: Warnings;
  readonly className: string;
  readonly packageName: string | undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PACKAGE = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/;
// Java and Kotlin words that cannot name a class or a package segment.
const RESERVED = new Set(
  (
    'abstract as assert boolean break byte case catch char class const continue default do double else enum ' +
    'extends false final finally float for fun goto if implements import in instanceof int interface is long ' +
    'native new null object package private protected public return short static strictfp super switch ' +
    'synchronized this throw throws transient true try typealias typeof val var void volatile when while'
  ).split(' '),
);

export function planOkHttp(policy: Policy, options: EmitOptions): OkHttpPlan {
  const className = options.className ?? 'QrpinPins';
  if (!IDENTIFIER.test(className) || RESERVED.has(className)) {
    throw new QrpinError(
      'ERR_EMIT_OPTIONS',
      `className ${describeInput(className)} is not a Java/Kotlin class name (letters, digits and _, not starting with a digit)`,
    );
  }
  const packageName = options.packageName;
  if (
    packageName !== undefined &&
    (!PACKAGE.test(packageName) || packageName.split('.').some((part) => RESERVED.has(part)))
  ) {
    throw new QrpinError(
      'ERR_EMIT_OPTIONS',
      `packageName ${describeInput(packageName)} is not a package name (lower-case dot-separated identifiers, e.g. com.example.pins)`,
    );
  }

  const warnings = new Warnings(policy);
  const adds: OkHttpAdd[] = [];
  let anyDepth = false;
  for (const host of policy.hosts) {
    const label = host.pattern.toString();
    const pins = allPins(host);
    if (pins.length === 0) {
      warnings.add(label, 'no-pins', 'the host has no pins, so it is left out');
      continue;
    }
    if (host.mode === 'report') {
      warnings.add(
        label,
        'report-mode-unsupported',
        'OkHttp has no report-only mode, so this report-mode host is left out of the CertificatePinner and stays unpinned',
      );
      continue;
    }
    if (host.expires !== undefined) {
      warnings.add(
        label,
        'expiry-unsupported',
        `OkHttp has no pin expiry: these pins are enforced until you ship a new build, not only until ${host.expires}`,
      );
    }
    if (host.pattern.kind === 'any-depth') {
      anyDepth = true;
      warnings.add(
        label,
        'okhttp-any-depth-needs-4.3',
        '"**." needs OkHttp 4.3.0 or later: OkHttp 3.x accepts the pattern but never matches a host with it, so pinning is silently off there',
      );
    }
    adds.push({ pattern: label, pins: pins.map((p) => p.toString()) });
  }
  warnIfEmpty(adds.length, warnings, 'no host is pinned: the CertificatePinner is empty');
  const requires = [anyDepth ? 'OkHttp 4.3.0+ ("**." patterns)' : 'OkHttp 3.2.0+ (sha256/ pins)'];
  return { adds, requires, warnings, className, packageName };
}
