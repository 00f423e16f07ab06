// Loading the manifest a command works on, and naming positions in it.
import { parseManifest, type ManifestPath, type ParsedManifest } from '@qrpin/core';
import { readUserFile } from './files.ts';

/** The manifest file commands read when none is named. */
export const DEFAULT_MANIFEST = 'qrpin.yaml';

/** The `--manifest` option shared by commands that read one. */
export const manifestOption = { manifest: { type: 'string', short: 'm' } } as const;

/** Reads and parses the manifest, with coded errors naming file, line and column. */
export function loadManifest(cwd: string, path: string | undefined): ParsedManifest {
  const file = path ?? DEFAULT_MANIFEST;
  const text = readUserFile(cwd, file, 1024 * 1024 + 1).toString('utf8');
  return parseManifest(text, { file });
}

/** `file:line:column` for a path in the manifest, or the file alone. */
export function where(parsed: ParsedManifest, file: string, path: ManifestPath): string {
  const at = parsed.locate(path);
  return at === undefined ? file : `${file}:${at.line}:${at.column}`;
}

/** `hosts[0].pins[1]` for a path. */
export function formatPath(path: ManifestPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
