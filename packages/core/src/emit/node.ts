/**
 * Writes the client policy JSON that `@qrpin/client` reads (see {@link parseClientPolicy}).
 * The client understands every qrpin feature, so nothing is lost and nothing is warned about.
 */
import type { Policy } from '../policy/model.ts';
import type { EmitResult } from './types.ts';
import { allPins, headerLines } from './lib/common.ts';
import { commentText } from './lib/escape.ts';
import { CLIENT_POLICY_FORMAT, CLIENT_POLICY_VERSION } from './client-policy.ts';

const REQUIRES = ['@qrpin/client 0.1.0+', 'Node.js 22.19+'];

/** Emits `qrpin-client-policy.json`: stable key order, two-space indent, trailing newline. */
export function emitNode(policy: Policy): EmitResult {
  const document = {
    $comment: headerLines('node', '@qrpin/client policy', policy.project, REQUIRES, [])
      .map(commentText)
      .join(' '),
    format: CLIENT_POLICY_FORMAT,
    version: CLIENT_POLICY_VERSION,
    project: policy.project,
    hosts: policy.hosts.map((host) => {
      const pins = allPins(host);
      const inService = pins.filter((pin) => host.pins.some((p) => p.equals(pin)));
      const backups = pins.filter((pin) => !inService.includes(pin));
      return {
        pattern: host.pattern.toString(),
        pins: inService.map((pin) => pin.toString()),
        backupPins: backups.map((pin) => pin.toString()),
        mode: host.mode,
        ...(host.expires === undefined ? {} : { expires: host.expires }),
      };
    }),
  };
  return {
    target: 'node',
    filename: 'qrpin-client-policy.json',
    content: `${JSON.stringify(document, null, 2)}\n`,
    warnings: [],
    requires: REQUIRES,
  };
}
