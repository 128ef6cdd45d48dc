/**
 * V8 keeps a script's source for as long as the script lives, one byte a character when every
 * character is ASCII and two bytes a character otherwise. esbuild escapes non-ASCII characters in
 * the code it prints, but not in the comments it keeps, so a handful of `—` or `…` in comments
 * doubled the memory of the bundle's source (about 12 MiB more in every process it runs). This
 * rewrites the characters inside comments, and only there, to `?`.
 */
import { parse } from 'acorn';

/** What asciiComments did. */
export interface AsciiCommentsResult {
  text: string;
  /** Characters changed (inside comments). */
  replaced: number;
  /** Non-ASCII characters left outside comments (in code, where they are meaningful). */
  outside: number;
}

const NON_ASCII = /[\u0080-\uffff]/g;

/** Replaces every non-ASCII character inside a comment of an ES module with `?` (pure). */
export function asciiComments(source: string): AsciiCommentsResult {
  const comments: [number, number][] = [];
  parse(source, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    allowHashBang: true,
    onComment: (_isBlock, _text, start, end) => void comments.push([start, end]),
  });
  let text = '';
  let replaced = 0;
  let last = 0;
  for (const [start, end] of comments) {
    text += source.slice(last, start);
    text += source.slice(start, end).replace(NON_ASCII, () => {
      replaced++;
      return '?';
    });
    last = end;
  }
  text += source.slice(last);
  return { text, replaced, outside: (text.match(NON_ASCII) ?? []).length };
}
