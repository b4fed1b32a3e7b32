// `npm run bench [-- --json] [-- --quick] [-- --only startup|csv|dispatch|dispatch-postgres|callback|journal-growth]`: the costs users feel, each as a ratio to a baseline
// measured in the same run (timings on a shared 2-core machine drift; ratios drift less).
import { spawn, spawnSync } from 'node:child_process';
import { journalSubmittedZw } from './submitted-zw.mjs';
import { mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/airtime.js');
const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined;
const wanted = (section) => only === undefined || only === section;
const sizes = quick
  ? { startupRuns: 7, csvRows: 100_000, dispatchRows: 5_000, latencyRows: 800, callbacks: 3_000 }
  : { startupRuns: 21, csvRows: 1_000_000, dispatchRows: 100_000, latencyRows: 3_200, callbacks: 20_000 };
const work = mkdtempSync(join(tmpdir(), 'airtime-bench-'));
const results = [];
const log = (text) => process.stderr.write(`${text}\n`);

function record(name, unit, value, baseline, target, pass, note) {
  const entry = {
    name,
    unit,
    value: round(value),
    baseline: round(baseline),
    ratio: round(baseline ? value / baseline : 0, 3),
    target,
    pass,
    ...(note ? { note } : {}),
  };
  results.push(entry);
  log(`  ${name}: ${entry.value} ${unit} vs ${entry.baseline} (×${entry.ratio}; target ${target}) ${pass ? 'PASS' : 'MISS'}`);
}
const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timeRun(command, args, env = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return performance.now() - started;
}

function home() {
  return mkdtempSync(join(work, 'home-'));
}

// 1. Start-up ---------------------------------------------------------------------------------------
function startup() {
  log('start-up');
  const samples = { node: [], version: [], help: [] };
  for (let run = 0; run < sizes.startupRuns; run += 1) {
    samples.node.push(timeRun(process.execPath, ['-e', '0']));
    samples.version.push(timeRun(process.execPath, [bin, '--version']));
    samples.help.push(timeRun(process.execPath, [bin, '--help']));
  }
  const base = median(samples.node);
  record('startup-version', 'ms', median(samples.version), base, '≤ 1.5× node -e 0', median(samples.version) / base <= 1.5);
  record('startup-help', 'ms', median(samples.help), base, '≤ 2× node -e 0', median(samples.help) / base <= 2);
}

// 2. CSV validation ---------------------------------------------------------------------------------
async function writeRows(path, rows, line) {
  const stream = createWriteStream(path);
  stream.write('phone,amount,name\n');
  for (let index = 0; index < rows; index += 1) {
    if (!stream.write(line(index))) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

function runWithRss(args, env) {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--require', join(root, 'bench/rss-preload.cjs'), ...args], {
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1024 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  return { result, ms, rssMb: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

async function csv() {
  log(`csv validation (${sizes.csvRows} rows)`);
  const file = join(work, 'big.csv');
  await writeRows(file, sizes.csvRows, (index) => `+25471${String(index * 10 + 5).padStart(7, '0')},${10 + (index % 90)},Person ${index}\n`);
  const bare = runWithRss([join(root, 'bench/bare-csv.mjs'), file], {});
  const bareRows = JSON.parse(bare.result.stdout.toString()).rows;
  const cli = runWithRss([bin, 'bulk', file, '--dry-run', '--json'], { AIRTIME_HOME: home() });
  if (cli.result.status !== 0) throw new Error(`dry-run exited ${cli.result.status}: ${cli.result.stderr}`);
  const plan = JSON.parse(cli.result.stdout.toString());
  if (plan.valid !== sizes.csvRows || bareRows !== sizes.csvRows) throw new Error(`row counts differ: ${plan.valid} / ${bareRows}`);
  const cliRate = sizes.csvRows / (cli.ms / 1000);
  const bareRate = sizes.csvRows / (bare.ms / 1000);
  record('csv-validate-rows-per-second', 'rows/s', cliRate, bareRate, '≥ 0.5× bare csv-parse', cliRate / bareRate >= 0.5);
  record('csv-validate-peak-rss', 'MB', cli.rssMb, bare.rssMb, '≤ 200 MB', cli.rssMb <= 200);
}

// 3. Dispatch ---------------------------------------------------------------------------------------
async function startSim(extra = []) {
  const child = spawn(process.execPath, [bin, 'sandbox', 'serve', '--port', '0', '--settle-ms', '0', ...extra], {
    env: { ...process.env, AIRTIME_HOME: home(), ZW_API_KEY: 'atk_bench' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let url = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (url += chunk));
  for (let waited = 0; !url.includes('\n'); waited += 20) {
    if (waited > 10_000) throw new Error('simulator did not start');
    await delay(20);
  }
  return {
    url: url.trim(),
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function orderWindow(url, reset = false) {
  const response = await fetch(`${url}/__sim/stats`, { method: reset ? 'POST' : 'GET' });
  const stats = await response.json();
  const orders = stats['POST /api/v1/orders'];
  return orders ? { count: orders.count, ms: Math.max(1, orders.lastMs - orders.firstMs) } : { count: 0, ms: 1 };
}

async function zwFile(rows) {
  const file = join(work, `zw-${rows}.csv`);
  const stream = createWriteStream(file);
  stream.write('phone,amount,currency\n');
  for (let index = 0; index < rows; index += 1) {
    if (!stream.write(`+26377${String(index * 10 + 5).padStart(7, '0')},1,USD\n`)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  return file;
}

async function dispatch() {
  const concurrency = 16;
  log(`dispatch (${sizes.dispatchRows} zw orders, concurrency ${concurrency}, no added latency)`);
  const file = await zwFile(sizes.dispatchRows);
  let sim = await startSim();
  const bare = spawnSync(process.execPath, [join(root, 'bench/bare-undici.mjs'), sim.url, String(sizes.dispatchRows), String(concurrency), 'atk_bench'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const bareOk = JSON.parse(bare.stdout.toString()).ok;
  const bareWindow = await orderWindow(sim.url);
  await sim.stop();
  sim = await startSim();
  const env = { AIRTIME_HOME: home(), ZW_BASE_URL: sim.url, ZW_API_KEY: 'atk_bench' };
  const wall = timeRun(process.execPath, [bin, 'bulk', file, '--provider', 'zw', '--yes', '--concurrency', String(concurrency)], env);
  const cliWindow = await orderWindow(sim.url);
  await sim.stop();
  if (cliWindow.count !== sizes.dispatchRows || bareOk !== sizes.dispatchRows) throw new Error(`orders: cli ${cliWindow.count}, bare ${bareOk}`);
  const cliRate = sizes.dispatchRows / (cliWindow.ms / 1000);
  sqliteDispatch = { rate: cliRate, wall };
  const bareRate = sizes.dispatchRows / (bareWindow.ms / 1000);
  record(
    'dispatch-requests-per-second',
    'req/s',
    cliRate,
    bareRate,
    '≥ 0.8× bare undici loop',
    cliRate / bareRate >= 0.8,
    `whole command incl. validation and journaling: ${round(sizes.dispatchRows / (wall / 1000))} rows/s`,
  );

  log(`dispatch with 50 ms latency (${sizes.latencyRows} orders, concurrency ${concurrency})`);
  const latencyFile = await zwFile(sizes.latencyRows);
  sim = await startSim(['--latency', '50']);
  timeRun(process.execPath, [bin, 'bulk', latencyFile, '--provider', 'zw', '--yes', '--concurrency', String(concurrency)], {
    AIRTIME_HOME: home(),
    ZW_BASE_URL: sim.url,
    ZW_API_KEY: 'atk_bench',
  });
  const latencyWindow = await orderWindow(sim.url);
  await sim.stop();
  const ideal = concurrency / 0.05;
  const latencyRate = latencyWindow.count / (latencyWindow.ms / 1000);
  record('dispatch-latency-requests-per-second', 'req/s', latencyRate, ideal, '≥ 0.9× ideal (concurrency ÷ latency)', latencyRate / ideal >= 0.9);
}

// 3b. Dispatch with the PostgreSQL journal (team mode) --------------------------------------------------
let sqliteDispatch;

async function sqliteDispatchRun(file, concurrency) {
  const sim = await startSim();
  const wall = timeRun(process.execPath, [bin, 'bulk', file, '--provider', 'zw', '--yes', '--concurrency', String(concurrency)], {
    AIRTIME_HOME: home(),
    ZW_BASE_URL: sim.url,
    ZW_API_KEY: 'atk_bench',
  });
  const window = await orderWindow(sim.url);
  await sim.stop();
  return { rate: sizes.dispatchRows / (window.ms / 1000), wall };
}

async function dispatchPostgres() {
  const concurrency = 16;
  log(`dispatch with the PostgreSQL journal (${sizes.dispatchRows} zw orders, concurrency ${concurrency}; a throwaway server with durable settings)`);
  const file = await zwFile(sizes.dispatchRows);
  const baseline = sqliteDispatch ?? (await sqliteDispatchRun(file, concurrency));
  const { startTestPostgres } = await import('../test/helpers/pg-server.mjs');
  const server = await startTestPostgres({ durable: true });
  try {
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const sim = await startSim();
    const env = { AIRTIME_HOME: home(), ZW_BASE_URL: sim.url, ZW_API_KEY: 'atk_bench', AIRTIME_JOURNAL_URL: server.url('bench') };
    const wall = timeRun(process.execPath, [bin, 'bulk', file, '--provider', 'zw', '--yes', '--concurrency', String(concurrency)], env);
    const window = await orderWindow(sim.url);
    await sim.stop();
    if (window.count !== sizes.dispatchRows) throw new Error(`orders with the PostgreSQL journal: ${window.count}`);
    const rate = sizes.dispatchRows / (window.ms / 1000);
    record(
      'dispatch-postgres-requests-per-second',
      'req/s',
      rate,
      baseline.rate,
      '≥ 0.5× the SQLite journal',
      rate / baseline.rate >= 0.5,
      `whole command: ${round(sizes.dispatchRows / (wall / 1000))} rows/s (SQLite: ${round(sizes.dispatchRows / (baseline.wall / 1000))} rows/s)`,
    );
  } finally {
    server.stop();
  }
}

// 4. Callback ingest --------------------------------------------------------------------------------
async function callbacks() {
  const count = sizes.callbacks;
  const concurrency = 32;
  const secret = 'whsec_bench';
  log(`callback ingest (${count} signed zw webhooks, concurrency ${concurrency})`);
  const airtimeHome = home();
  // The transfers the webhooks speak of, journaled as sent through the zw account the listener serves.
  const { openSqliteJournal } = await import(join(root, 'dist/journal/open.js'));
  const { makeAccount } = await import(join(root, 'dist/core/account.js'));
  const journal = openSqliteJournal(join(airtimeHome, 'journal.db'));
  await journalSubmittedZw(journal, makeAccount, count);
  await journal.close();

  const bare = spawn(process.execPath, [join(root, 'bench/bare-http.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [portText] = await once(bare.stdout, 'data');
  const bareLoad = JSON.parse(
    spawnSync(process.execPath, [
      join(root, 'bench/callback-load.mjs'),
      `http://127.0.0.1:${String(portText).trim()}/callbacks/zw`,
      String(count),
      String(concurrency),
      secret,
    ]).stdout.toString(),
  );
  bare.kill('SIGTERM');

  const listener = spawn(process.execPath, [bin, 'serve-callbacks', '--port', '0', '--format', 'json', '--no-sandbox'], {
    env: { ...process.env, AIRTIME_HOME: airtimeHome, ZW_WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let banner = '';
  listener.stderr.setEncoding('utf8').on('data', (chunk) => (banner += chunk));
  for (let waited = 0; !/ready: (\S+)/.test(banner); waited += 20) {
    if (waited > 10_000) throw new Error('listener did not start');
    await delay(20);
  }
  const url = /ready: (\S+)/.exec(banner)[1];
  const load = JSON.parse(
    spawnSync(process.execPath, [join(root, 'bench/callback-load.mjs'), `${url}/callbacks/zw`, String(count), String(concurrency), secret]).stdout.toString(),
  );
  listener.kill('SIGTERM');
  await once(listener, 'exit');

  const check = openSqliteJournal(join(airtimeHome, 'journal.db'));
  const delivered = (await check.list({ status: 'delivered' })).length;
  await check.close();
  const lost = count - delivered;
  const rate = load.ok / (load.ms / 1000);
  const bareRate = bareLoad.ok / (bareLoad.ms / 1000);
  record(
    'callback-ingest-per-second',
    'callbacks/s',
    rate,
    bareRate,
    '≥ 0.5× bare node:http, 0 lost',
    rate / bareRate >= 0.5 && lost === 0 && load.failed === 0,
  );
  record('callback-lost', 'callbacks', lost, 0, '0', lost === 0);
}

try {
  if (wanted('startup')) startup();
  if (wanted('csv')) await csv();
  if (wanted('dispatch')) await dispatch();
  if (wanted('dispatch-postgres')) await dispatchPostgres();
  if (wanted('callback')) await callbacks();
  // Issue 27: the same costs on a journal a year old (bench/journal-growth.mjs; its large journal is cached in bench/.cache/).
  if (wanted('journal-growth')) await (await import('./journal-growth.mjs')).journalGrowth({ root, bin, quick, work, home, log, record, round });
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (json) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  const { default: Table } = await import('cli-table3');
  const table = new Table({ head: ['name', 'value', 'baseline', 'ratio', 'target', 'pass'] });
  for (const entry of results)
    table.push([entry.name, `${entry.value} ${entry.unit}`, `${entry.baseline} ${entry.unit}`, `×${entry.ratio}`, entry.target, entry.pass ? 'yes' : 'NO']);
  process.stdout.write(`${table.toString()}\n`);
}
