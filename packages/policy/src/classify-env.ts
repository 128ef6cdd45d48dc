import type { ClassifiedStatement, StatementBuilder } from './classified-statement.js';
import type { SessionContext } from './object-names.js';
import type { Token } from './tokenizer.js';

/** What a statement handler gets: the statement's tokens, the session context and recursion hooks. */
export interface ClassifyEnv {
  /** The full source text the tokens' offsets point into. */
  sql: string;
  /** The statement's tokens (no comments, no separating `;`). */
  tokens: readonly Token[];
  ctx: SessionContext;
  b: StatementBuilder;
  /** Classify SQL text found inside this statement (a literal body), one nesting level deeper. */
  classifyText(text: string): ClassifiedStatement[];
  /** Classify a sub-range of this statement's tokens as a statement of its own (in `ctx`, default the statement's). */
  classifyRange(start: number, end: number, ctx?: SessionContext): ClassifiedStatement;
}

/** The source text of tokens [start, end) of the statement. */
export function textOf(env: ClassifyEnv, start: number, end: number): string {
  const first = env.tokens[start];
  const last = env.tokens[end - 1];
  if (first === undefined || last === undefined || end <= start) return '';
  return env.sql.slice(first.start, last.end);
}
