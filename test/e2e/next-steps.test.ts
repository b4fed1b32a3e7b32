import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { startPostgres } from '../helpers/pg-server.mjs';
import { drainSandboxWallet } from '../helpers/sandbox-state.js';
import { simCreds, simEnv, startTestSim } from '../helpers/sim.js';

/**
 * Issue 23: every next step works as printed, in the context it was printed. Each scenario takes the hint
 * the CLI printed, runs it as printed (only `--stdin` added where a prompt would ask on a terminal) and
 * checks that it did what it said.
 */
export function hintsIn(text: string): string[] {
  return [...text.matchAll(/'(airtime [^']+)'/g)].map((match) => match[1] ?? '');
}

/** Runs a printed `airtime …` command; `extra` adds what a terminal would have asked for. */
export function runHint(home: string, hint: string, options: { extra?: string[]; input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const words = hint.split(/\s+/).slice(1);
  return runCli(home, [...words, ...(options.extra ?? [])], { input: options.input, env: options.env });
}

describe('next steps work as printed', () => {
  let sim: RunningSimServer;
  beforeAll(async () => {
    sim = await startTestSim();
  });
  afterAll(() => sim.close());

  it("a credential refused under --profile at names 'config set api-key --profile at', and running it fixes that profile", async () => {
    const { home, cleanup } = tempHome();
    try {
      const add = await runCli(home, [
        'profile',
        'add',
        'at',
        '--provider',
        'africastalking',
        '--username',
        simCreds.at.username,
        '--base-url',
        sim.url,
        '--api-key',
        'wrong-key-0000',
        '--country',
        'KE',
      ]);
      expect(add.code).toBe(0);
      const refused = await runCli(home, ['send', '+254711000100', '10', '--profile', 'at', '--yes']);
      expect(refused.code).toBe(4);
      const hint = hintsIn(refused.stderr).find((line) => line.includes('api-key'));
      expect(hint).toBe('airtime config set api-key --profile at');
      const fixed = await runHint(home, hint ?? '', { extra: ['--stdin'], input: simCreds.at.apiKey });
      expect(fixed.code).toBe(0);
      expect(fixed.stderr).toContain('(profile at)');
      const again = await runCli(home, ['send', '+254711000100', '10', '--profile', 'at', '--yes']);
      expect(again.code).toBe(0);
      // Set on the sandbox profile (what the old hint did), a key is not silently accepted: it says where it belongs.
      const misplaced = await runCli(home, ['config', 'set', 'api-key', '--stdin'], { input: 'x' });
      expect(misplaced.stderr).toContain(
        "warning: profile default is for sandbox, which does not use api-key: for profile at run 'airtime config set api-key --profile at'",
      );
    } finally {
      cleanup();
    }
  });

  it('a setting hint under --profile names that profile (config get)', async () => {
    const { home, cleanup } = tempHome();
    try {
      expect((await runCli(home, ['profile', 'add', 'zwp', '--provider', 'zw', '--base-url', sim.url])).code).toBe(0);
      const got = await runCli(home, ['config', 'get', 'webhook-secret', '--profile', 'zwp']);
      const [hint] = hintsIn(got.stderr);
      expect(hint).toBe('airtime config set webhook-secret --profile zwp');
      expect((await runHint(home, hint ?? '', { extra: ['--stdin'], input: simCreds.zw.webhookSecret })).code).toBe(0);
      expect((await runCli(home, ['config', 'get', 'webhook-secret', '--profile', 'zwp'])).code).toBe(0);
      // A provider hint under --profile keeps the profile (its credentials): 'wallet --provider zw' would fail (exit 4).
      const env = { ZW_API_KEY: simCreds.zw.apiKey };
      const topup = await runCli(home, ['wallet', 'topup', '50', 'USD', '--profile', 'zwp'], { env });
      expect(topup.code).toBe(0);
      const [walletHint] = hintsIn(topup.stderr);
      expect(walletHint).toBe('airtime wallet --profile zwp');
      expect((await runHint(home, walletHint ?? '', { env })).code).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('a dry run exits with the code the real run would: repeats, --max-total, approval, invalid rows', async () => {
    const { home, cleanup } = tempHome();
    try {
      expect((await runCli(home, ['send', '+254711000150', '10', '--yes'])).code).toBe(0);
      const file = join(home, 'pay.csv');
      writeFileSync(file, 'phone,amount\n+254711000150,10\n+254711000151,20\n');
      const bad = join(home, 'bad.csv');
      writeFileSync(bad, 'phone,amount\n2.54712E+11,10\n+254711000152,20\n');
      const scenarios: [string, string[], number][] = [
        ['a repeat of a payment', ['bulk', file], 1],
        ['--max-total under the total', ['bulk', file, '--allow-repeats', '--max-total', '25 KES'], 1],
        ['a single send repeating', ['send', '+254711000150', '10'], 1],
        ['invalid rows', ['bulk', bad], 3],
      ];
      for (const [what, args, code] of scenarios) {
        const dry = await runCli(home, [...args, '--dry-run']);
        const real = await runCli(home, [...args, '--yes']);
        expect({ what, dry: dry.code, real: real.code }).toEqual({ what, dry: code, real: code });
      }
      // Above the approval threshold (SQLite: anyone may set the policy): both exit 5, nothing sent.
      expect((await runCli(home, ['policy', 'set', 'approvals.above', '15 KES'])).code).toBe(0);
      const fresh = join(home, 'fresh.csv');
      writeFileSync(fresh, 'phone,amount\n+254711000160,10\n+254711000161,20\n');
      const dry = await runCli(home, ['bulk', fresh, '--dry-run']);
      expect(dry.stderr).toContain('the real run would journal it and wait for approval');
      const real = await runCli(home, ['bulk', fresh, '--yes']);
      expect({ dry: dry.code, real: real.code }).toEqual({ dry: 5, real: 5 });
    } finally {
      cleanup();
    }
  });

  it("every example in 'help send', 'help products' and 'help wallet' runs as shown (zw against its simulator)", async () => {
    const env = simEnv(sim.url);
    const examples: string[] = [];
    for (const page of [['send'], ['products'], ['wallet'], ['wallet', 'topup']]) {
      const help = await runCli(tempHome().home, ['help', ...page]);
      // A long example continues after " \\" on the next line, as a shell joins them.
      const joined = help.stdout.replace(/ \\\n\s+/g, ' ');
      examples.push(...[...joined.matchAll(/^\s+\$ airtime (.+?)\s*(?:#.*)?$/gm)].map((match) => match[1] ?? ''));
    }
    expect(examples.length).toBeGreaterThanOrEqual(8);
    for (const example of new Set(examples)) {
      const { home, cleanup } = tempHome();
      try {
        // Words as a shell reads them (the examples quote with "…" only).
        const words = [...example.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '');
        const result = await runCli(home, words, { env });
        expect({ example, code: result.code, stderr: result.stderr }).toMatchObject({ example, code: 0 });
      } finally {
        cleanup();
      }
    }
  });

  it("a local number's hint names the provider's country: ZW (+263) under zw, the profile's country first", async () => {
    const { home, cleanup } = tempHome();
    try {
      const zw = await runCli(home, ['send', '0772279099', '1', '--provider', 'zw', '--dry-run'], { env: simEnv(sim.url) });
      expect(zw.code).toBe(3);
      expect(zw.stderr).toContain('give its country with --country (e.g. ZW) or write it as +263…');
      const kenya = await runCli(home, ['send', '0711000100', '1', '--dry-run']);
      expect(kenya.stderr).toContain('(e.g. KE) or write it as +254…');
      const uganda = join(home, 'ug.csv');
      writeFileSync(uganda, 'phone,amount\n772000100,1000\n');
      expect((await runCli(home, ['profile', 'add', 'ug', '--provider', 'zw', '--country', 'UG'])).code).toBe(0);
      expect((await runCli(home, ['bulk', uganda, '--dry-run', '--profile', 'ug'], { env: simEnv(sim.url) })).stderr).not.toContain('+254');
    } finally {
      cleanup();
    }
  });

  it("'callbacks list --flag' takes the flags the journal writes on callbacks (repeat, refused)", async () => {
    const { home, cleanup } = tempHome();
    try {
      for (const flag of ['repeat', 'refused']) {
        const listed = await runCli(home, ['callbacks', 'list', '--flag', flag]);
        expect({ flag, code: listed.code }).toEqual({ flag, code: 0 });
        expect(listed.stderr).toContain(`no callbacks flagged ${flag}`);
      }
    } finally {
      cleanup();
    }
  });

  it('the sandbox wallet can be topped up: a drained rehearsal wallet is refilled by wallet topup, and the send goes through', async () => {
    const { home, cleanup } = tempHome();
    try {
      expect((await runCli(home, ['wallet'])).code).toBe(0); // opens the sandbox's state
      drainSandboxWallet(home, 'KES', 500);
      const short = await runCli(home, ['send', '+254711000170', '10', '--yes']);
      expect(short.code).not.toBe(0);
      const topup = await runCli(home, ['wallet', 'topup', '100', 'KES']);
      expect(topup.code).toBe(0);
      expect(topup.stderr).toContain("credited 100.00 KES to sandbox (profile default): 'airtime wallet' shows the new balance");
      expect(topup.stderr).not.toMatch(/portal/);
      const [walletHint] = hintsIn(topup.stderr);
      const wallet = await runHint(home, walletHint ?? '');
      expect(wallet.stdout).toMatch(/sandbox\tKES\t105\.00/);
      expect((await runCli(home, ['send', '+254711000170', '10', '--yes', '--allow-repeats'])).code).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('invalid rows are grouped by reason with their lines, then one next step that works as printed', async () => {
    const { home, cleanup } = tempHome();
    try {
      const lines = ['phone,amount'];
      for (let index = 0; index < 300; index += 1) {
        const phone = `+2547110${String(index + 1000).padStart(5, '0')}`; // no magic endings (0001…)
        if (index % 20 === 7) lines.push('2.54712E+11,10');
        else if (index % 20 === 9) lines.push(`${phone},abc`);
        else if (index % 20 === 11) lines.push(`0711${String(index).padStart(6, '0')},10`);
        else lines.push(`${phone},10`);
      }
      const file = join(home, 'payouts.csv');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const dry = await runCli(home, ['bulk', file, '--dry-run'], { cwd: home });
      expect(dry.code).toBe(3);
      const reasons = dry.stdout.split('\n').filter((line) => /^ {2}\d+ rows, /.test(line));
      expect(reasons).toHaveLength(3);
      expect(reasons[0]).toMatch(
        /^ {2}15 rows, phone: phone "…" was turned into scientific notation by a spreadsheet: .* — lines 9, 29, 49, 69, 89, 109, 129, 149, … \(7 more\)$/,
      );
      expect(dry.stdout).not.toMatch(/^ {2}line \d+/m);
      const next = dry.stdout.split('\n').filter((line) => line.startsWith('next: '));
      expect(next).toHaveLength(1);
      const [hint] = hintsIn(next[0] ?? '');
      expect(hint).toBe(`airtime bulk ${file} --dry-run --errors-out bad.csv`);
      const written = await runCli(home, (hint ?? '').split(' ').slice(1), { cwd: home });
      expect(written.code).toBe(3);
      expect(readFileSync(join(home, 'bad.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 45);
      // The real run's refusal names the same next step, and --skip-invalid (its other half) pays the rest.
      const real = await runCli(home, ['bulk', file, '--yes'], { cwd: home });
      expect(real.code).toBe(3);
      expect(hintsIn(real.stderr)).toContain(`airtime bulk ${file} --dry-run --errors-out bad.csv`);
      expect((await runCli(home, ['bulk', file, '--yes', '--skip-invalid'], { cwd: home })).code).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('audit export writes money as a decimal string with its currency: thresholds and totals, in CSV and JSON', async () => {
    const { home, cleanup } = tempHome();
    try {
      expect((await runCli(home, ['policy', 'set', 'approvals.above', '1000 KES'])).code).toBe(0);
      const file = join(home, 'pay.csv');
      writeFileSync(file, 'phone,amount,currency\n+254711000180,1400.50,KES\n+256772000180,5000,UGX\n');
      expect((await runCli(home, ['bulk', file, '--yes'])).code).toBe(5); // held for approval
      const json = await runCli(home, ['audit', 'export', '--format', 'json']);
      const events = JSON.parse(json.stdout) as { kind: string; detail: Record<string, unknown> }[];
      expect(events.find((event) => event.kind === 'policy-set')?.detail).toMatchObject({ changes: { 'approvals.above.KES': '1000.00 KES' } });
      expect(events.find((event) => event.kind === 'batch-created')?.detail).toMatchObject({ totals: { KES: '1400.50 KES', UGX: '5000 UGX' } });
      const csv = await runCli(home, ['audit', 'export', '--format', 'csv']);
      expect(csv.stdout).toContain('""approvals.above.KES"":""1000.00 KES""');
      expect(csv.stdout).not.toMatch(/"100000"|140050/);
    } finally {
      cleanup();
    }
  });

  it('reconcile says what really happened: still submitted is not "resolved", and another embedded sandbox is named as such', async () => {
    const { home, cleanup } = tempHome();
    const other = tempHome();
    try {
      const env = { AIRTIME_SANDBOX_SETTLE_MS: '60000' };
      expect((await runCli(home, ['send', '+254711000190', '10', '--yes'], { env })).code).toBe(0);
      const same = await runCli(home, ['reconcile', '--submitted'], { env });
      expect(same.stderr).toContain('checked 1: 0 resolved, 1 still in progress (submitted: nothing changed)');
      // Another operator on the same journal (here: a copy of it) with an embedded sandbox of their own.
      copyFileSync(join(home, 'journal.db'), join(other.home, 'journal.db'));
      const theirs = await runCli(other.home, ['reconcile', '--submitted'], { env });
      expect(theirs.stderr).toMatch(/^checked 1: 0 resolved,/);
      expect(theirs.stdout).toContain("this machine's embedded sandbox has no record of it: each operator's embedded sandbox is their own");
      expect(theirs.stdout).toContain("'airtime sandbox serve'");
    } finally {
      cleanup();
      other.cleanup();
    }
  });

  it('with --json an error is a JSON object on stdout too, with the exit code; one row is "1 row"', async () => {
    const { home, cleanup } = tempHome();
    try {
      const failed = await runCli(home, ['status', 'tx_nope', '--json']);
      expect(failed.code).toBe(3);
      expect(JSON.parse(failed.stdout)).toMatchObject({ error: { kind: 'invalidInput', exitCode: 3, message: expect.stringContaining('tx_nope') } });
      expect(failed.stderr).toContain('error: no transfer with reference "tx_nope"');
      const file = join(home, 'one.csv');
      writeFileSync(file, 'phone,amount\n+254711000555,10\n');
      const dry = await runCli(home, ['bulk', file, '--dry-run']);
      expect(dry.stdout).toContain('  send now: 1 row, 10.00 KES');
    } finally {
      cleanup();
    }
  });

  it("a PostgreSQL role that needs a password says so and names PGPASSWORD, not the driver's SCRAM jargon; setting it works", async () => {
    const server = await startPostgres({ password: 'owner-pw-1' });
    const { home, cleanup } = tempHome();
    try {
      const env = { AIRTIME_JOURNAL_URL: server.url('postgres'), PGPASSWORD: undefined };
      // Not asserted: the exit. pg 8.23 leaves the failed SCRAM connection's socket open, so the process does
      // not end by itself after printing (reported to the lead, not fixed here); runCli kills it after 8 s.
      const refused = await runCli(home, ['whoami'], { env, timeoutMs: 8_000 });
      expect(refused.stderr).toContain("needs its role's password and none was given");
      expect(refused.stderr).toContain('set PGPASSWORD');
      expect(refused.stderr).not.toMatch(/SCRAM|must be a string/);
      const followed = await runCli(home, ['whoami'], { env: { ...env, PGPASSWORD: 'owner-pw-1' } });
      expect(followed.code).toBe(0);
      expect(followed.stdout).toContain('postgres');
    } finally {
      cleanup();
      server.stop();
    }
  });

  it('the approver sees who is paid: the largest rows, the countries, local time, and a command for every row that works', async () => {
    const { home, cleanup } = tempHome();
    try {
      expect((await runCli(home, ['policy', 'set', 'approvals.above', '100 KES, 1000 UGX'])).code).toBe(0);
      const file = join(home, 'pay.csv');
      writeFileSync(file, 'phone,amount,currency\n+254711000300,50,KES\n+254733000400,1000,KES\n+256772000500,5000,UGX\n');
      const planned = await runCli(home, ['bulk', file, '--yes']);
      expect(planned.code).toBe(5);
      const batch = /approve (b_\w+)/.exec(planned.stderr)?.[1] ?? 'none';
      const shown = await runCli(home, ['approve', batch]); // refused (the planner), but shown first
      expect(shown.stderr).toMatch(
        / {2}largest rows:\n {4}line 3 {2}\+254733000400 {2}1000\.00 KES\n {4}line 2 {2}\+254711000300 {2}50\.00 KES\n {4}line 4 {2}\+256772000500 {2}5000 UGX/,
      );
      expect(shown.stderr).toContain('  countries: KE 2, UG 1');
      expect(shown.stderr).toMatch(/planned by .+ at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n/);
      const [hint] = hintsIn(shown.stderr);
      expect(hint).toBe(`airtime batch show ${batch} --out review.csv`);
      const review = await runCli(home, (hint ?? '').split(' ').slice(1), { cwd: home });
      expect(review.code).toBe(0);
      expect(readFileSync(join(home, 'review.csv'), 'utf8')).toContain('+256772000500');
    } finally {
      cleanup();
    }
  });
});
