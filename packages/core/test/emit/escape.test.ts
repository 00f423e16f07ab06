import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { QrpinError } from '@qrpin/core';
import {
  commentText,
  javaString,
  jsString,
  kotlinString,
  shellQuote,
  swiftString,
  xmlComment,
  xmlText,
} from '../../src/emit/lib/escape.ts';
import { HOSTILE_PROJECT } from './fixture.ts';
import { run, runOk, tempDir } from '../helpers/tls.ts';

const NASTY = [
  HOSTILE_PROJECT,
  '\\u000a"; System.exit(1); //',
  '\\u0022 and \\\\u0022',
  '*/ class X {} /*',
  '${process.exit(1)} $x `y`',
  "it's \t tab",
  'emoji 😀 é ß',
  '\u0001\u0007\u001f\u007f',
  '',
];

describe('escaping for the generated files', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  before(async () => {
    dir = await tempDir('qrpin-escape-');
  });
  after(async () => {
    await dir?.remove();
  });

  it('javaString: javac reads back every string exactly (Unicode escapes never become raw line breaks)', async () => {
    const values = [...NASTY, 'nul \u0000 inside'];
    await writeFile(
      join(dir.dir, 'Lit.java'),
      `public final class Lit {
    static final String[] VALUES = {
${values.map((v) => `        ${javaString(v)},`).join('\n')}
    };
    public static void main(String[] args) {
        for (String v : VALUES) {
            StringBuilder out = new StringBuilder("[");
            for (int i = 0; i < v.length(); i++) out.append(i == 0 ? "" : ",").append((int) v.charAt(i));
            System.out.println(out.append("]"));
        }
    }
}
`,
    );
    await runOk('javac', ['-d', dir.dir, join(dir.dir, 'Lit.java')]);
    const lines = (await runOk('java', ['-cp', dir.dir, 'Lit'])).trim().split('\n');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line) as number[]),
      values.map((v) => Array.from({ length: v.length }, (_, i) => v.charCodeAt(i))),
    );
  });

  it('jsString: JavaScript reads back every string exactly', () => {
    for (const value of [...NASTY, '\u2028\u2029']) {
      const literal = jsString(value);
      assert.doesNotMatch(literal, /[\n\r\u2028\u2029]/);
      assert.equal(runInNewContext(literal), value);
    }
  });

  it('shellQuote: sh passes every string through as one word', async () => {
    // A NUL byte cannot be part of a command-line word at all.
    for (const value of NASTY.filter((v) => !v.includes('\u0000'))) {
      const result = await run('sh', ['-c', `printf '%s' ${shellQuote(value)}`]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, value);
    }
  });

  it('xmlText: xmllint reads back text with markup, quotes and line breaks', async () => {
    const value = '</x>&amp;<!-- --> "quoted" \'single\' ]]> é\nline';
    const file = join(dir.dir, 'text.xml');
    await writeFile(file, `<a v="${xmlText('a"b<c>&d\'e')}">${xmlText(value)}</a>\n`);
    assert.equal(await runOk('xmllint', ['--xpath', 'string(/a)', file]), `${value}\n`);
    assert.equal(await runOk('xmllint', ['--xpath', 'string(/a/@v)', file]), 'a"b<c>&d\'e\n');
  });

  it('xmlText: refuses characters XML cannot carry at all', () => {
    assert.throws(
      () => xmlText('bell \u0007'),
      (err: unknown) => err instanceof QrpinError && err.code === 'ERR_POLICY_INVALID',
    );
  });

  it('xmlComment: xmllint sees one comment whatever the text', async () => {
    const file = join(dir.dir, 'comment.xml');
    await writeFile(file, `<?xml version="1.0"?>\n${NASTY.map(xmlComment).join('\n')}\n<root/>\n`);
    const lint = await run('xmllint', ['--noout', file]);
    assert.equal(lint.code, 0, lint.stderr);
    assert.equal(
      (await runOk('xmllint', ['--xpath', 'count(/comment())', file])).trim(),
      String(NASTY.length),
    );
    for (const value of NASTY) assert.doesNotMatch(xmlComment(value).slice(4, -3), /--/);
  });

  it('commentText: keeps printable ASCII and spells everything else as U+XXXX', () => {
    assert.equal(commentText('a"b */ ${x}'), 'a"b */ ${x}');
    assert.equal(commentText('line\nbreak\\u000a é\u2028'), 'lineU+000AbreakU+005Cu000a U+00E9U+2028');
    for (const value of NASTY) assert.match(commentText(value), /^[\x20-\x5b\x5d-\x7e]*$/);
  });

  const kotlin: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['$name ${x}', '"\\$name \\${x}"'],
    ['q"b\\', '"q\\"b\\\\"'],
    ['a\nb\r\t', '"a\\nb\\r\\t"'],
    ['é\u0001😀', '"\\u00E9\\u0001\\uD83D\\uDE00"'],
  ];
  for (const [input, expected] of kotlin) {
    it(`kotlinString writes ${JSON.stringify(input)} as ${expected}`, () => {
      assert.equal(kotlinString(input), expected);
    });
  }

  const swift: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['\\(x)', '"\\\\(x)"'],
    ['q"b', '"q\\"b"'],
    ['a\nb\r\t', '"a\\nb\\r\\t"'],
    ['é\u0000😀', '"\\u{E9}\\u{0}\\u{1F600}"'],
  ];
  for (const [input, expected] of swift) {
    it(`swiftString writes ${JSON.stringify(input)} as ${expected}`, () => {
      assert.equal(swiftString(input), expected);
    });
  }
});
