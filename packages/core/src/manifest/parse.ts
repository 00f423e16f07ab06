/**
 * Reading a manifest (`qrpin.yaml`, JSON accepted): bounded, positioned, and validated against
 * the one schema, with every problem reported at once as `file:line:column: message`.
 */
import { ManifestError, type ManifestIssue } from './error.ts';
import { describeIssue } from './format-issue.ts';
import { manifestLimits } from './limits.ts';
import type { Manifest, ManifestPath } from './model.ts';
import { manifestSchema } from './schema.ts';
import { positionAt, readYaml, type TextPosition, type YamlSource } from './yaml-source.ts';

/** Options for {@link parseManifest}. */
export interface ParseManifestOptions {
  /** The file name used in messages (`qrpin.yaml:12:7: …`). Defaults to `manifest`. */
  readonly file?: string;
  /** Largest input accepted, in UTF-8 bytes. Defaults to 1 MiB. */
  readonly maxBytes?: number;
}

/** A schema-valid manifest and the way back to where each of its values was written. */
export interface ParsedManifest {
  /** The manifest with defaults applied (`backupPins: []`, `mode: 'enforce'`, `signingKeys: []`). */
  readonly manifest: Manifest;
  /**
   * The 1-based line and column where the value at `path` was written (its key, if the value is
   * empty), or `undefined` when the path is not in the file (e.g. a defaulted field).
   */
  locate(path: ManifestPath): TextPosition | undefined;
  /** The file name given in the options, if any. */
  readonly file?: string | undefined;
}

function tooLarge(file: string | undefined, size: number, maxBytes: number): never {
  throw new ManifestError('ERR_MANIFEST_TOO_LARGE', file, [
    {
      path: [],
      message: `the manifest is ${size} bytes, over the limit of ${maxBytes} bytes`,
      line: 1,
      column: 1,
    },
  ]);
}

/** Decodes UTF-8 bytes, refusing damaged ones with their position. */
function decode(bytes: Uint8Array, file: string | undefined): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    const lenient = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const { line, column } = positionAt(lenient, Math.max(0, lenient.indexOf('\uFFFD')));
    throw new ManifestError(
      'ERR_MANIFEST_SYNTAX',
      file,
      [{ path: [], message: 'the manifest is not valid UTF-8; save it as UTF-8 text', line, column }],
      { cause: err },
    );
  }
}

/**
 * Parses and validates a manifest written in YAML or JSON (JSON is detected by a leading `{`
 * and read with positions too). Refuses, with a {@link ManifestError} listing every problem:
 *
 * - input over `maxBytes` (1 MiB) or nested deeper than 64 levels — `ERR_MANIFEST_TOO_LARGE`;
 * - YAML alias bombs, self-referencing aliases, more than 100 aliases — `ERR_MANIFEST_ALIASES`;
 * - syntax errors, tabs used for indentation, duplicate keys, YAML tags, control characters,
 *   damaged UTF-8 — `ERR_MANIFEST_SYNTAX`;
 * - an empty file, a top level that is not a mapping, and every schema problem (unknown fields
 *   with a "did you mean", wrong types, missing fields, bad enum values, impossible dates,
 *   duplicate ids, limits) — `ERR_MANIFEST_INVALID`.
 *
 * Pins and host patterns are not parsed here: run `lintManifest` to check them.
 *
 * @example
 * ```ts
 * const parsed = parseManifest(readFileSync('qrpin.yaml', 'utf8'), { file: 'qrpin.yaml' });
 * parsed.manifest.hosts[0]?.pattern;       // 'promo.example.com'
 * parsed.locate(['hosts', 0, 'pins', 1]);  // { line: 14, column: 9 }
 * ```
 */
export function parseManifest(
  input: string | Uint8Array,
  options: ParseManifestOptions = {},
): ParsedManifest {
  const { file } = options;
  const maxBytes = options.maxBytes ?? manifestLimits.maxBytes;
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes) tooLarge(file, Buffer.byteLength(input, 'utf8'), maxBytes);
    const size = Buffer.byteLength(input, 'utf8');
    if (size > maxBytes) tooLarge(file, size, maxBytes);
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes) tooLarge(file, input.byteLength, maxBytes);
    text = decode(input, file);
  } else {
    throw new ManifestError('ERR_MANIFEST_INVALID', file, [
      { path: [], message: `the manifest must be text or bytes, got ${typeof input}`, line: 1, column: 1 },
    ]);
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  let source: YamlSource;
  try {
    source = readYaml(text, file);
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    // The YAML library reports its own stack exhaustion, but a last guard keeps every failure
    // of this function a ManifestError.
    const deep = err instanceof RangeError;
    throw new ManifestError(
      deep ? 'ERR_MANIFEST_TOO_LARGE' : 'ERR_MANIFEST_SYNTAX',
      file,
      [
        {
          path: [],
          message: deep
            ? `the manifest nests too deeply to read (the limit is ${manifestLimits.maxDepth} levels)`
            : `the manifest could not be read: ${String((err as Error)?.message ?? err)}`,
          line: 1,
          column: 1,
        },
      ],
      { cause: err },
    );
  }

  const result = manifestSchema.safeParse(source.data, { reportInput: true });
  if (!result.success) {
    const issues: ManifestIssue[] = result.error.issues
      .flatMap((issue) => describeIssue(issue))
      .map((problem) => ({
        path: problem.path,
        message: problem.message,
        ...source.locateNearest(problem.path, problem.atKey),
      }))
      .sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ManifestError('ERR_MANIFEST_INVALID', file, issues);
  }
  return {
    manifest: result.data,
    locate: (path) => source.locate(path),
    ...(file === undefined ? {} : { file }),
  };
}
