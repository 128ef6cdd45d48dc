import { describe, expect, it } from '@jest/globals';
import { classifySql } from './classify.js';
import type { ClassifiedStatement } from './classified-statement.js';
import { CORPUS, CORPUS_CONTEXT, type ExpectedStatement } from './testdata/corpus.js';
import { tokenize } from './tokenizer.js';

/**
 * Metamorphic test: obfuscating a corpus statement the ways an attacker would — random keyword and
 * identifier case, and random whitespace, line breaks and comments between tokens — must not change
 * its classification. Strings, quoted identifiers, stage and file paths are left intact (changing
 * them changes the statement). Texts whose lexing is ambiguous are skipped: there, inserting a
 * comment can legitimately change the alternative reading.
 */

function shape(s: ClassifiedStatement): ExpectedStatement {
  const out: ExpectedStatement = { class: s.class, reads: [...s.reads].sort(), writes: [...s.writes].sort() };
  if (s.via) out.via = s.via;
  if (s.dynamic) out.dynamic = true;
  if (s.changesSearchPath) out.changesSearchPath = true;
  if (s.inner) out.inner = s.inner.map(shape);
  return out;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32;
  };
}

const SEPARATORS = [' ', '\n', '\t', '  \n\t ', ' /* x */ ', ' /**/ ', ' -- note\n', '\r\n', ' // c\n', '\n\n'];

function obfuscate(sql: string, rnd: () => number): string {
  const { tokens } = tokenize(sql);
  let out = sql.slice(0, tokens[0]?.start ?? sql.length);
  let prevEnd = tokens[0]?.start ?? sql.length;
  for (const t of tokens) {
    const gap = sql.slice(prevEnd, t.start);
    // keep gaps that hold comments as they are; reshape plain whitespace (or nothing) between tokens
    if (/^\s*$/.test(gap) && (gap !== '' || rnd() < 0.3)) out += SEPARATORS[Math.floor(rnd() * SEPARATORS.length)];
    else out += gap;
    out += t.kind === 'word' ? [...t.text].map((ch) => (rnd() < 0.5 ? ch.toLowerCase() : ch.toUpperCase())).join('') : t.text;
    prevEnd = t.end;
  }
  return out + sql.slice(prevEnd);
}

describe('classification is invariant under obfuscation', () => {
  const cases = CORPUS.filter((c) => !tokenize(c.sql).ambiguous);

  it('covers most of the corpus', () => {
    expect(cases.length).toBeGreaterThan(CORPUS.length * 0.9);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const rnd = prng(c.name.split('').reduce((h, ch) => h * 31 + ch.charCodeAt(0), 7));
    for (let variant = 0; variant < 3; variant++) {
      const sql = obfuscate(c.sql, rnd);
      expect({ sql, statements: classifySql(sql, c.ctx ?? CORPUS_CONTEXT).map(shape) }).toEqual({ sql, statements: c.statements });
    }
  });
});
