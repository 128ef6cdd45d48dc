/**
 * The benchmark harness cannot rot: `pnpm bench --quick sidecar` runs end to end (fake upstream,
 * nginx where installed, three sidecar processes, raw HTTP and snowflake-sdk clients) and writes a
 * well-formed section between its markers, leaving the rest of the document alone. Speed is not
 * asserted here; docs/benchmarks.md holds the measurements.
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beginMarker, endMarker, replaceSection } from './lib/report.js';
import { parseArgs } from './run.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn('pnpm', ['-s', 'bench', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('pnpm bench', () => {
  it('runs the quick sidecar benchmark and writes a well-formed section between its markers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
    try {
      const out = join(dir, 'benchmarks.md');
      await writeFile(out, '# Benchmarks\n\nHand-written text stays.\n');
      const run = await runBench(['--quick', 'sidecar', `--out=${out}`]);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const doc = await readFile(out, 'utf8');
      expect(doc.startsWith('# Benchmarks\n\nHand-written text stays.\n')).toBe(true);
      const section = doc.slice(doc.indexOf(beginMarker('sidecar')), doc.indexOf(endMarker('sidecar')));
      expect(section).toContain('## Sidecar side by side');
      expect(section).toMatch(/Machine: \d+ cores .*GiB RAM, Node v\d+\.\d+\.\d+; run started \d{4}-\d\d-\d\dT.*load average \(1 \/ 5 \/ 15 min\) [\d.]+ \/ [\d.]+ \/ [\d.]+ at the start and [\d.]+ \/ [\d.]+ \/ [\d.]+ at the end/);
      expect(section).toContain('| measure | direct | nginx');
      expect(section).toContain('sidecar, proxy only | sidecar, best-effort | sidecar, required |');
      // Every measured cell is a number (or says why it is missing), never NaN.
      expect(section).not.toMatch(/NaN|undefined/);
      expect(section).toMatch(/raw HTTP, 101,000 rows \(2 chunks, [\d.]+ MiB gzip\), prefetch 2: MiB\/s \(% of direct\) \| [\d.]+ \| (not run|[\d.]+ \(\*\*\d+ %\*\*\)) \| [\d.]+ \(\*\*\d+ %\*\*\) \| [\d.]+ \(\*\*\d+ %\*\*\) \| [\d.]+ \(\*\*\d+ %\*\*\) \|/);
      expect(section).toMatch(/Ratios: .*sidecar, required\/direct: \d+ % of direct chunk throughput/);
      // snowflake-sdk read every row of a chunked result on every path (the run throws on a short count).
      expect(section).toMatch(/snowflake-sdk, 21,000 rows streamed: s \(× direct\) \| [\d.]+ \|/);
      // The recorder got the result bytes: nothing without it, something on disk with it.
      expect(section).toMatch(/recording left on disk after the variant's run \(spool \+ dir store\), MiB \| \| \| 0\.0 \| (?!0\.0)[\d.]+ \| (?!0\.0)[\d.]+ \|/);
      const targets = section.slice(section.indexOf('### Targets')).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| target') && !l.startsWith('| ---'));
      expect(targets).toHaveLength(7);
      for (const t of targets) expect(t).toMatch(/\| (\*\*met\*\*|\*\*not met\*\*|not measured by this run) \| [^|]* \|$/);
      // The quick run is not the target's size, so it does not claim the throughput targets either way.
      expect(targets[0]).toMatch(/quick run: 101,000 rows.*not measured by this run/);
      expect(run.stdout).toContain('## Sidecar side by side');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('pnpm bench audit catalog', () => {
  it('runs the quick auditor and catalog benchmarks and writes their sections, claiming no target at quick sizes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
    try {
      const out = join(dir, 'benchmarks.md');
      await writeFile(out, '# Benchmarks\n');
      const run = await runBench(['--quick', 'audit', 'catalog', `--out=${out}`]);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const doc = await readFile(out, 'utf8');
      const audit = doc.slice(doc.indexOf(beginMarker('audit')), doc.indexOf(endMarker('audit')));
      expect(audit).not.toMatch(/NaN|undefined/);
      // Every command of the large session and both verify --all runs completed (exit 0) with a time and an RSS.
      for (const command of ['verify', 'show --results', 'replay --speed 0 --results', 'export -o json', 'export -o csv', 'export -o html', 'show --results (heap capped)', 'export -o html (heap capped)', 'verify --all (cold cache)', 'verify --all (incremental, nothing changed)']) {
        expect({ command, found: new RegExp(`\\| \`sessions ${command.replace(/[()]/g, '\\$&')}\` \\| 0 \\| [\\d.]+ \\| \\d+ \\|`).test(audit) }).toEqual({ command, found: true });
      }
      const targets = (section: string): string[] => section.slice(section.indexOf('### Targets')).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| target') && !l.startsWith('| ---'));
      expect(targets(audit)).toHaveLength(3);
      for (const t of targets(audit)) expect(t).toMatch(/quick run: .*\| not measured by this run \|/);
      const catalog = doc.slice(doc.indexOf(beginMarker('catalog')), doc.indexOf(endMarker('catalog')));
      expect(catalog).toMatch(/\| dir \| 400 \| trace SALES\.PUBLIC\.ORDERS --writes \| [\d.]+ s \| [\d.]+ s \| \d+ \|/);
      expect(targets(catalog)).toEqual([expect.stringMatching(/dir: slowest [\d.]+ s .*radosgw: not run \| not measured by this run \|/)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('the report writer', () => {
  it('replaces a section in place on a second run and keeps what is around it', () => {
    const once = replaceSection('# B\n\nintro\n', 'x', 'first');
    const twice = replaceSection(`${once}\n## After\n`, 'x', 'second');
    expect(twice).toBe(`# B\n\nintro\n\n${beginMarker('x')}\nsecond\n${endMarker('x')}\n\n## After\n`);
  });

  it('refuses to write into a section whose end marker is missing', () => {
    expect(() => replaceSection(`${beginMarker('x')}\nhalf`, 'x', 'new')).toThrow(/markers of section x are broken/);
  });

  it('rejects an unknown benchmark name instead of running everything', () => {
    expect(() => parseArgs(['sidecr'])).toThrow(/unknown argument sidecr/);
    expect(parseArgs(['--quick']).names).toEqual(['sidecar', 'recording', 'audit', 'catalog']);
  });
});
