// The strict payload schema: unknown members, non-canonical pins or patterns, duplicates and
// contradictions are refused, so a client never runs a pinset it misreads.
import { HostPattern } from '../../host/pattern.ts';
import { Pin } from '../../pin/pin.ts';
import { PinsetError, type PinsetErrorCode } from '../error.ts';
import { PINSET_VERSION, type PinsetHost, type PinsetPayload, type PinsetRollout } from '../model.ts';

const PROJECT = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const MAX_PROJECT = 200;
const MAX_HOSTS = 1000;
const MAX_PINS = 64;
const TOP_KEYS = new Set(['v', 'project', 'seq', 'iat', 'exp', 'hosts', 'rollout', 'rollbackOf', 'onExpiry']);
const HOST_KEYS = new Set(['pattern', 'pins', 'backupPins', 'includeSubdomains', 'mode']);
const ROLLOUT_KEYS = new Set(['stage', 'enforcePercent']);

/**
 * Validates `data` as a pinset payload and returns a fresh copy with members in canonical order.
 * Every problem throws `code` with a message that starts with the path of the bad value.
 */
export function validatePayload(
  data: unknown,
  code: PinsetErrorCode = 'ERR_PINSET_MALFORMED',
): PinsetPayload {
  const fail = (path: string, message: string): never => {
    throw new PinsetError(code, `payload.${path}: ${message}`);
  };
  const top = object(data, 'payload', TOP_KEYS, code);
  if (top.v !== PINSET_VERSION)
    fail('v', `${show(top.v)} is not supported; this reader takes v ${PINSET_VERSION}`);
  const project = top.project;
  if (typeof project !== 'string' || project.length > MAX_PROJECT || !PROJECT.test(project)) {
    fail('project', `${show(project)} must be lower-case letters, digits and dashes`);
  }
  const seq = positive(top.seq, 'seq', fail);
  const iat = seconds(top.iat, 'iat', fail);
  const exp = seconds(top.exp, 'exp', fail);
  if (exp <= iat) fail('exp', `${exp} must be after iat ${iat}`);
  if (!Array.isArray(top.hosts)) fail('hosts', 'must be a list of hosts');
  const list = top.hosts as unknown[];
  if (list.length > MAX_HOSTS) fail('hosts', `has ${list.length} entries; the limit is ${MAX_HOSTS}`);
  const seen = new Set<string>();
  const hosts = list.map((raw, i) => {
    const host = validateHost(raw, `hosts[${i}]`, code, fail);
    if (seen.has(host.pattern)) fail(`hosts[${i}].pattern`, `${show(host.pattern)} is listed twice`);
    seen.add(host.pattern);
    return host;
  });
  const rollout = validateRollout(top.rollout, code, fail);
  const payload: PinsetPayload = {
    v: PINSET_VERSION,
    project: project as string,
    seq,
    iat,
    exp,
    hosts,
    rollout,
  };
  let result: PinsetPayload = payload;
  if (top.rollbackOf !== undefined) {
    const rollbackOf = positive(top.rollbackOf, 'rollbackOf', fail);
    if (rollbackOf >= seq) fail('rollbackOf', `${rollbackOf} must be lower than seq ${seq}`);
    result = { ...result, rollbackOf };
  }
  if (top.onExpiry !== undefined) {
    if (top.onExpiry !== 'report' && top.onExpiry !== 'enforce') {
      fail('onExpiry', `${show(top.onExpiry)} must be "report" or "enforce"`);
    }
    result = { ...result, onExpiry: top.onExpiry as 'report' | 'enforce' };
  }
  return result;
}

type Fail = (path: string, message: string) => never;

function validateHost(raw: unknown, at: string, code: PinsetErrorCode, fail: Fail): PinsetHost {
  const host = object(raw, `payload.${at}`, HOST_KEYS, code);
  const text = host.pattern;
  if (typeof text !== 'string') return fail(`${at}.pattern`, 'must be a string');
  let pattern: HostPattern;
  try {
    pattern = HostPattern.parse(text);
  } catch (err) {
    throw new PinsetError(code, `payload.${at}.pattern: ${(err as Error).message}`, { cause: err });
  }
  if (pattern.toString() !== text) {
    fail(`${at}.pattern`, `${show(text)} is not canonical; write ${show(pattern.toString())}`);
  }
  const pins = pinList(host.pins, `${at}.pins`, code, fail);
  if (pins.length === 0) fail(`${at}.pins`, 'must hold at least one pin');
  const backupPins = pinList(host.backupPins, `${at}.backupPins`, code, fail);
  for (const [j, pin] of backupPins.entries()) {
    if (pins.includes(pin)) fail(`${at}.backupPins[${j}]`, `${pin} is also a pin in service`);
  }
  if (host.includeSubdomains !== pattern.includesSubdomains) {
    fail(
      `${at}.includeSubdomains`,
      `must be ${pattern.includesSubdomains} for pattern ${show(text)} (only "**." patterns include subdomains)`,
    );
  }
  if (host.mode !== 'enforce' && host.mode !== 'report') {
    fail(`${at}.mode`, `${show(host.mode)} must be "enforce" or "report"`);
  }
  return {
    pattern: text,
    pins,
    backupPins,
    includeSubdomains: pattern.includesSubdomains,
    mode: host.mode as 'enforce' | 'report',
  };
}

function pinList(raw: unknown, at: string, code: PinsetErrorCode, fail: Fail): string[] {
  if (!Array.isArray(raw)) return fail(at, 'must be a list of pins');
  if (raw.length > MAX_PINS) fail(at, `has ${raw.length} pins; the limit is ${MAX_PINS}`);
  const out: string[] = [];
  for (const [j, text] of (raw as unknown[]).entries()) {
    if (typeof text !== 'string') fail(`${at}[${j}]`, 'must be a string');
    let pin: Pin;
    try {
      pin = Pin.parse(text as string);
    } catch (err) {
      throw new PinsetError(code, `payload.${at}[${j}]: ${(err as Error).message}`, { cause: err });
    }
    if (pin.toString() !== text) fail(`${at}[${j}]`, `is not canonical; write ${pin.toString()}`);
    if (out.includes(pin.toString())) fail(`${at}[${j}]`, `${pin.toString()} is listed twice`);
    out.push(pin.toString());
  }
  return out;
}

function validateRollout(raw: unknown, code: PinsetErrorCode, fail: Fail): PinsetRollout {
  const rollout = object(raw, 'payload.rollout', ROLLOUT_KEYS, code);
  const { stage, enforcePercent } = rollout;
  if (stage !== 'report-only' && stage !== 'beta' && stage !== 'everyone') {
    return fail('rollout.stage', `${show(stage)} must be "report-only", "beta" or "everyone"`);
  }
  if (
    typeof enforcePercent !== 'number' ||
    !Number.isInteger(enforcePercent) ||
    enforcePercent < 0 ||
    enforcePercent > 100
  ) {
    return fail('rollout.enforcePercent', `${show(enforcePercent)} must be an integer from 0 to 100`);
  }
  if (stage === 'report-only' && enforcePercent !== 0) {
    fail('rollout.enforcePercent', `must be 0 at stage "report-only", got ${enforcePercent}`);
  }
  if (stage === 'everyone' && enforcePercent !== 100) {
    fail('rollout.enforcePercent', `must be 100 at stage "everyone", got ${enforcePercent}`);
  }
  return { stage, enforcePercent };
}

function object(
  raw: unknown,
  at: string,
  keys: ReadonlySet<string>,
  code: PinsetErrorCode,
): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PinsetError(
      code,
      `${at}: must be a JSON object, got ${Array.isArray(raw) ? 'a list' : show(raw)}`,
    );
  }
  for (const key of Object.keys(raw)) {
    if (!keys.has(key)) {
      throw new PinsetError(
        code,
        `${at}: unknown member ${JSON.stringify(key)}; allowed: ${[...keys].join(', ')}`,
      );
    }
  }
  return raw as Record<string, unknown>;
}

function positive(value: unknown, path: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    return fail(path, `${show(value)} must be a positive safe integer`);
  }
  return value;
}

function seconds(value: unknown, path: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return fail(path, `${show(value)} must be unix seconds (a non-negative integer)`);
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
