import { splitNameString } from './object-names.js';

/**
 * Object patterns in rules. A pattern is matched against the fully qualified names the classifier
 * produces, with Snowflake's identifier semantics:
 * - names `DB.SCHEMA.OBJECT`: split on dots (double quotes respected); an unquoted pattern part is
 *   folded to upper case and a quoted one kept, then compared exactly, so `RAW.PUBLIC.*` does not
 *   match `"raw"."public".t` (another object); `*` matches any characters within one part, a part
 *   that is exactly `**` matches any number of parts (zero or more);
 * - stages `@DB.SCHEMA.STAGE`: the same, after the `@` (`@~` for the user stage);
 * - locations `s3://bucket/path`: `*` matches within one path segment, `**` across segments; the
 *   scheme compares case-insensitively, the path exactly (object stores are case-sensitive); the
 *   engine's own namespaces (`session://`, `function://`, `unresolved://`, `account://`, …) hold
 *   folded identifiers and compare case-insensitively.
 *
 * `matchesIgnoringCase` is the loose comparison deny rules use: where the session may fold quoted
 * identifiers (`QUOTED_IDENTIFIERS_IGNORE_CASE` set on the account or user, which the sidecar cannot
 * see), `"raw"` may be `RAW`, so a deny rule errs on the side of matching.
 */

/** A compiled object pattern. */
export interface ObjectPattern {
  source: string;
  /** Exact match under Snowflake's identifier rules (allow rules). */
  matches(object: string): boolean;
  /** Case-insensitive match (deny rules). */
  matchesIgnoringCase(object: string): boolean;
}

/** Namespaces the engine itself renders (identifiers, folded): compared case-insensitively. */
const INTERNAL_SCHEMES = /^(session|function|unresolved|account|listing|external-volume):\/\//i;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function globPart(part: string, flags: string): RegExp {
  return new RegExp(`^${part.split('*').map(escapeRegex).join('.*')}$`, flags);
}

function isLocation(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

/** Match name parts against pattern parts, `**` spanning any number of parts. */
function matchParts(pattern: readonly (RegExp | '**')[], parts: readonly string[], pi = 0, ni = 0): boolean {
  if (pi === pattern.length) return ni === parts.length;
  const p = pattern[pi]!;
  if (p === '**') {
    for (let k = ni; k <= parts.length; k++) if (matchParts(pattern, parts, pi + 1, k)) return true;
    return false;
  }
  if (ni >= parts.length) return false;
  return p.test(parts[ni]!) && matchParts(pattern, parts, pi + 1, ni + 1);
}

function nameParts(name: string): string[] {
  return splitNameString(name).map((p) => p.value);
}

/** Compile one pattern; never throws (a malformed pattern simply matches what it literally says). */
export function compileObjectPattern(source: string): ObjectPattern {
  const trimmed = source.trim();
  if (isLocation(trimmed)) return compileLocationPattern(source, trimmed);
  const isStage = trimmed.startsWith('@');
  const body = isStage ? trimmed.slice(1) : trimmed;
  if (isStage && body === '~') return { source, matches: (o) => o === '@~', matchesIgnoringCase: (o) => o === '@~' };
  const parts = splitNameString(body);
  const exact = parts.map((p) => (!p.quoted && p.value === '**' ? ('**' as const) : globPart(p.value, 's')));
  const loose = parts.map((p) => (!p.quoted && p.value === '**' ? ('**' as const) : globPart(p.value, 'is')));
  const test = (compiled: readonly (RegExp | '**')[], object: string): boolean => {
    if (isLocation(object)) return false;
    const objIsStage = object.startsWith('@');
    if (objIsStage !== isStage) return false;
    const objBody = objIsStage ? object.slice(1) : object;
    if (objBody === '~') return false;
    return matchParts(compiled, nameParts(objBody));
  };
  return { source, matches: (o) => test(exact, o), matchesIgnoringCase: (o) => test(loose, o) };
}

/** A location pattern: the scheme (and the engine's own namespaces) case-insensitive, a real path exact. */
function compileLocationPattern(source: string, trimmed: string): ObjectPattern {
  const schemeEnd = trimmed.indexOf('://') + 3;
  const globbed = (s: string): string =>
    s
      .split(/(\*\*|\*)/)
      .map((x) => (x === '**' ? '.*' : x === '*' ? '[^/]*' : escapeRegex(x)))
      .join('');
  const loose = new RegExp(`^${globbed(trimmed)}$`, 'is');
  if (INTERNAL_SCHEMES.test(trimmed)) return { source, matches: (o) => isLocation(o) && loose.test(o), matchesIgnoringCase: (o) => isLocation(o) && loose.test(o) };
  const exact = new RegExp(`^${globbed(trimmed.slice(0, schemeEnd).toLowerCase() + trimmed.slice(schemeEnd))}$`, 's');
  const lowerScheme = (o: string): string => {
    const at = o.indexOf('://') + 3;
    return o.slice(0, at).toLowerCase() + o.slice(at);
  };
  return { source, matches: (o) => isLocation(o) && exact.test(lowerScheme(o)), matchesIgnoringCase: (o) => isLocation(o) && loose.test(o) };
}

/** Problems with a pattern that a policy author should fix (empty parts, unbalanced quotes). */
export function checkObjectPattern(source: string): string | undefined {
  const trimmed = source.trim();
  if (trimmed === '') return 'empty pattern';
  if (isLocation(trimmed)) return undefined;
  const body = trimmed.startsWith('@') ? trimmed.slice(1) : trimmed;
  if (body === '~') return undefined;
  if ((body.match(/"/g) ?? []).length % 2 !== 0) return 'unbalanced double quote';
  if (splitNameString(body).some((p) => p.value === '')) return 'empty name part';
  return undefined;
}
