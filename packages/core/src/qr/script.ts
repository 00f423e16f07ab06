/**
 * Unicode scripts of host labels, for the spoofing checks browsers make on IDN hosts.
 *
 * A label may use one script, or one of the combinations UTS #39 "highly restrictive" allows
 * (Latin with Han and Japanese kana, with Han and Bopomofo, with Han and Hangul). Beyond that, a
 * label wholly in Cyrillic, Greek or Armenian made only of letters that look Latin (`аррӏе`) is a
 * whole-script confusable.
 *
 * @see https://www.unicode.org/reports/tr39/#Restriction_Level_Detection
 * @see https://chromium.googlesource.com/chromium/src/+/main/docs/idn.md
 */

const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Cherokee',
  'Canadian_Aboriginal',
  'Han',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Hangul',
  'Yi',
  'Vai',
  'Tifinagh',
  'Nko',
  'Runic',
  'Ogham',
  'Coptic',
  'Glagolitic',
  'Lisu',
  'Osage',
  'Deseret',
  'Gothic',
] as const;

const MATCHERS: ReadonlyArray<[string, RegExp]> = SCRIPTS.map((s) => [
  s.replace('_', ' '),
  new RegExp(`^\\p{Script=${s}}$`, 'u'),
]);
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

const ALLOWED_SETS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** Letters of other scripts that look like lower-case Latin letters. */
const LATIN_LOOKALIKES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['Cyrillic', new Set([...'асԁеһіјӏорԛѕԝхуьгпѵүҽкԍѡԗӓӧ'])],
  ['Greek', new Set([...'αεικνορυχγϲτ'])],
  ['Armenian', new Set([...'օսհոցզ'])],
]);

/** The scripts of a label's letters, Common and Inherited characters (digits, hyphen, marks) left out. */
export function labelScripts(label: string): string[] {
  const found: string[] = [];
  for (const ch of label) {
    if (ch.charCodeAt(0) < 0x80 && !/[a-zA-Z]/.test(ch)) continue;
    if (NEUTRAL.test(ch)) continue;
    const script = MATCHERS.find(([, re]) => re.test(ch))?.[0] ?? 'another script';
    if (!found.includes(script)) found.push(script);
  }
  return found;
}

/** True when a label's scripts are more than one and not one of the allowed CJK combinations. */
export function isMixedScript(scripts: readonly string[]): boolean {
  if (scripts.length <= 1) return false;
  return !ALLOWED_SETS.some((set) => scripts.every((s) => set.has(s)));
}

/**
 * The script of a label written wholly in a script other than Latin whose letters all look Latin,
 * or undefined.
 */
export function wholeScriptConfusable(label: string, scripts: readonly string[]): string | undefined {
  if (scripts.length !== 1) return undefined;
  const script = scripts[0] as string;
  const lookalikes = LATIN_LOOKALIKES.get(script);
  if (lookalikes === undefined) return undefined;
  for (const ch of label) {
    if (ch === '-' || (ch >= '0' && ch <= '9')) continue;
    if (!lookalikes.has(ch)) return undefined;
  }
  return script;
}
