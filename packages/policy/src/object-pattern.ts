import { splitNameString } from './object-names.js';

/**
 * Object patterns in rules. A pattern is matched against the fully qualified names the classifier
 * produces, case-insensitively:
 * - names `DB.SCHEMA.OBJECT`: split on dots (double quotes respected); `*` matches any characters
 *   within one part, a part that is exactly `**` matches any number of parts (zero or more);
 * - stages `@DB.SCHEMA.STAGE`: the same, after the `@` (`@~` for the user stage);
 * - locations `s3://bucket/path`: `*` matches within one path segment, `**` across segments.
 */

/** A compiled object pattern. */
export interface ObjectPattern {
  source: string;
  matches(object: string): boolean;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function globPart(part: string): RegExp {
  return new RegExp(`^${part.split('*').map(escapeRegex).join('.*')}$`, 'is');
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
  if (isLocation(trimmed)) {
    const re = new RegExp(
      `^${trimmed
        .split(/(\*\*|\*)/)
        .map((s) => (s === '**' ? '.*' : s === '*' ? '[^/]*' : escapeRegex(s)))
        .join('')}$`,
      'is',
    );
    return { source, matches: (o) => isLocation(o) && re.test(o) };
  }
  const isStage = trimmed.startsWith('@');
  const body = isStage ? trimmed.slice(1) : trimmed;
  if (isStage && body === '~') return { source, matches: (o) => o === '@~' };
  const compiled = splitNameString(body).map((p) => (!p.quoted && p.value === '**' ? ('**' as const) : globPart(p.value)));
  return {
    source,
    matches(object: string): boolean {
      if (isLocation(object)) return false;
      const objIsStage = object.startsWith('@');
      if (objIsStage !== isStage) return false;
      const objBody = objIsStage ? object.slice(1) : object;
      if (objBody === '~') return false;
      return matchParts(compiled, nameParts(objBody));
    },
  };
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
