/** Collects the findings of one classification. */
import type { QrFindingCode } from '../findings.ts';
import type { QrFinding, QrFindingSeverity } from '../types.ts';

/** Everything a kind parser needs besides the text: the options and where findings go. */
export interface QrContext {
  readonly allowPrivateHosts: boolean;
  readonly findings: FindingList;
}

/** An ordered list of findings without exact duplicates. */
export class FindingList {
  readonly items: QrFinding[] = [];

  add(code: QrFindingCode, severity: QrFindingSeverity, message: string): void {
    if (this.items.some((f) => f.code === code && f.message === message)) return;
    this.items.push({ code, severity, message });
  }

  has(code: QrFindingCode): boolean {
    return this.items.some((f) => f.code === code);
  }
}
