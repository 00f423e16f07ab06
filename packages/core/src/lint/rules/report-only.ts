import { finding, type LintRule } from '../rule.ts';

/** A host in report-only mode. */
export const reportOnly: LintRule = {
  id: 'report-only',
  severity: 'info',
  description: 'A host in `report` mode: pin failures are reported but connections are not refused.',
  fix: 'Switch `mode` to `enforce` once the dashboard shows no pin failures for the host.',
  check({ hosts }) {
    return hosts.flatMap((h) =>
      h.host.mode !== 'report'
        ? []
        : [
            finding(
              this,
              ['hosts', h.index, 'mode'],
              `${h.label} is in report mode: pin failures are reported but connections are not refused`,
              'switch mode to enforce once the dashboard shows no pin failures for this host',
            ),
          ],
    );
  },
};
