/**
 * Public contracts that live in two places — code and docs — and must not drift (fastify keeps its
 * error codes this way): every error code raised is documented, every documented code exists, and
 * every page the README links to is there, and no Markdown file, chart value or source comment names a
 * page or ADR the repository does not have.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

/**
 * Every file of the repository under `dir` that `keep` accepts: what git tracks or would track
 * (ignored folders such as node_modules, .tools and the drivers' caches hold other projects' docs),
 * outside test fixtures.
 */
function walkRepo(dir: string, keep: (path: string) => boolean): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return listed
    .split('\0')
    .filter((name) => name !== '' && !name.split('/').includes('testdata'))
    .map((name) => join(dir, name))
    .filter((path) => existsSync(path) && keep(path));
}

/** GitHub's anchor of a Markdown heading: lower-case, punctuation and backticks dropped, spaces to dashes. */
function headingAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (outside code blocks). */
function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1]!)));
}

/** `[text](file.md#anchor)` links into the repository's Markdown files, as [file, anchor]. */
function anchoredLinks(markdown: string): [string, string][] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)].filter((m) => !/^[a-z][a-z0-9+.-]*:/i.test(m[1]!)).map((m) => [m[1]!, m[2]!]);
}

/** Markdown link targets `[text](target)` that point into the repository (not URLs, not bare anchors). */
function relativeLinkTargets(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'))
    .map((t) => decodeURIComponent(t.split('#')[0]!));
}

const markdown = walkRepo(root, (p) => p.endsWith('.md'));
const ADR_DIR = join(root, 'docs', 'adr');
const adrNumbers = new Set(readdirSync(ADR_DIR).map((f) => /^(\d{4})-/.exec(f)?.[1]).filter((n): n is string => n !== undefined));

describe('links', () => {
  it('finds the Markdown files', () => {
    expect(markdown.length).toBeGreaterThan(30);
  });

  it('resolves every relative link in every Markdown file', () => {
    const dead = markdown.flatMap((file) =>
      relativeLinkTargets(readFileSync(file, 'utf8'))
        .filter((target) => !existsSync(resolve(dirname(file), target)))
        .map((target) => `${relative(root, file)} -> ${target}`),
    );
    expect(dead).toEqual([]);
  });

  it('finds the heading every #anchor of a Markdown link points to', () => {
    const dead = markdown.flatMap((file) =>
      anchoredLinks(readFileSync(file, 'utf8'))
        .map(([path, anchor]) => ({ target: path ? resolve(dirname(file), path) : file, path, anchor }))
        .filter(({ target }) => target.endsWith('.md') && existsSync(target))
        .filter(({ target, anchor }) => !anchorsOf(target).has(anchor))
        .map(({ path, anchor }) => `${relative(root, file)} -> ${path}#${anchor}`),
    );
    expect(dead).toEqual([]);
  });

  it('resolves every docs/ path named in the chart, the sources and the scripts', () => {
    const files = [
      ...walkRepo(join(root, 'charts'), (p) => /\.(ya?ml|tpl|txt|json)$/.test(p)),
      // Test files are left out: they name missing pages on purpose.
      ...walkRepo(join(root, 'packages'), (p) => p.endsWith('.ts') && !p.endsWith('.test.ts')),
      ...walkRepo(join(root, 'scripts'), (p) => /\.(ts|sh)$/.test(p)),
      ...walkRepo(join(root, 'e2e'), (p) => /\.(sh|ya?ml)$/.test(p) || (p.endsWith('.ts') && !p.endsWith('.test.ts'))),
      join(root, 'Dockerfile'),
    ];
    const dead = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/(?<![\w/.-])(docs\/[\w./-]+\.md)/g)]
        .map((m) => m[1]!)
        .filter((path) => !existsSync(join(root, path)))
        .map((path) => `${relative(root, file)} -> ${path}`),
    );
    expect(dead).toEqual([]);
  });

  it('names only ADRs that exist ("ADR 0043")', () => {
    const texts = [...markdown, ...walkRepo(join(root, 'charts'), (p) => /\.(ya?ml|tpl|txt)$/.test(p)), ...walkRepo(join(root, 'packages'), (p) => p.endsWith('.ts'))];
    const missing = texts.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bADRs? (\d{4})\b/g)].map((m) => m[1]!).filter((n) => !adrNumbers.has(n)).map((n) => `${relative(root, file)} -> ADR ${n}`),
    );
    expect(missing).toEqual([]);
  });

  it('detects a dead link (the checker itself)', () => {
    expect(relativeLinkTargets('see [a](docs/nope.md#x), [b](https://x.dev/y.md), [c](#top) and `[d](ignored.md)`')).toEqual(['docs/nope.md']);
    expect(anchoredLinks('[a](runbook.md#snowtrailnoleader) [b](#local) [c](https://x.dev/y.md#z)')).toEqual([['runbook.md', 'snowtrailnoleader'], ['', 'local']]);
    expect(headingAnchor('`admin` — probes and metrics')).toBe('admin--probes-and-metrics');
  });
});
