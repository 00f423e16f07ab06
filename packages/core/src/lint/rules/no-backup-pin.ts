import { finding, type LintRule } from '../rule.ts';

/** No valid backup pin that differs from the pins in service. */
export const noBackupPin: LintRule = {
  id: 'no-backup-pin',
  severity: 'error',
  description:
    'A host without a valid backup pin (a key held offline, not served yet) that differs from its pins in service.',
  fix: 'Generate a backup key with `qrpin keys backup <host>`, keep it offline, and add its pin to `backupPins`.',
  check({ hosts }) {
    return hosts.flatMap((h) => {
      const inUse = new Set(h.pins.flatMap((p) => (p.pin === undefined ? [] : [p.pin.base64])));
      if (h.backupPins.some((p) => p.pin !== undefined && !inUse.has(p.pin.base64))) return [];
      const target = h.pattern?.base ?? h.host.pattern;
      const message =
        h.backupPins.length === 0
          ? `${h.label} has no backup pin: if its key is lost or compromised, every client that enforces the pinset is locked out until it is updated`
          : `${h.label} has no usable backup pin: each entry of backupPins is invalid or already in service`;
      return [
        finding(
          this,
          ['hosts', h.index, 'backupPins'],
          message,
          `generate one with \`qrpin keys backup ${target}\`, keep the key offline, and add its pin to backupPins`,
        ),
      ];
    });
  },
};
