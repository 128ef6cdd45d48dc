import { describe, expect, it } from '@jest/globals';
import { asciiComments } from '../scripts/ascii-comments.js';

describe('asciiComments (the bundle is one byte a character for V8)', () => {
  it('rewrites non-ASCII characters in line, block and trailing comments, and nothing else', () => {
    const source = [
      '#!/usr/bin/env node',
      '// a dash — and an ellipsis …',
      '/* § block',
      ' * → arrow */',
      'const s = "\\u2014 // not a comment";',
      'const t = `${s} /* nor this — */`;',
      'const ok = s.length > 0 || // trailing ’s',
      '  t.length > 0;',
      'const r = /\\/\\/—/u;',
    ].join('\n');
    const { text, replaced, outside } = asciiComments(source);
    expect(text.split('\n')).toEqual([
      '#!/usr/bin/env node',
      '// a dash ? and an ellipsis ?',
      '/* ? block',
      ' * ? arrow */',
      'const s = "\\u2014 // not a comment";',
      'const t = `${s} /* nor this — */`;',
      'const ok = s.length > 0 || // trailing ?s',
      '  t.length > 0;',
      'const r = /\\/\\/—/u;',
    ]);
    expect(replaced).toBe(5);
    // The template literal and the regular expression keep theirs: they are code.
    expect(outside).toBe(2);
  });

  it('refuses text that is not a module rather than guess where its comments are', () => {
    expect(() => asciiComments('const = ;')).toThrow();
  });
});
