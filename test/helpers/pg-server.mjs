// A throwaway PostgreSQL server for the tests and the benchmark: the system's initdb/pg_ctl, a data folder
// in a temporary directory, a free loopback port, and its unix socket in that directory. PostgreSQL refuses
// to run as root (as CI and these machines do), so it is started as the unprivileged `postgres` user.
// Plain JavaScript so that bench/run.mjs can use it too.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The directory holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin() {
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
  throw new Error("PostgreSQL's server binaries (initdb, pg_ctl) were not found: install them (apt-get install postgresql) or set AIRTIME_TEST_PG_URL");
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

/**
 * Starts a server and returns `{ url(database), adminUrl, port, stop() }`. `durable: false` (tests) turns
 * fsync off, which only matters for a power cut; the benchmark keeps PostgreSQL's durable defaults.
 */
export async function startPostgres({ durable = false } = {}) {
  const bin = findPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'airtime-pg-'));
  const asRoot = userInfo().uid === 0;
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  // Files we write for the server belong to the user it runs as.
  const give = asRoot
    ? (
        (uid, gid) => (path) =>
          chownSync(path, uid, gid)
      )(id('-u'), id('-g'))
    : () => {};
  give(dir);
  const as = (command, args) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    const result = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout}`);
    return result.stdout;
  };
  const data = join(dir, 'data');
  as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
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
  as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  const url = (database = 'postgres', user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    url,
    adminUrl: url(),
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
