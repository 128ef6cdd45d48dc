/**
 * A slow reader of `snowtrail sessions export|replay` (a pager, a pipe to a slow upload) must not
 * make the CLI buffer its output: while the reader stops reading, the CLI stops producing, and its
 * memory stays where it was. Real CLI processes over a session recorded by the project's recorder;
 * the reader pauses after the first bytes, the CLI's resident memory is sampled during the pause,
 * then everything is read and checked complete. A control run of a writer that ignores
 * backpressure, against the same pause, proves the pause would show buffering.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordLargeSession, type LargeSession } from './large-session.js';

jest.setTimeout(300_000);

const MAIN = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.ts');
/** Rows of the session before gzip: its JSON export is larger still, far more than any pipe holds. */
const ROW_MIB = 64;
/** How long the reader stops reading once the first bytes are there. */
const PAUSE_MS = 4000;
/** Growth of the CLI's resident memory allowed during the pause (it is blocked on a full pipe). */
const MAX_GROWTH_MIB = 24;

/** Resident memory of a process in MiB (Linux /proc); 0 once it has gone. */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface PausedRun {
  /** Resident memory when the first bytes arrived, and the most it reached during the pause. */
  atFirstBytes: number;
  duringPause: number;
  /** Whether the process was still running at the end of the pause (it had to wait for the reader). */
  stillRunningAfterPause: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a node script, reads nothing of its stdout for PAUSE_MS after the first bytes, then reads it all. */
function runWithPausedReader(args: string[]): Promise<PausedRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid!;
    let exited = false;
    let code = -1;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const out: Buffer[] = [];
    const result: Partial<PausedRun> = {};
    child.stdout.once('readable', () => {
      void (async () => {
        result.atFirstBytes = await rssMiB(pid);
        let most = result.atFirstBytes;
        const until = Date.now() + PAUSE_MS;
        while (Date.now() < until) {
          await new Promise((r) => setTimeout(r, 50));
          most = Math.max(most, await rssMiB(pid));
        }
        result.duringPause = most;
        result.stillRunningAfterPause = !exited;
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stdout.on('end', () => {
          const finish = (): void => resolve({ ...(result as PausedRun), code, stdout: Buffer.concat(out).toString('utf8'), stderr });
          if (exited) finish();
          else child.once('exit', finish);
        });
      })();
    });
    child.once('exit', (c) => {
      exited = true;
      code = c ?? 1;
    });
  });
}

let base: string;
let big: LargeSession;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'snowtrail-slow-reader-'));
  big = await recordLargeSession(base, ROW_MIB);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Rows of result parts in a JSON export: lines that are JSON arrays of four cells, six spaces in. */
const exportedRows = (text: string): number => text.split('\n').filter((l) => /^ {6}\["/.test(l)).length;

describe(`a reader that stops reading for ${PAUSE_MS} ms, on a session of ${ROW_MIB} MiB of rows`, () => {
  it('control: a writer that ignores backpressure keeps producing and holds the output in memory', async () => {
    const r = await runWithPausedReader([join(import.meta.dirname, 'ignore-backpressure.ts'), big.store, big.sessionId]);
    expect(r.code).toBe(0);
    expect(r.duringPause - r.atFirstBytes).toBeGreaterThan(MAX_GROWTH_MIB * 2);
    expect(exportedRows(r.stdout)).toBe(big.rows);
  });

  it('export -o json to stdout waits for the reader, then writes every row', async () => {
    const r = await runWithPausedReader([MAIN, 'sessions', 'export', big.sessionId, '-o', 'json', '--store', `dir:${big.store}`]);
    expect({ code: r.code, stderr: r.stderr.slice(-400) }).toEqual({ code: 0, stderr: expect.stringContaining('trusting the') });
    expect(r.stillRunningAfterPause).toBe(true);
    expect(r.duringPause - r.atFirstBytes).toBeLessThan(MAX_GROWTH_MIB);
    expect(exportedRows(r.stdout)).toBe(big.rows);
  });

  it('replay --results waits for the reader, then prints every part', async () => {
    const shown = 2000;
    const r = await runWithPausedReader([MAIN, 'sessions', 'replay', big.sessionId, '--speed', '0', '--results', '--max-rows', String(shown), '--store', `dir:${big.store}`]);
    expect({ code: r.code, stderr: r.stderr.slice(-400) }).toEqual({ code: 0, stderr: '' });
    expect(r.stillRunningAfterPause).toBe(true);
    expect(r.duringPause - r.atFirstBytes).toBeLessThan(MAX_GROWTH_MIB);
    // Each part is a table (a header line and its first rows); each chunk holds more rows than are shown.
    expect(r.stdout.match(/more row\(s\) in chunk:\d+/g)).toHaveLength(big.chunks);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('    | ')).length).toBe(2 + big.chunks * (shown + 1));
  });
});
