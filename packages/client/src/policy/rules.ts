/**
 * The policy as the dispatcher consults it on each connection (internal): one rule per host
 * pattern with its pins as a set, and a cached lookup of the most specific rule for a host.
 */
import { HostPattern, Pin, QrpinError, normalizeHostname } from '@qrpin/core';
import type { Policy, PolicyHost } from '@qrpin/core';
import { BoundedMap } from '../lib/bounded-map.ts';
import { policyFromPins, type PinMap } from './from-pins.ts';

/** A {@link Policy} (e.g. from `parseClientPolicy`) or the short `{ pins: { pattern: [pins] } }` form. */
export type PolicyInput = Policy | { readonly pins: PinMap };

/** One host pattern's pinset, ready to check. */
export interface HostRule {
  readonly host: PolicyHost;
  /** The canonical pattern text. */
  readonly pattern: string;
  /** Every configured pin, in service first, then backups. */
  readonly pins: readonly string[];
  readonly backupPins: readonly string[];
  readonly pinSet: ReadonlySet<string>;
}

/** A compiled, immutable policy. Replacing the policy means replacing this object. */
export class PinRules {
  readonly policy: Policy;
  readonly #rules: readonly HostRule[];
  readonly #lookups = new BoundedMap<string, HostRule | null>(1024);

  private constructor(policy: Policy) {
    this.policy = policy;
    this.#rules = policy.hosts.map((host, i) => compileHost(host, i));
  }

  /** Compiles a policy input, throwing `ERR_POLICY_INVALID` for a malformed one. */
  static from(input: PolicyInput): PinRules {
    if (typeof input !== 'object' || input === null) {
      throw new QrpinError(
        'ERR_POLICY_INVALID',
        'a policy must be a Policy object or { pins: { pattern: [pins] } }',
      );
    }
    if ('hosts' in input) {
      if (!Array.isArray(input.hosts))
        throw new QrpinError('ERR_POLICY_INVALID', 'policy.hosts must be a list');
      return new PinRules(input);
    }
    if ('pins' in input) return new PinRules(policyFromPins(input.pins));
    throw new QrpinError(
      'ERR_POLICY_INVALID',
      'a policy must be a Policy (e.g. from parseClientPolicy) or { pins: { pattern: [pins] } }',
    );
  }

  /**
   * The rule for `hostname`: among the patterns that match it, the most specific (an exact host,
   * then the longest base, `*.` before `**.` on the same base), as Android's Network Security
   * Config and iOS do. `undefined` when no pattern matches (IP addresses never match).
   */
  ruleFor(hostname: string): HostRule | undefined {
    const cached = this.#lookups.get(hostname);
    if (cached !== undefined) return cached ?? undefined;
    const rule = this.#find(hostname);
    this.#lookups.set(hostname, rule ?? null);
    return rule;
  }

  #find(hostname: string): HostRule | undefined {
    let host: string;
    try {
      host = normalizeHostname(hostname);
    } catch {
      return undefined;
    }
    let best: HostRule | undefined;
    let bestScore = -1;
    for (const rule of this.#rules) {
      if (!rule.host.pattern.matches(host)) continue;
      const score = specificity(rule.host.pattern);
      if (score > bestScore) {
        best = rule;
        bestScore = score;
      }
    }
    return best;
  }
}

/** True when the rule's pinset has expired on the day of `now` (UTC): `expires` is the last day it holds. */
export function isExpired(rule: HostRule, now: Date): boolean {
  const expires = rule.host.expires;
  return expires !== undefined && expires < now.toISOString().slice(0, 10);
}

function specificity(pattern: HostPattern): number {
  if (pattern.kind === 'exact') return Number.MAX_SAFE_INTEGER;
  return pattern.base.split('.').length * 2 + (pattern.kind === 'one-label' ? 1 : 0);
}

function compileHost(host: PolicyHost, index: number): HostRule {
  const at = `policy.hosts[${index}]`;
  if (typeof host !== 'object' || host === null || !(host.pattern instanceof HostPattern)) {
    throw new QrpinError(
      'ERR_POLICY_INVALID',
      `${at}.pattern must be a HostPattern (use parseClientPolicy or HostPattern.parse)`,
    );
  }
  const list = (key: 'pins' | 'backupPins'): string[] => {
    const value = host[key];
    if (!Array.isArray(value) || !value.every((p) => p instanceof Pin)) {
      throw new QrpinError('ERR_POLICY_INVALID', `${at}.${key} must be a list of Pin values (use Pin.parse)`);
    }
    return value.map((p: Pin) => p.toString());
  };
  const pins = list('pins');
  const backupPins = list('backupPins');
  if (pins.length + backupPins.length === 0) {
    throw new QrpinError(
      'ERR_POLICY_INVALID',
      `${at} (${host.pattern.toString()}) has no pins; a host without pins pins nothing`,
    );
  }
  if (host.mode !== 'enforce' && host.mode !== 'report') {
    throw new QrpinError('ERR_POLICY_INVALID', `${at}.mode must be "enforce" or "report"`);
  }
  if (
    host.expires !== undefined &&
    (typeof host.expires !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(host.expires))
  ) {
    throw new QrpinError('ERR_POLICY_INVALID', `${at}.expires must be a date in the form YYYY-MM-DD`);
  }
  const all = [...pins, ...backupPins.filter((p) => !pins.includes(p))];
  return {
    host,
    pattern: host.pattern.toString(),
    pins: all,
    backupPins,
    pinSet: new Set(all),
  };
}
