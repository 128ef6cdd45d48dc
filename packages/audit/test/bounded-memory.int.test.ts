/**
 * `snowtrail sessions show|replay|export|verify` of a large session run in bounded memory: each
 * command runs as a child process whose V8 heap is capped far below what the session's decoded
 * rows take, so a reader that held the whole result (or built an export as one string) would die
 * with "heap out of memory" — whatever the machine's speed. A control run of a reader that keeps
 * every row, under the same cap, proves the cap is tight enough to tell them apart.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { recordLargeSession, type LargeSession } from './large-session.js';

jest.setTimeout(300_000);

const MAIN = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.ts');
/** The heap cap of every child: far below the session's decoded rows (hundreds of MiB of objects). */
const HEAP_MIB = 48;
/** Rows of the session before gzip: large against HEAP_MIB once decoded, small enough to record fast. */
const ROW_MIB = 48;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function node(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, '--import', 'tsx', ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1' }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr });
    });
  });
}

const sessions = (args: string[]): Promise<Run> => node([MAIN, 'sessions', ...args, '--store', `dir:${big.store}`]);

/** Lines of a file matching a test, counted streaming. */
async function countLines(file: string, match: (line: string) => boolean): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) if (match(line)) n++;
  return n;
}

let base: string;
let big: LargeSession;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'snowtrail-bounded-memory-'));
  big = await recordLargeSession(base, ROW_MIB);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe(`the auditor's commands on a session of ${ROW_MIB} MiB of rows, with the heap capped at ${HEAP_MIB} MiB`, () => {
  it('control: a reader that keeps every decoded row dies under the same cap', async () => {
    const r = await node([join(import.meta.dirname, 'hold-all-rows.ts'), big.store, big.sessionId]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/heap out of memory|Allocation failed/);
  });

  it('export -o json writes every row of every part, streamed', async () => {
    const file = join(base, 'x.json');
    const r = await sessions(['export', big.sessionId, '-o', 'json', '--out', file]);
    expect({ code: r.code, stderr: r.stderr.slice(-400) }).toEqual({ code: 0, stderr: expect.stringContaining('verification intact') });
    expect((await stat(file)).size).toBeGreaterThan(ROW_MIB * 1024 * 1024);
    // Rows of result parts are the lines that are JSON arrays of four cells, six spaces in.
    expect(await countLines(file, (l) => /^ {6}\["/.test(l))).toBe(big.rows);
  });

  it('export -o csv and -o html complete', async () => {
    for (const format of ['csv', 'html']) {
      const file = join(base, `x.${format}`);
      const r = await sessions(['export', big.sessionId, '-o', format, '--out', file]);
      expect({ format, code: r.code, stderr: r.stderr.slice(-400) }).toEqual({ format, code: 0, stderr: expect.stringContaining('verification intact') });
    }
    expect(await countLines(join(base, 'x.html'), (l) => l.includes(`${big.rows} row(s)`))).toBe(1);
  });

  it('show --results counts every row and prints the first ones, as text and as JSON', async () => {
    const text = await sessions(['show', big.sessionId, '--results']);
    expect({ code: text.code, stderr: text.stderr.slice(-400) }).toEqual({ code: 0, stderr: '' });
    expect(text.stdout).toContain(`${big.rows} row(s)`);
    expect(text.stdout).toContain(`… ${big.rows - 20} more row(s)`);
    const json = await sessions(['show', big.sessionId, '--results', '-o', 'json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { results: { totalRows: number }[] }).results.map((x) => x.totalRows)).toEqual([big.rows]);
  });

  it('replay --results prints every part of the timeline', async () => {
    const r = await sessions(['replay', big.sessionId, '--speed', '0', '--results', '--max-rows', '1']);
    expect({ code: r.code, stderr: r.stderr.slice(-400) }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.match(/more row\(s\) in chunk:\d+/g)).toHaveLength(big.chunks);
  });

  it('verify hashes every blob', async () => {
    const r = await sessions(['verify', big.sessionId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK /);
  });
});
