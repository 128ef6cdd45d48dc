/**
 * A single-node Ceph cluster with the object gateway on 127.0.0.1, for tests that need Object Lock
 * really enforced (s3rver ignores it): one monitor, one OSD on the in-memory object store, one
 * radosgw, all in a scratch folder without systemd. Recipe and facts: TOOLCHAIN.md.
 */
import { execFile as execFileCb } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { s3ServerBasics, type S3ServerHandle } from './s3-server-handle.js';

const execFile = promisify(execFileCb);

/** Debian packages radosgw needs (installed by `scripts/bootstrap.sh --with-object-lock`). */
export const RADOSGW_PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common'];

const BINARIES = ['monmaptool', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'];

async function which(bin: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/bin', '/usr/sbin'])) {
    try {
      await access(join(dir, bin));
      return true;
    } catch {
      // try the next folder
    }
  }
  return false;
}

/** Whether every radosgw binary is installed here. */
export async function isRadosgwInstalled(): Promise<boolean> {
  for (const b of BINARIES) if (!(await which(b))) return false;
  return true;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function sh(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await execFile(cmd, args, { timeout: timeoutMs });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr?.trim() || e.message).slice(0, 600)}`, { cause: err });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopPidFile(path: string): Promise<void> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (!pid || !isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** Options of startRadosgw. */
export interface RadosgwOptions {
  /** Scratch folder (created and removed on close when absent). */
  dir?: string;
}

/** Starts mon + memstore OSD + radosgw on 127.0.0.1; throws naming the missing packages when not installed. */
export async function startRadosgw(options: RadosgwOptions = {}): Promise<S3ServerHandle> {
  if (!(await isRadosgwInstalled())) {
    throw Object.assign(new Error(`radosgw is not installed: apt-get install -y --no-install-recommends ${RADOSGW_PACKAGES.join(' ')} (or scripts/bootstrap.sh --with-object-lock)`), {
      code: 'SNOWTRAIL_ERR_DEVKIT_RADOSGW_MISSING',
    });
  }
  const owned = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'radosgw-')));
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  for (const d of ['run', 'log', 'mon', 'osd', 'rgw']) await mkdir(join(dir, d), { recursive: true });
  await writeFile(
    conf,
    `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}/0
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms cluster mode = crc
ms service mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms mon client mode = crc
ms bind msgr1 = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush chooseleaf type = 0
run dir = ${dir}/run
log file = ${dir}/log/$name.log
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$name
keyring = /dev/null

[client.rgw.test]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
`,
  );
  const accessKeyId = `AK${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  let osdId = '0';
  const stopAll = async (): Promise<void> => {
    for (const p of [join(dir, 'run', 'client.rgw.test.pid'), join(dir, 'run', `osd.${osdId}.pid`), join(dir, 'run', 'mon.a.pid')]) await stopPidFile(p);
  };
  const waitHttp = async (): Promise<void> => {
    for (let i = 0; i < 300; i++) {
      try {
        const res = await fetch(`${endpoint}/`);
        await res.arrayBuffer();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`radosgw did not answer on ${endpoint} (logs in ${dir}/log)`);
  };
  try {
    await sh('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')]);
    await sh('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '-c', conf]);
    await sh('ceph-mon', ['-i', 'a', '-c', conf]);
    osdId = (await sh('ceph', ['-c', conf, 'osd', 'create'])).trim();
    // memstore keeps its fsid/keyring files in the OSD data folder, which mkfs does not create.
    await mkdir(join(dir, 'osd', `osd.${osdId}`), { recursive: true });
    await sh('ceph-osd', ['-i', osdId, '--mkfs', '-c', conf]);
    await sh('ceph-osd', ['-i', osdId, '-c', conf]);
    await sh('radosgw', ['-n', 'client.rgw.test', '-c', conf]);
    await waitHttp();
    await sh('radosgw-admin', ['-c', conf, 'user', 'create', '--uid=test', '--display-name=test', `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`], 120_000);
  } catch (err) {
    await stopAll();
    if (owned) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...s3ServerBasics(endpoint, rgwPort, accessKeyId, secretAccessKey),
    async stop() {
      await stopPidFile(join(dir, 'run', 'client.rgw.test.pid'));
    },
    async start() {
      await sh('radosgw', ['-n', 'client.rgw.test', '-c', conf]);
      await waitHttp();
    },
    async close() {
      await stopAll();
      if (owned) await rm(dir, { recursive: true, force: true });
    },
  };
}
