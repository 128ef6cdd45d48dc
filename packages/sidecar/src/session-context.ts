/**
 * The session's current database and schema as the policy classifier wants them (unquoted values
 * upper-case, quoted ones in double quotes), tracked from `USE` statements and from the answers'
 * `finalDatabaseName`/`finalSchemaName` (which win when present).
 */
export interface TrackedContext {
  database?: string | undefined;
  schema?: string | undefined;
}

const PLAIN = /^[A-Z_][A-Z0-9_$]*$/;

/** Renders a name Snowflake reported (its stored form) as a context value. */
export function contextValueFromReported(name: string): string {
  return PLAIN.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Splits `a."b.c"` into its parts, keeping quotes on quoted parts. */
function splitDotted(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === '.' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

/** The context after a successful `USE` statement (`USE [DATABASE|SCHEMA] name`); unchanged for other USE forms. */
export function contextAfterUse(ctx: TrackedContext, statementText: string): TrackedContext {
  const m = /^\s*use\s+(?:(database|schema)\s+)?((?:"(?:[^"]|"")*"|[^\s;])+)\s*;?\s*$/i.exec(statementText.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, ''));
  if (!m) return ctx;
  const kind = m[1]?.toLowerCase();
  const name = m[2]!;
  if (!kind && /^(role|warehouse|secondary)$/i.test(name)) return ctx;
  const parts = splitDotted(name);
  if (kind === 'database' || (!kind && parts.length === 1)) return { database: parts[0], schema: 'PUBLIC' };
  if (parts.length >= 2) return { database: parts[0], schema: parts[1] };
  return { ...ctx, schema: parts[0] };
}

/**
 * The sidecar's own guard behind ADR 0020: when the config pins a role or warehouse, SQL cannot
 * switch away from it (`USE ROLE`, `USE SECONDARY ROLES`, `USE WAREHOUSE`). Returns the refusal
 * text, or undefined when the statement is fine.
 */
export function checkPinnedSwitch(statementText: string, pinned: { role?: string | undefined; warehouse?: string | undefined }): string | undefined {
  const text = statementText.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, '');
  const m = /^\s*use\s+(role|warehouse|secondary\s+roles)\s+((?:"(?:[^"]|"")*"|[^\s;])+)/i.exec(text);
  if (!m) return undefined;
  const what = m[1]!.toLowerCase().replace(/\s+/, ' ');
  const name = m[2]!;
  const same = (a: string, b: string) => (a.startsWith('"') ? a.slice(1, -1) : a.toUpperCase()) === (b.startsWith('"') ? b.slice(1, -1) : b.toUpperCase());
  if (what === 'secondary roles') return pinned.role !== undefined && name.toUpperCase() !== 'NONE' ? `this sidecar's sessions use role ${pinned.role} only; USE SECONDARY ROLES is not allowed` : undefined;
  const pin = what === 'role' ? pinned.role : pinned.warehouse;
  if (pin === undefined || same(name, pin)) return undefined;
  return `this sidecar's sessions use ${what} ${pin}; switching to ${name} is not allowed`;
}
