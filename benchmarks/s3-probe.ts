/**
 * S3 probe: what the store itself takes on this machine, with no recorder in the way. The same
 * bytes as the recording benchmark's payload phase (8 objects of 32 MiB), uploaded with a plain
 * @aws-sdk/client-s3 client: whole PutObjects and multipart uploads, several part sizes, N requests
 * in flight, and each integrity header (Content-MD5, CRC32, none). Also the local cost of each hash.
 *
 * Run: node --import tsx benchmarks/s3-probe.ts [--quick] [--s3rver] [--cases=put-md5-4,mpu8-md5-4]
 * (radosgw from packages/devkit, bucket with Object Lock; `--s3rver` probes s3rver too).
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isRadosgwInstalled, startRadosgw, startS3rver, type S3ServerHandle } from '@snowtrail/devkit';

const QUICK = process.argv.includes('--quick');
const MiB = 1024 * 1024;
const OBJECTS = 8;
const OBJECT_BYTES = (QUICK ? 8 : 32) * MiB;
/** radosgw's memstore holds 2 GiB and frees deleted objects only at its (hours-late) GC: start a fresh one past this. */
const STORE_BUDGET = 1536 * MiB;

type Integrity = 'md5' | 'crc32' | 'none';

/** One probe case. */
interface ProbeCase {
  name: string;
  /** 0: one PutObject per object. */
  partBytes: number;
  /** Requests (objects or parts) in flight at once, over all objects. */
  inFlight: number;
  integrity: Integrity;
}

const body = Buffer.alloc(OBJECT_BYTES);
for (let i = 0; i < body.length; i++) body[i] = (i * 7919) % 251;

/** Header of the integrity check chosen for one request body. */
function integrityHeaders(bytes: Uint8Array, integrity: Integrity): { ContentMD5?: string; ChecksumCRC32?: string } {
  if (integrity === 'md5') return { ContentMD5: createHash('md5').update(bytes).digest('base64') };
  if (integrity === 'crc32') {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(crc32(bytes));
    return { ChecksumCRC32: b.toString('base64') };
  }
  return {};
}

/** Runs `tasks` with at most `limit` at once. */
async function runPool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < tasks.length; i = next++) await tasks[i]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** Uploads OBJECTS objects as one case describes; MiB/s from the first request to the last acknowledgement. */
async function runCase(client: S3Client, bucket: string, c: ProbeCase, round: number): Promise<number> {
  const key = (o: number): string => `probe/${round}/${c.name}/${o}`;
  const t0 = process.hrtime.bigint();
  if (c.partBytes === 0) {
    await runPool(
      Array.from({ length: OBJECTS }, (_, o) => async () => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key(o), Body: body, ContentLength: body.length, ...integrityHeaders(body, c.integrity) }));
      }),
      c.inFlight,
    );
  } else {
    const ids = await Promise.all(Array.from({ length: OBJECTS }, async (_, o) => (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key(o) }))).UploadId!));
    const etags: { PartNumber: number; ETag: string }[][] = ids.map(() => []);
    const tasks: (() => Promise<void>)[] = [];
    for (let o = 0; o < OBJECTS; o++)
      for (let off = 0, n = 1; off < body.length; off += c.partBytes, n++) {
        const part = body.subarray(off, off + c.partBytes);
        const [obj, no] = [o, n];
        tasks.push(async () => {
          const out = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key(obj), UploadId: ids[obj], PartNumber: no, Body: part, ContentLength: part.length, ...integrityHeaders(part, c.integrity) }));
          etags[obj]!.push({ PartNumber: no, ETag: out.ETag! });
        });
      }
    try {
      await runPool(tasks, c.inFlight);
      await Promise.all(
        ids.map((id, o) =>
          client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key(o), UploadId: id, MultipartUpload: { Parts: etags[o]!.sort((a, b) => a.PartNumber - b.PartNumber) } })),
        ),
      );
    } catch (err) {
      await Promise.all(ids.map((id, o) => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key(o), UploadId: id })).catch(() => undefined)));
      throw err;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return +((OBJECTS * OBJECT_BYTES) / MiB / seconds).toFixed(1);
}

/** MiB/s of each hash over the object body on one core (the recorder pays it on its event loop). */
function hashCosts(): Record<string, number> {
  const rate = (f: () => void): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 4; i++) f();
    return +((4 * body.length) / MiB / (Number(process.hrtime.bigint() - t0) / 1e9)).toFixed(0);
  };
  return {
    md5: rate(() => createHash('md5').update(body).digest()),
    sha256: rate(() => createHash('sha256').update(body).digest()),
    crc32: rate(() => crc32(body)),
  };
}

/**
 * Which integrity headers the store really checks: a PUT with a wrong value of each must be refused.
 * And whether it takes an Object Lock PUT without Content-MD5 (AWS asks for MD5 or a checksum).
 */
async function probeIntegrity(client: S3Client, bucket: string): Promise<Record<string, string>> {
  const small = body.subarray(0, 64 * 1024);
  const wrong = Buffer.alloc(small.length, 1);
  const outcome = async (extra: Record<string, unknown>): Promise<string> => {
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `integrity/${Object.keys(extra).join('-')}`, Body: small, ContentLength: small.length, ...extra }));
      return 'accepted';
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      return `refused: ${e.name ?? 'Error'} (HTTP ${e.$metadata?.httpStatusCode ?? '?'})`;
    }
  };
  const lock = { ObjectLockMode: 'GOVERNANCE' as const, ObjectLockRetainUntilDate: new Date(Date.now() + 3600_000) };
  return {
    wrong_content_md5: await outcome(integrityHeaders(wrong, 'md5')),
    wrong_checksum_crc32: await outcome(integrityHeaders(wrong, 'crc32')),
    wrong_checksum_sha256: await outcome({ ChecksumSHA256: createHash('sha256').update(wrong).digest('base64') }),
    lock_with_content_md5: await outcome({ ...lock, ...integrityHeaders(small, 'md5') }),
    lock_with_crc32_only: await outcome({ ...lock, ...integrityHeaders(small, 'crc32') }),
    lock_without_checksum: await outcome(lock),
  };
}

/**
 * A fresh radosgw creates its multipart pool on the first CreateMultipartUpload (seconds, once per
 * cluster): timed here, then kept out of the cases' figures.
 */
async function timeFirstMultipart(client: S3Client, bucket: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const id = (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'warm/multipart' }))).UploadId!;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'warm/multipart', UploadId: id }));
  return Math.round(ms);
}

const CASES: ProbeCase[] = [
  { name: 'put-md5-1', partBytes: 0, inFlight: 1, integrity: 'md5' },
  { name: 'put-md5-4', partBytes: 0, inFlight: 4, integrity: 'md5' },
  { name: 'put-md5-8', partBytes: 0, inFlight: 8, integrity: 'md5' },
  { name: 'mpu8-md5-1', partBytes: 8 * MiB, inFlight: 1, integrity: 'md5' },
  { name: 'mpu8-md5-2', partBytes: 8 * MiB, inFlight: 2, integrity: 'md5' },
  { name: 'mpu8-md5-4', partBytes: 8 * MiB, inFlight: 4, integrity: 'md5' },
  { name: 'mpu8-md5-8', partBytes: 8 * MiB, inFlight: 8, integrity: 'md5' },
  { name: 'mpu8-md5-16', partBytes: 8 * MiB, inFlight: 16, integrity: 'md5' },
  { name: 'mpu16-md5-4', partBytes: 16 * MiB, inFlight: 4, integrity: 'md5' },
  { name: 'mpu5-md5-8', partBytes: 5 * MiB, inFlight: 8, integrity: 'md5' },
  { name: 'mpu8-crc32-4', partBytes: 8 * MiB, inFlight: 4, integrity: 'crc32' },
  { name: 'mpu8-none-4', partBytes: 8 * MiB, inFlight: 4, integrity: 'none' },
  { name: 'put-crc32-4', partBytes: 0, inFlight: 4, integrity: 'crc32' },
  { name: 'put-none-4', partBytes: 0, inFlight: 4, integrity: 'none' },
];

/** `--cases=a,b`: only these cases (`--cases=` alone: only the integrity checks). */
const casesArg = process.argv.find((a) => a.startsWith('--cases='))?.slice('--cases='.length);
const SELECTED = casesArg === undefined ? CASES : CASES.filter((c) => casesArg.split(',').includes(c.name));

/** Runs every case against fresh servers from `start`, restarting one when its memory store would fill. */
async function probeServer(start: () => Promise<S3ServerHandle>, objectLock: boolean): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  let server: S3ServerHandle | undefined;
  let client: S3Client | undefined;
  let used = Infinity;
  try {
    if (SELECTED.length === 0) {
      server = await start();
      await server.createBucket('probe', { objectLock });
      client = server.client();
      out.integrity = JSON.stringify(await probeIntegrity(client, 'probe'));
    }
    for (const c of SELECTED) {
      if (used + OBJECTS * OBJECT_BYTES > STORE_BUDGET) {
        client?.destroy();
        await server?.close();
        server = await start();
        await server.createBucket('probe', { objectLock });
        client = server.client();
        used = 0;
        out.integrity ??= JSON.stringify(await probeIntegrity(client, 'probe'));
        out.first_multipart_create_ms = Math.max(Number(out.first_multipart_create_ms ?? 0), await timeFirstMultipart(client, 'probe'));
      }
      used += OBJECTS * OBJECT_BYTES;
      try {
        // One warm-up object so connection set-up and bucket lookups are not in the figure.
        await client!.send(new PutObjectCommand({ Bucket: 'probe', Key: `warm/${c.name}`, Body: body.subarray(0, MiB), ...integrityHeaders(body.subarray(0, MiB), 'md5') }));
        out[c.name] = await runCase(client!, 'probe', c, 0);
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        out[c.name] = `refused: ${e.name ?? 'Error'} (HTTP ${e.$metadata?.httpStatusCode ?? '?'})`;
      }
      process.stderr.write(`[s3-probe] ${c.name}: ${out[c.name]}\n`);
    }
  } finally {
    client?.destroy();
    await server?.close();
  }
  return out;
}

const results: Record<string, unknown> = { load_at_start: loadavg().map((l) => +l.toFixed(2)), object_mib: OBJECT_BYTES / MiB, objects: OBJECTS, hash_mib_per_second: hashCosts() };
if (await isRadosgwInstalled()) results.radosgw_object_lock = await probeServer(() => startRadosgw(), true);
else results.radosgw_object_lock = 'radosgw not installed (scripts/bootstrap.sh --with-object-lock)';
if (process.argv.includes('--s3rver')) results.s3rver = await probeServer(() => startS3rver(), false);
results.load_at_end = loadavg().map((l) => +l.toFixed(2));
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
