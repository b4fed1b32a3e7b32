import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { keys, startPty } from '../helpers/pty.js';
import { journalRows, sandboxState } from '../helpers/sandbox-state.js';

/** Polls `check` every 20 ms for at most 10 s (a bounded loop, no sleep-based assertion). */
async function waitUntil(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check();) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What a person at a terminal meets: prompts, Ctrl-C, typed confirmations, spinners, tables, completion. */
describe('at a terminal', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  it('Ctrl-C at the profile add prompt cancels (130) and saves nothing', async () => {
    const session = startPty(home.home, ['profile', 'add', 'kenya']);
    await session.waitFor(/Provider/);
    session.write(keys.ctrlC);
    const { code } = await session.exited;
    expect(code).toBe(130);
    expect(session.text()).toMatch(/error: cancelled: nothing was changed/);
    expect(session.text()).not.toMatch(/this is a bug|\n\s+at /);
    expect(parseJson<{ profiles: { name: string }[] }>((await runCli(home.home, ['profile', 'list', '--json'])).stdout).profiles.map((p) => p.name)).toEqual([
      'default',
    ]);
  });

  it('Ctrl-C at the masked config set prompt cancels (130) and the secret is not saved', async () => {
    const session = startPty(home.home, ['config', 'set', 'api-key']);
    await session.waitFor(/api-key/);
    session.write('half-typed');
    session.write(keys.ctrlC);
    const { code } = await session.exited;
    expect(code).toBe(130);
    expect(session.text()).toMatch(/cancelled/);
    expect(session.text()).not.toContain('half-typed');
    expect((await runCli(home.home, ['config', 'get', 'api-key'])).code).toBe(1);
  });

  it('a run over 1,000 rows is confirmed by typing its row count: a wrong answer cancels, the right one pays', async () => {
    const { path } = writePayouts(home.home, 1001);
    const wrong = startPty(home.home, ['bulk', path], { env: { AIRTIME_SANDBOX_SETTLE_MS: '100' } });
    await wrong.waitFor(/This is a large run: 1,001 rows, 10,010\.00 KES \(over 1,000 rows\)/);
    await wrong.waitFor(/Type the number of rows \(1001\) to confirm/);
    wrong.write(`y${keys.enter}`);
    expect((await wrong.exited).code).toBe(130);
    expect(wrong.text()).toMatch(/cancelled: "y" is not 1001; nothing was sent/);
    expect(sandboxState(home.home).transfers).toBe(0);

    const right = startPty(home.home, ['bulk', path], { env: { AIRTIME_SANDBOX_SETTLE_MS: '100' }, timeoutMs: 60_000 });
    await right.waitFor(/Type the number of rows \(1001\) to confirm/);
    right.write(`1,001${keys.enter}`);
    expect((await right.exited).code).toBe(0);
    expect(sandboxState(home.home).transfers).toBe(1001);
    // The summary, with thousands separators on a terminal.
    expect(right.text()).toMatch(/accepted by the provider\s+1,001\s+10,010\.00 KES/);
    expect(right.text()).toMatch(/total in batch\s+1,001\s+10,010\.00 KES/);
  });

  it('a configured amount makes even one send a large run: type its total', async () => {
    await runCli(home.home, ['config', 'set', 'large-run.KES', '500']);
    const session = startPty(home.home, ['send', '+254711000100', '1000', '--key', 'big-one']);
    await session.waitFor(/over large-run\.KES/);
    await session.waitFor(/Type the KES total \(1000\.00\) to confirm/);
    session.write(`1000${keys.enter}`);
    expect((await session.exited).code).toBe(0);
    expect(sandboxState(home.home).keys.has('big-one')).toBe(true);
  });

  it('progress moves while the embedded sandbox pays: counts, money, rate and ETA update before the end', async () => {
    const { path } = writePayouts(home.home, 6000);
    const session = startPty(home.home, ['bulk', path, '--yes', '--concurrency', '1'], { timeoutMs: 90_000, cols: 120 });
    const seen = new Set<string>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && seen.size < 3) {
      const match = await session.waitFor(
        /sent ([\d,]+)\/6,000 · [\d,.]+ KES · failed 0 · unknown 0 · [\d.]+ rows\/s · (ETA (?:\d+m )?\d+s|ETA —) · \d+/,
        30_000,
      );
      if (match[1] !== '6,000') seen.add(match[1] ?? '');
      // Look only at what arrives next.
      const before = session.text().length;
      while (session.text().length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (/sent 6,000\/6,000/.test(session.text())) break;
    }
    expect((await session.exited).code).toBe(0);
    // More than one intermediate count was drawn: the spinner was not frozen until the end.
    const counts = [...session.text().matchAll(/sent ([\d,]+)\/6,000/g)].map((match) => match[1]);
    expect(new Set(counts.filter((count) => count !== '6,000' && count !== '0')).size).toBeGreaterThanOrEqual(2);
  });

  it('tables fit the terminal, without borders between rows, amounts right-aligned, local times to the second', async () => {
    for (const [phone, amount] of [
      ['+254711000100', '1234.50'],
      ['+254711000200', '5'],
    ] as const) {
      await runCli(home.home, ['send', phone, amount, '--yes', '--note', 'a long note that would never fit on a narrow terminal at all']);
    }
    const tableLines = (text: string) => text.split('\n').filter((line) => /^reference|KES/.test(line));
    const wide = startPty(home.home, ['status'], { cols: 100 });
    expect((await wide.exited).code).toBe(0);
    const lines = tableLines(wide.text());
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(
      wide
        .text()
        .split('\n')
        .some((line) => /[─━┼│┌└]|^[-+=]{3,}/.test(line)),
    ).toBe(false);
    const rows = lines.slice(1);
    // Right-aligned: the amounts end in the same column.
    expect(new Set(rows.map((line) => (/KES/.exec(line)?.index ?? 0) + 3)).size).toBe(1);
    expect(rows.join('\n')).toMatch(/1,234\.50 KES/);
    expect(rows[0]).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(rows.join('\n')).not.toMatch(/\d\d:\d\d:\d\d\.\d{3}|T\d\d:/);
    // A narrow terminal: the provider and time give way, the reference and money stay whole.
    const narrow = startPty(home.home, ['status'], { cols: 60 });
    expect((await narrow.exited).code).toBe(0);
    const cut = tableLines(narrow.text());
    for (const line of cut) expect(line.length).toBeLessThanOrEqual(60);
    expect(cut[0]).toMatch(/^reference\s+status\s+phone\s+amount$/);
    expect(cut[1]).toMatch(/^tx_[0-9a-z]{16}\s+submitted\s+\+254711000200\s+5\.00 KES$/);
  });

  it('Ctrl-C after money left is never a cancellation: it says what was sent and the command that follows it', async () => {
    // While --wait waits (the sandbox settles in a minute): the wait stops, the transfer is named, exit 5.
    const waiting = startPty(home.home, ['send', '+254711000123', '10', '--yes', '--wait', '--timeout', '50'], {
      env: { AIRTIME_SANDBOX_SETTLE_MS: '60000' },
      timeoutMs: 30_000,
    });
    await waiting.waitFor(/waiting for tx_\w+: submitted/);
    waiting.write(keys.ctrlC);
    expect((await waiting.exited).code).toBe(5);
    const reference = /tx_[0-9a-z]{16}/.exec(waiting.text())?.[0] ?? 'none';
    expect(waiting.text()).toContain(
      `stopped waiting, not the transfer: ${reference} was sent and is submitted — nothing was cancelled; follow it with 'airtime status ${reference}'`,
    );
    expect(waiting.text()).not.toMatch(/cancelled \(|this is a bug/);
    // The printed next step does what it says: it finds that very transfer.
    const followed = await runCli(home.home, ['status', reference], { env: { AIRTIME_SANDBOX_SETTLE_MS: '60000' } });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain(reference);

    // While the request is in flight (the sandbox answers in 4 s): the first Ctrl-C says it cannot be taken
    // back and lets the answer arrive; a second one leaves, naming the transfer, exit 5 — never 130.
    const slow = { AIRTIME_SANDBOX_LATENCY_MS: '4000' };
    const patient = startPty(home.home, ['send', '+254711000124', '10', '--yes'], { env: slow, timeoutMs: 30_000 });
    await waitUntil(() => journalRows(home.home).some((row) => row.status === 'sending'));
    patient.write(keys.ctrlC);
    await patient.waitFor(/is in flight and cannot be taken back: waiting for its answer/);
    expect((await patient.exited).code).toBe(0);
    expect(patient.text()).toMatch(/submitted/);
    const leaving = startPty(home.home, ['send', '+254711000125', '10', '--yes'], { env: slow, timeoutMs: 30_000 });
    await waitUntil(() => journalRows(home.home).filter((row) => row.status === 'sending').length > 0);
    leaving.write(keys.ctrlC);
    await leaving.waitFor(/cannot be taken back/);
    // A second keypress, not the echo of the first (a repeat within 250 ms is the same one: ui/interrupt.ts).
    await new Promise((resolve) => setTimeout(resolve, 400));
    leaving.write(keys.ctrlC);
    expect((await leaving.exited).code).toBe(5);
    expect(leaving.text()).toMatch(/left while the request for (tx_\w+) was in flight: it may have been paid — follow it with 'airtime status \1'/);
  });

  it('at 60 columns nothing wraps: batches keeps its multi-currency total whole, help wraps its text and examples', async () => {
    expect((await runCli(home.home, ['bulk', resolve('samples/payouts.csv'), '--yes'])).code).toBe(0);
    const batches = startPty(home.home, ['batches'], { cols: 60 });
    expect((await batches.exited).code).toBe(0);
    const lines = batches
      .text()
      .split('\n')
      .filter((line) => line.trim());
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    expect(lines.find((line) => line.startsWith('b_'))).toContain('1,400.50 KES + 5,000 UGX');
    const help = startPty(home.home, ['help', 'send'], { cols: 60 });
    expect((await help.exited).code).toBe(0);
    const long = help
      .text()
      .split('\n')
      .filter((line) => line.length > 60 && !line.includes('Exit codes:'));
    expect(long).toEqual([]);
    // A long example continues after " \\" (a shell joins the lines): it still runs as shown.
    expect(help.text()).toMatch(/ \\\n {6}\S/);
  });

  it('Ctrl-C stops a listener cleanly with 130', async () => {
    for (const args of [
      ['serve-callbacks', '--port', '0'],
      ['sandbox', 'serve', '--port', '0'],
    ]) {
      const session = startPty(home.home, args);
      await session.waitFor(/ready: http|simulators ready on http/);
      session.write(keys.ctrlC);
      expect((await session.exited).code).toBe(130);
      expect(session.text()).not.toMatch(/this is a bug/);
    }
  });

  it('bash completes commands, flags, profiles, providers and batch ids through the completion script', async () => {
    await runCli(home.home, ['profile', 'add', 'kenya-live', '--provider', 'africastalking', '--username', 'me']);
    const paid = await runCli(home.home, ['bulk', resolve(import.meta.dirname, '../../samples/payouts.csv'), '--yes', '--json'], {
      env: { AIRTIME_SANDBOX_SETTLE_MS: '100' },
    });
    const batch = parseJson<{ batch: string }>(paid.stdout).batch;
    const rc = join(home.home, 'bashrc');
    // The script uses _get_comp_words_by_ref from the bash-completion package; this machine may not have
    // it, so the rc file defines the same contract from bash's own COMP_WORDS (no colons in our words).
    writeFileSync(
      rc,
      [
        'PS1="$ "',
        `airtime() { "${process.execPath}" "${resolve(import.meta.dirname, '../../bin/airtime.js')}" "$@"; }`,
        'type _get_comp_words_by_ref >/dev/null 2>&1 || _get_comp_words_by_ref() { cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }',
        'source <(airtime completion bash)',
        'bind "set show-all-if-ambiguous on" 2>/dev/null',
        '',
      ].join('\n'),
    );
    const shell = startPtyShell(home.home, rc);
    await shell.waitFor(/\$ $/);
    const complete = async (typed: string, expected: RegExp) => {
      const before = shell.text().length;
      shell.write(`${typed}\t\t`);
      const deadline = Date.now() + 15_000;
      while (!expected.test(shell.text().slice(before)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(shell.text().slice(before)).toMatch(expected);
      shell.write('\x15'); // Ctrl-U: clear the line for the next one
    };
    await complete('airtime ba', /batch\s+batches/);
    await complete('airtime bulk --res', /--resume/);
    await complete('airtime bulk --resume ', new RegExp(batch));
    await complete('airtime profile use ', /default\s+kenya-live|kenya-live\s+default/);
    await complete('airtime send 1 1 --provider ', /africastalking\s+lipad\s+sandbox\s+zw|sandbox\s+africastalking/);
    shell.write(`exit${keys.enter}`);
    await shell.exited;
  });
});

/** An interactive bash under a pseudo-terminal, with AIRTIME_HOME set, reading `rc`. */
function startPtyShell(home: string, rc: string) {
  return startPty(home, [], { command: '/bin/bash', args: ['--noprofile', '--rcfile', rc, '-i'], timeoutMs: 60_000, cols: 200 });
}
