/**
 * Reads manifest text into plain data while keeping every node's position (internal).
 *
 * The reader is defensive: it refuses control characters and damaged UTF-8, YAML errors and
 * warnings, duplicate keys, unresolved or self-referencing aliases, alias bombs ("billion laughs")
 * and nesting deep enough to exhaust the stack, each with a `file:line:column`.
 */
import {
  type Alias,
  type Document,
  LineCounter,
  type Node,
  type YAMLError,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
} from 'yaml';
import { ManifestError, type ManifestErrorCode, type ManifestIssue } from './error.ts';
import { manifestLimits } from './limits.ts';
import type { ManifestPath } from './model.ts';

/** A 1-based position in the manifest text. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** The manifest as data, and a way back from a path to where it was written. */
export interface YamlSource {
  readonly data: unknown;
  /** Where the value at `path` starts (or its key, with `atKey`), or `undefined` when absent. */
  locate(path: ManifestPath, atKey?: boolean): TextPosition | undefined;
  /** Like `locate`, but falls back to the nearest ancestor that exists. */
  locateNearest(path: ManifestPath, atKey?: boolean): TextPosition;
}

/** Most issues kept from one YAML parse (a broken file can produce thousands). */
const MAX_SYNTAX_ISSUES = 50;

/** The position of `offset` in `text`, counting lines by `\n` and columns in UTF-16 units. */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function fail(
  code: ManifestErrorCode,
  file: string | undefined,
  issues: ManifestIssue[],
  cause?: unknown,
): never {
  throw new ManifestError(code, file, issues, cause === undefined ? {} : { cause });
}

function describeCodePoint(code: number): string {
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  if (code === 0) return 'a NUL character (U+0000)';
  if (code >= 0xd800 && code <= 0xdfff) return `a lone surrogate (U+${hex})`;
  return `the control character U+${hex}`;
}

/**
 * Refuses characters YAML does not allow in a stream (C0/C1 controls other than tab, newline and
 * carriage return, lone surrogates, U+FFFE/U+FFFF), and U+FFFD, the mark left by bytes that were
 * not valid UTF-8 when the file was decoded.
 *
 * @see https://yaml.org/spec/1.2.2/#51-character-set
 */
export function checkCharacters(text: string, file: string | undefined): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue;
    if (c === 0x09 || c === 0x0a || c === 0x0d || c === 0x85) continue;
    if (c >= 0xa0 && c < 0xd800) continue;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    } else if (c >= 0xe000 && c <= 0xfffc) continue;
    const { line, column } = positionAt(text, i);
    const message =
      c === 0xfffd
        ? 'the manifest holds U+FFFD, the replacement character left where bytes were not valid UTF-8; save the file as UTF-8'
        : c === 0xfffe || c === 0xffff
          ? `the manifest holds the non-character U+${c.toString(16).toUpperCase()}; is it UTF-16? Save it as UTF-8`
          : `the manifest holds ${describeCodePoint(c)}, which YAML does not allow; save it as plain UTF-8 text`;
    fail('ERR_MANIFEST_SYNTAX', file, [{ path: [], message, line, column }]);
  }
}

/** One sentence for a YAML error, with the fix when the cause is a common one. */
function describeYamlError(error: YAMLError, text: string, json: boolean): string {
  const syntax = json ? 'JSON syntax error' : 'YAML syntax error';
  const detail = error.message.replace(/\s+/g, ' ').trim();
  switch (error.code) {
    case 'DUPLICATE_KEY': {
      const raw =
        /^(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^:,{}[\]\n#]*)/.exec(text.slice(error.pos[0]))?.[0] ?? '';
      const key = raw
        .trim()
        .replace(/^(["'])(.*)\1$/, '$2')
        .slice(0, 60);
      return `the key ${JSON.stringify(key)} appears twice in the same mapping; keep one`;
    }
    case 'TAB_AS_INDENT':
      return 'a tab is used for indentation; YAML indents with spaces only';
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (a second "---"); a manifest is one document';
    case 'TAG_RESOLVE_FAILED':
      return json
        ? `${syntax}: ${detail}; JSON strings and keys need double quotes`
        : `${detail}; a manifest uses no YAML tags (!…), write plain values`;
    default:
      return `${syntax}: ${detail.charAt(0).toLowerCase()}${detail.slice(1)}`;
  }
}

/** Reads `text` (already size-checked) as one YAML or JSON document. Throws {@link ManifestError}. */
export function readYaml(text: string, file: string | undefined): YamlSource {
  checkCharacters(text, file);
  const json = /^\s*\{/.test(text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    merge: false,
    version: '1.2',
    schema: json ? 'json' : 'core',
    resolveKnownTags: false,
    logLevel: 'error',
  });
  const position = (offset: number): TextPosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const problems = [...doc.errors, ...doc.warnings];
  const exhausted = problems.find((e) => e.code === 'RESOURCE_EXHAUSTION');
  if (exhausted !== undefined) {
    fail(
      'ERR_MANIFEST_TOO_LARGE',
      file,
      [
        {
          path: [],
          message: `the manifest nests lists or mappings too deeply to read (the limit is ${manifestLimits.maxDepth} levels)`,
          ...position(exhausted.pos[0]),
        },
      ],
      exhausted,
    );
  }
  if (problems.length > 0) {
    const seen = new Set<string>();
    const issues: ManifestIssue[] = [];
    for (const error of problems) {
      const issue = { path: [], message: describeYamlError(error, text, json), ...position(error.pos[0]) };
      const key = `${issue.line}:${issue.column}:${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
      if (issues.length >= MAX_SYNTAX_ISSUES) break;
    }
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    fail('ERR_MANIFEST_SYNTAX', file, issues);
  }

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    fail('ERR_MANIFEST_INVALID', file, [
      {
        path: [],
        message: 'the manifest is empty; run `qrpin init` to write a commented starter manifest',
        line: 1,
        column: 1,
      },
    ]);
  }
  if (!isMap(root)) {
    const got = isSeq(root)
      ? 'a list'
      : isAlias(root)
        ? 'an alias'
        : `the single value ${JSON.stringify(String(root.toJSON())).slice(0, 60)}`;
    fail('ERR_MANIFEST_INVALID', file, [
      {
        path: [],
        message: `the manifest must be a mapping of fields (version, project, destinations, hosts, …), got ${got}`,
        ...position(root.range?.[0] ?? 0),
      },
    ]);
  }

  const aliasTargets = checkStructure(doc, file, position);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: manifestLimits.maxAliases });
  } catch (err) {
    fail(
      'ERR_MANIFEST_ALIASES',
      file,
      [
        {
          path: [],
          message: `the manifest's aliases expand too far: ${(err as Error).message}`,
          line: 1,
          column: 1,
        },
      ],
      err,
    );
  }

  const find = (path: ManifestPath): { node: unknown; key: Node | undefined } | undefined => {
    let node: unknown = root;
    let key: Node | undefined;
    for (const segment of path) {
      if (isAlias(node)) node = aliasTargets.get(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) return undefined;
        key = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        if (segment < 0 || segment >= node.items.length) return undefined;
        node = node.items[segment];
        key = undefined;
      } else return undefined;
    }
    return { node, key };
  };
  const startOf = (node: unknown): TextPosition | undefined => {
    const range = (node as Node | null | undefined)?.range;
    // An empty value (`fallback:` with nothing after it) has an empty range: point at the key.
    return range === undefined || range === null || range[0] === range[1] ? undefined : position(range[0]);
  };
  const locate = (path: ManifestPath, atKey = false): TextPosition | undefined => {
    const found = find(path);
    if (found === undefined) return undefined;
    const preferred = atKey ? startOf(found.key) : startOf(found.node);
    return preferred ?? startOf(found.key) ?? startOf(found.node);
  };
  return {
    data,
    locate,
    locateNearest(path, atKey = false) {
      for (let n = path.length; n >= 0; n--) {
        const at = locate(path.slice(0, n), atKey && n === path.length);
        if (at !== undefined) return at;
      }
      return { line: 1, column: 1 };
    },
  };
}

/**
 * Walks the document once, in document order, and refuses what would make converting it to
 * data dangerous: nesting deeper than the limit (aliases expanded), too many aliases, aliases to
 * no anchor or to their own ancestor, and expansion beyond the limit. Returns each alias's target.
 */
function checkStructure(
  doc: Document,
  file: string | undefined,
  position: (offset: number) => TextPosition,
): Map<Alias, Node> {
  const { maxDepth, maxAliases, maxAliasExpansion } = manifestLimits;
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  const measured = new Map<Node, { size: number; height: number }>();
  const ancestors = new Set<Node>();
  let aliases = 0;
  let expansion = 0;
  const at = (node: Node) => position(node.range?.[0] ?? 0);

  const measure = (node: unknown): { size: number; height: number } => {
    if (isAlias(node)) return measure(targets.get(node));
    if (!isMap(node) && !isSeq(node)) return { size: 1, height: 1 };
    const known = measured.get(node);
    if (known !== undefined) return known;
    let size = 1;
    let height = 0;
    for (const item of node.items) {
      const children: unknown[] = isMap(node)
        ? [(item as { key: unknown }).key, (item as { value: unknown }).value]
        : [item];
      for (const child of children) {
        const m = measure(child);
        size += m.size;
        height = Math.max(height, m.height);
      }
    }
    const result = { size, height: height + 1 };
    measured.set(node, result);
    return result;
  };

  const tooDeep = (node: Node): never =>
    fail('ERR_MANIFEST_TOO_LARGE', file, [
      {
        path: [],
        message: `the manifest nests lists or mappings more than ${maxDepth} levels deep (aliases expanded)`,
        ...at(node),
      },
    ]);

  const walk = (value: unknown, depth: number): void => {
    if (value === null || value === undefined) return;
    const node = value as Node;
    if (depth > maxDepth) tooDeep(node);
    if (isAlias(node)) {
      aliases++;
      if (aliases > maxAliases) {
        fail('ERR_MANIFEST_ALIASES', file, [
          {
            path: [],
            message: `the manifest uses more than ${maxAliases} YAML aliases (*name); write the values out`,
            ...at(node),
          },
        ]);
      }
      const target = anchors.get(node.source);
      if (target === undefined) {
        const written = `*${node.source}`;
        const hint = /^[*.]/.test(node.source)
          ? `; a value that starts with "*" is read as an alias, so quote host patterns: '${written}'`
          : '; define the anchor (&name) before using it';
        fail('ERR_MANIFEST_SYNTAX', file, [
          {
            path: [],
            message: `the alias ${JSON.stringify(written)} refers to no anchor${hint}`,
            ...at(node),
          },
        ]);
      }
      if (ancestors.has(target)) {
        fail('ERR_MANIFEST_ALIASES', file, [
          {
            path: [],
            message: `the alias "*${node.source}" refers to a value that contains it, which never ends`,
            ...at(node),
          },
        ]);
      }
      targets.set(node, target);
      const { size, height } = measure(target);
      if (depth + height - 1 > maxDepth) tooDeep(node);
      expansion += size;
      if (expansion > maxAliasExpansion) {
        fail('ERR_MANIFEST_ALIASES', file, [
          {
            path: [],
            message: `the manifest's aliases expand to more than ${maxAliasExpansion} extra values (an alias bomb?); write the values out`,
            ...at(node),
          },
        ]);
      }
      return;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor !== undefined) anchors.set(anchor, node);
    if (isMap(node)) {
      ancestors.add(node);
      for (const pair of node.items) {
        if (pair.key !== null && !isScalar(pair.key)) {
          fail('ERR_MANIFEST_SYNTAX', file, [
            {
              path: [],
              message: 'a mapping key must be a plain name, not a list, mapping or alias',
              ...at(pair.key as Node),
            },
          ]);
        }
        walk(pair.key, depth + 1);
        walk(pair.value, depth + 1);
      }
      ancestors.delete(node);
    } else if (isSeq(node)) {
      ancestors.add(node);
      for (const item of node.items) walk(item, depth + 1);
      ancestors.delete(node);
    }
  };
  walk(doc.contents, 1);
  return targets;
}
