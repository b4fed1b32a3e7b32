// `npm run bench -- --only journal-growth [--quick]` (issue 27): what a payout and its neighbours cost on a
// journal a year old (1,000,000 transfers; 100,000 with --quick) against the same on an empty journal, on
// SQLite and on PostgreSQL — target ≤ 1.2× — and the rate of what reads the whole journal by nature
// (`audit verify`, `audit export`, `journal migrate`), in events per second.
//
// The large journal is generated straight into the schema (test/helpers/journal-fill.mjs: a year of paid
// batches with a valid audit chain) and cached in bench/.cache/ (gitignored), keyed by its size and the
// schema version, so only the first run pays for it. Each measurement runs on a copy of it.
import { spawn, spawnSync } from 'node:child_process';
import { journalSubmittedZw } from './submitted-zw.mjs';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * @param {{ root: string, bin: string, quick: boolean, work: string, home: () => string,
 *   log: (text: string) => void, record: Function, round: (value: number, digits?: number) => number }} bench
 */
export async function journalGrowth(bench) {
  const { root, bin, quick, work, home, log, record, round } = bench;
  const size = quick ? 100_000 : 1_000_000;
  const payoutRows = 2_000;
  const callbackCount = quick ? 1_000 : 2_000;
  const repeats = 3;
  const target = '≤ 1.2× the same on an empty journal';

  const { sqliteMigrations } = await import(join(root, 'dist/journal/migrations.js'));
  const { openSqliteJournal } = await import(join(root, 'dist/journal/open.js'));
  const { makeAccount } = await import(join(root, 'dist/core/account.js'));
  const { chainHash } = await import(join(root, 'dist/journal/audit-chain.js'));
  const { fillSqliteHistory } = await import(join(root, 'test/helpers/journal-fill.mjs'));
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const sandbox = makeAccount('sandbox', 'default', 'embedded', null);

  // The large journal, built once per size and schema version.
  const cacheDir = join(root, 'bench/.cache');
  mkdirSync(cacheDir, { recursive: true });
  const cached = join(cacheDir, `journal-v${sqliteMigrations.length}-${size}.db`);
  if (!existsSync(cached)) {
    log(`  building a journal of ${size.toLocaleString('en')} transfers in ${cached} (once per size and schema version)…`);
    const started = performance.now();
    const building = `${cached}.building`;
    rmSync(building, { force: true });
    const journal = openSqliteJournal(building, 'bench@history');
    await journal.ensureAccount(sandbox);
    await journal.close();
    const db = new BetterSqlite3(building);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const built = fillSqliteHistory(db, {
      account: sandbox.id,
      chainHash,
      transfers: size,
      phones: Math.max(10_000, size / 20),
      onProgress: (done) => process.stderr.isTTY && process.stderr.write(`\r  … ${done.toLocaleString('en')} transfers`),
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    renameSync(building, cached);
    if (process.stderr.isTTY) process.stderr.write('\n');
    log(`  built ${built.transfers} transfers, ${built.events} events in ${round((performance.now() - started) / 1000)} s`);
  }
  log(`  large journal: ${round(statSync(cached).size / 1024 / 1024)} MB`);

  const run = (args, env, what = args.join(' ')) => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
    const ms = performance.now() - started;
    if (result.status !== 0) throw new Error(`${what} exited ${result.status}: ${result.stderr}`);
    return { ms, stdout: result.stdout.toString() };
  };
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  let csvSerial = 0;
  async function payoutFile() {
    // Fresh recipients each time (outside the history's pool), so the repeat guard looks and finds nothing; all
    // ending in 5, which the sandbox pays as an everyday number (src/sim/magic.ts).
    csvSerial += 1;
    const file = join(work, `growth-${csvSerial}.csv`);
    const stream = createWriteStream(file);
    stream.write('phone,amount\n');
    for (let index = 0; index < payoutRows; index += 1)
      stream.write(`+2547${String(80_000_000 + csvSerial * 100_000 + index * 10 + 5)},${10 + (index % 90)}\n`);
    stream.end();
    await once(stream, 'finish');
    return file;
  }

  async function callbackRate(env, openJournal) {
    const journal = openJournal();
    await journalSubmittedZw(journal, makeAccount, callbackCount);
    await journal.close();
    const secret = 'whsec_bench';
    const listener = spawn(process.execPath, [bin, 'serve-callbacks', '--port', '0', '--format', 'json', '--no-sandbox'], {
      env: { ...process.env, ...env, ZW_WEBHOOK_SECRET: secret },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let banner = '';
    listener.stderr.setEncoding('utf8').on('data', (chunk) => (banner += chunk));
    for (let waited = 0; !/ready: (\S+)/.test(banner); waited += 20) {
      if (waited > 20_000) throw new Error(`listener did not start: ${banner}`);
      await delay(20);
    }
    const url = /ready: (\S+)/.exec(banner)[1];
    const load = JSON.parse(
      spawnSync(process.execPath, [join(root, 'bench/callback-load.mjs'), `${url}/callbacks/zw`, String(callbackCount), '16', secret]).stdout.toString(),
    );
    listener.kill('SIGTERM');
    await once(listener, 'exit');
    if (load.failed) throw new Error(`${load.failed} callbacks failed`);
    return load.ok / (load.ms / 1000);
  }

  /** The user-facing operations, timed on one journal (`env` points the CLI at it). */
  async function operations(env, openJournal) {
    const times = {};
    // A first command opens (and, for a copied journal, migrates) it: not what is measured.
    run(['status', '--limit', '1'], env);
    const payouts = [];
    for (let index = 0; index < (quick ? 1 : 2); index += 1) payouts.push(run(['bulk', await payoutFile(), '--yes', '--json'], env).ms);
    times.payout = median(payouts);
    const sends = [];
    for (let index = 0; index < repeats; index += 1)
      sends.push(run(['send', `+25479${String(1_000_000 + csvSerial * 100 + index * 10 + 5)}`, '50', '--yes'], env).ms);
    times.send = median(sends);
    const reference = JSON.parse(run(['status', '--limit', '1', '--json'], env).stdout).transfers[0]?.reference;
    times.status = median(Array.from({ length: repeats }, () => run(['status', reference], env).ms));
    times['status-list'] = median(Array.from({ length: repeats }, () => run(['status', '--state', 'failed', '--limit', '20'], env).ms));
    times.batches = median(Array.from({ length: repeats }, () => run(['batches'], env).ms));
    times.reconcile = median(Array.from({ length: repeats }, () => run(['reconcile'], env).ms));
    times.callbacks = await callbackRate(env, openJournal);
    return times;
  }

  function compare(store, empty, large, rows) {
    for (const [name, value] of Object.entries(large)) {
      const baseline = empty[name];
      if (name === 'callbacks') {
        record(`growth-${store}-callbacks`, 'callbacks/s', value, baseline, `≥ 1/1.2 of the rate on an empty journal (${rows})`, value >= baseline / 1.2);
      } else {
        record(`growth-${store}-${name}`, 'ms', value, baseline, `${target} (${rows})`, value <= baseline * 1.2);
      }
    }
  }

  // SQLite -----------------------------------------------------------------------------------------
  log(`journal growth, SQLite: a ${payoutRows}-row payout, send, status, batches, reconcile, callbacks — empty vs ${size.toLocaleString('en')} transfers`);
  const emptyHome = home();
  const emptyTimes = await operations({ AIRTIME_HOME: emptyHome }, () => openSqliteJournal(join(emptyHome, 'journal.db')));
  const largeHome = home();
  copyFileSync(cached, join(largeHome, 'journal.db'));
  const largeTimes = await operations({ AIRTIME_HOME: largeHome }, () => openSqliteJournal(join(largeHome, 'journal.db')));
  compare('sqlite', emptyTimes, largeTimes, `${size.toLocaleString('en')} transfers`);

  // What is linear by nature, measured on the large journal.
  const events = Number(new BetterSqlite3(cached, { readonly: true }).prepare('SELECT count FROM chain WHERE id = 1').get().count);
  const verify = run(['audit', 'verify'], { AIRTIME_HOME: largeHome });
  record('growth-audit-verify-rate', 'events/s', events / (verify.ms / 1000), 0, 'linear by nature: stated, not a target', true, `${events} events`);
  const exported = run(['audit', 'export', '--format', 'csv', '--out', join(work, 'audit.csv')], { AIRTIME_HOME: largeHome });
  record('growth-audit-export-rate', 'events/s', events / (exported.ms / 1000), 0, 'linear by nature: stated, not a target', true, `${events} events`);

  // PostgreSQL ---------------------------------------------------------------------------------------
  let startPostgres;
  try {
    ({ startPostgres } = await import(join(root, 'test/helpers/pg-server.mjs')));
  } catch (error) {
    log(`  PostgreSQL: skipped (${error.message})`);
    return;
  }
  const server = await startPostgres({ durable: true });
  try {
    const { default: pg } = await import('pg');
    const { openPostgresJournal } = await import(join(root, 'dist/journal/open.js'));
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE growth_empty');
    await admin.query('CREATE DATABASE growth_large');
    await admin.end();
    // The large journal is the SQLite one copied in by `journal migrate`: that is also its rate.
    log(`  journal migrate of ${size.toLocaleString('en')} transfers into PostgreSQL…`);
    const migrated = run(['journal', 'migrate', '--from', cached, '--to', server.url('growth_large')], { AIRTIME_HOME: home() });
    record(
      'growth-journal-migrate-rate',
      'events/s',
      events / (migrated.ms / 1000),
      0,
      'linear by nature: stated, not a target',
      true,
      `${events} events, ${size} transfers`,
    );
    log(`journal growth, PostgreSQL: the same operations — empty vs ${size.toLocaleString('en')} transfers`);
    const pgEmpty = await operations({ AIRTIME_HOME: home(), AIRTIME_JOURNAL_URL: server.url('growth_empty') }, () =>
      openPostgresJournal(server.url('growth_empty')),
    );
    const pgLarge = await operations({ AIRTIME_HOME: home(), AIRTIME_JOURNAL_URL: server.url('growth_large') }, () =>
      openPostgresJournal(server.url('growth_large')),
    );
    compare('postgres', pgEmpty, pgLarge, `${size.toLocaleString('en')} transfers`);
  } finally {
    server.stop();
  }
}
