/**
 * Public contracts that live in two places — code and docs — and must not drift (fastify keeps its
 * error codes this way): every error code raised is documented, every documented code exists, and
 * every page the README links to is there.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// A wildcard mention such as `SNOWTRAIL_ERR_PROTOCOL_*` names a family, not a code.
const CODE = /SNOWTRAIL_ERR_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_*])/g;

function walk(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'testdata') return [];
    if (statSync(path).isDirectory()) return walk(path, keep);
    return keep(path) ? [path] : [];
  });
}

function codesIn(files: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files) for (const code of readFileSync(file, 'utf8').match(CODE) ?? []) if (!found.has(code)) found.set(code, relative(root, file));
  return found;
}

describe('error codes', () => {
  const sources = walk(join(root, 'packages'), (p) => p.includes('/src/') && p.endsWith('.ts') && !p.endsWith('.test.ts'));
  const docs = walk(join(root, 'docs', 'errors'), (p) => p.endsWith('.md'));
  const raised = codesIn(sources);
  const documented = codesIn(docs);

  it('finds codes on both sides', () => {
    expect(raised.size).toBeGreaterThan(10);
    expect(documented.size).toBeGreaterThan(10);
  });

  it('documents every code the source raises', () => {
    const missing = [...raised].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
  });

  it('documents no code the source does not have', () => {
    const stale = [...documented].filter(([code]) => !raised.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(stale).toEqual([]);
  });
});

describe('README', () => {
  it('links only to pages that exist', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(((?:docs|packages|charts)[^)#]*)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !existsSync(join(root, l)))).toEqual([]);
  });

  it('gives the two commands that CI and newcomers run', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('bash scripts/demo.sh');
    expect(readme).toContain('bash scripts/test.sh');
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toContain('scripts/test.sh');
  });
});
