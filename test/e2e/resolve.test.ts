import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts, writeZwPayouts } from '../helpers/files.js';
import { journalRows } from '../helpers/sandbox-state.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

/**
 * `airtime resolve` asks the provider first (invariant 10): an operator's `--failed` or `--not-sent` never
 * contradicts a provider that says it paid, and what the provider could not confirm stays possibly paid for
 * the repeat guard. The reproduction: a transfer whose answer was lost (the provider took and paid it), then
 * `resolve --failed`, then a new `send` to the same phone and amount — charged once, counted at the simulator.
 */
const providers = [
  { name: 'zw', gateway: 'zw', phone: '+263770000005', amount: '1', currency: 'USD', answers: true },
  { name: 'lipad', gateway: 'lipad', phone: '+254710000005', amount: '10', currency: 'KES', answers: true },
  { name: 'africastalking', gateway: 'at', phone: '+254710000005', amount: '10', currency: 'KES', answers: false },
] as const;

type Gateway = 'zw' | 'lipad' | 'at';

interface EventRow {
  kind: string;
  flags: string | null;
  payload: string | null;
  actor: string;
}

function resolveEvents(home: string): EventRow[] {
  const db = new Database(join(home, 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT kind, flags, payload, actor FROM events WHERE kind = 'resolve' ORDER BY id`).all() as EventRow[];
  } finally {
    db.close();
  }
}

describe('resolve asks the provider first', () => {
  let sim: RunningSimServer;
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;
  const charges = (gateway: Gateway) => [...sim[gateway].gateway.sendCounts().values()].reduce((sum, count) => sum + Math.min(count, 1), 0);

  beforeEach(async () => {
    sim = await startTestSim();
    home = tempHome();
    env = { ...simEnv(sim.url), AIRTIME_HTTP_TIMEOUT_MS: '2000', AIRTIME_RESEND_SETTLE_MS: '0' };
  });
  afterEach(async () => {
    await sim.close();
    home.cleanup();
  });

  /** A send the provider took (and paid) while the CLI died before recording its answer: journaled `sending`. */
  async function lostAnswer(provider: (typeof providers)[number]): Promise<string> {
    const before = charges(provider.gateway);
    const sent = await runCli(home.home, ['send', provider.phone, provider.amount, '--provider', provider.name, '--yes', '--key', `tx_${provider.name}_lost`], {
      env: { ...env, AIRTIME_FAILPOINT: 'after-send:1' },
    });
    expect(sent.signal).toBe('SIGKILL');
    expect(charges(provider.gateway)).toBe(before + 1);
    return `tx_${provider.name}_lost`;
  }

  it.each(providers)('$name: a paid transfer marked --failed, then sent again, is charged once', async (provider) => {
    const reference = await lostAnswer(provider);
    // Lipad settles after a short delay: its answer is "in progress" before, "delivered" after — refused either way.
    const resolved = await runCli(home.home, ['resolve', reference, '--failed', '--note', 'not in the dashboard', '--provider', provider.name], { env });
    if (provider.answers) {
      expect(resolved.code).toBe(1);
      expect(resolved.stderr).toMatch(new RegExp(`${reference}: ${provider.name} says (delivered|in progress).*not marked failed.*--override-provider`));
      expect(journalRows(home.home).map((row) => row.status)).toEqual(['sending']);
    } else {
      // Africa's Talking cannot be asked (no requestId was recorded): the operator's word is recorded, unconfirmed.
      expect(resolved.code).toBe(0);
      expect(resolved.stderr).toMatch(/not confirmed by the provider \(africastalking cannot be asked.*still counted as possibly paid/);
      expect(journalRows(home.home).map((row) => row.status)).toEqual(['failed']);
      expect(resolveEvents(home.home)[0]?.flags).toContain('unconfirmed');
    }

    const again = await runCli(home.home, ['send', provider.phone, provider.amount, '--provider', provider.name, '--yes'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/repeats a payment of the last 30 days.*nothing was sent/);
    expect(charges(provider.gateway)).toBe(1);

    // --allow-repeats is the explicit way to pay it anyway.
    const allowed = await runCli(home.home, ['send', provider.phone, provider.amount, '--provider', provider.name, '--yes', '--allow-repeats'], { env });
    expect(allowed.code).not.toBe(1);
    expect(charges(provider.gateway)).toBe(2);
  });

  it('zw: --override-provider records the operator word against the provider, journaled with who, why and what the provider said; still possibly paid', async () => {
    const provider = providers[0];
    const reference = await lostAnswer(provider);
    const resolved = await runCli(
      home.home,
      ['resolve', reference, '--failed', '--note', 'zw support says reversed, ticket 881', '--override-provider', '--json'],
      { env },
    );
    expect(resolved.code).toBe(0);
    const answer = parseJson<{ by: string; transfers: { status: string; overridden: boolean; confirmedByProvider: boolean; provider: { said: string } }[] }>(
      resolved.stdout,
    );
    expect(answer.transfers[0]).toMatchObject({ status: 'failed', overridden: true, confirmedByProvider: false, provider: { said: 'paid' } });
    const [event] = resolveEvents(home.home);
    expect(event?.flags).toContain('override');
    expect(event?.actor).toBe(answer.by);
    const payload = JSON.parse(event?.payload ?? '{}') as { by: string; note: string; override: boolean; provider: { said: string; text: string } };
    expect(payload).toMatchObject({ by: answer.by, note: 'zw support says reversed, ticket 881', override: true, provider: { said: 'paid' } });
    expect(payload.provider.text).toMatch(/zw says delivered/);
    expect((await runCli(home.home, ['audit', 'verify'], { env })).code).toBe(0);

    const again = await runCli(home.home, ['send', provider.phone, provider.amount, '--provider', 'zw', '--yes'], { env });
    expect(again.code).toBe(1);
    expect(charges('zw')).toBe(1);
  });

  it('zw: --failed on a transfer the provider failed is confirmed, and leaves the repeat guard', async () => {
    // A phone ending 0001: the simulators' magic number for a rejected order (src/sim/magic.ts).
    const sent = await runCli(home.home, ['send', '+263771230001', '1', '--provider', 'zw', '--yes', '--key', 'tx_declined'], {
      env: { ...env, AIRTIME_FAILPOINT: 'after-send:1' },
    });
    expect(sent.signal).toBe('SIGKILL');
    const resolved = await runCli(home.home, ['resolve', 'tx_declined', '--failed', '--note', 'declined', '--json'], { env });
    expect(resolved.code).toBe(0);
    expect(parseJson<{ transfers: { confirmedByProvider: boolean }[] }>(resolved.stdout).transfers[0]?.confirmedByProvider).toBe(true);
    // Nobody was paid, and the provider says so: the same phone and amount may be sent again without --allow-repeats.
    const again = await runCli(home.home, ['send', '+263771230001', '1', '--provider', 'zw', '--yes', '--dry-run'], { env });
    expect(again.stderr).not.toMatch(/repeat/);
    expect(again.code).toBe(0);
  });

  it('--not-sent: refused where the provider holds the request; on AT, which cannot prove it, only as a journaled override, after which only its own resend may send it', async () => {
    const zw = await lostAnswer(providers[0]);
    const refused = await runCli(home.home, ['resolve', zw, '--not-sent', '--note', 'not in portal', '--yes'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/zw says delivered.*not marked not-sent/);

    const at = await lostAnswer(providers[2]);
    // Hostile test: an unconfirmed --not-sent on a provider that does not deduplicate a resend led to a second charge.
    const risky = await runCli(home.home, ['resolve', at, '--not-sent', '--note', 'not in the AT dashboard', '--yes'], { env });
    expect(risky.code).toBe(1);
    expect(risky.stderr).toMatch(/sending it again may pay twice: not marked not-sent .*--override-provider/);
    const noTerminal = await runCli(home.home, ['resolve', at, '--not-sent', '--note', 'not in the AT dashboard', '--override-provider'], { env });
    expect(noTerminal.code).toBe(2);
    const requeued = await runCli(home.home, ['resolve', at, '--not-sent', '--note', 'not in the AT dashboard', '--override-provider', '--yes'], { env });
    expect(requeued.code).toBe(0);
    expect(requeued.stderr).toMatch(/not confirmed by the provider.*held as a repeat/);
    // A new send to the same phone and amount under another key is held; the key itself is its own resend.
    const other = await runCli(home.home, ['send', providers[2].phone, providers[2].amount, '--provider', 'africastalking', '--yes'], { env });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/repeats a payment/);
    expect(charges('at')).toBe(1);
    const own = await runCli(home.home, ['send', providers[2].phone, providers[2].amount, '--provider', 'africastalking', '--key', at, '--yes'], { env });
    expect(own.stderr).toMatch(/was put back by an operator, unconfirmed by africastalking/);
    expect(own.code).toBe(0);
    expect(own.stderr).not.toMatch(/repeats a payment/);
    // Sent afresh on the operator's word (the simulator still remembers the first Idempotency-Key: no second charge there).
    expect(charges('at')).toBeLessThanOrEqual(2);
  });

  it('zw: --not-sent on requests zw proves it never had is confirmed; the resume pays each row once', async () => {
    const path = writeZwPayouts(home.home, 3).path;
    // Killed after claiming the rows, before any request left: zw has no record of any of them.
    const run = await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes'], {
      env: { ...env, AIRTIME_FAILPOINT: 'after-claim:1' },
      timeoutMs: 60_000,
    });
    expect(run.signal).toBe('SIGKILL');
    const batch = /batch (b_\w+): 3 rows journaled/.exec(run.stderr)?.[1] ?? '';
    const claimed = journalRows(home.home).filter((row) => row.status === 'sending').length;
    expect(claimed).toBeGreaterThan(0);
    const resolved = await runCli(home.home, ['resolve', '--batch', batch, '--not-sent', '--note', 'never left: the run was killed', '--yes', '--json'], {
      env,
    });
    expect(resolved.code).toBe(0);
    const outcome = parseJson<{ transfers: { status: string; confirmedByProvider: boolean; provider: { said: string } }[] }>(resolved.stdout).transfers;
    expect(outcome).toHaveLength(claimed);
    for (const transfer of outcome) expect(transfer).toMatchObject({ status: 'queued', confirmedByProvider: true, provider: { said: 'no-record' } });
    expect(resolveEvents(home.home).every((event) => !(event.flags ?? '').includes('unconfirmed'))).toBe(true);
    const resumed = await runCli(home.home, ['bulk', '--resume', batch, '--provider', 'zw', '--yes'], { env, timeoutMs: 60_000 });
    expect(resumed.code).toBe(0);
    expect(charges('zw')).toBe(3);
    expect(Math.max(...sim.zw.gateway.sendCounts().values())).toBe(1);
  });

  it.each([
    // zw: one order per request; the run dies after the third is taken, before their answers are recorded.
    {
      name: 'zw',
      gateway: 'zw' as const,
      write: (dir: string) => writeZwPayouts(dir, 3).path,
      failpoint: 'after-send:3',
      refused: 3,
      extra: '+263770009995,1,USD',
    },
    // Africa's Talking: all three in one request, none recorded; AT cannot be asked about any of them.
    {
      name: 'africastalking',
      gateway: 'at' as const,
      write: (dir: string) => writePayouts(dir, 3).path,
      failpoint: 'after-send:1',
      refused: 0,
      extra: '+254710009995,10',
    },
  ])('batch form on $name: refused where the provider paid, unconfirmed where it cannot say; the rows in a new file pay nobody twice', async (case_) => {
    const path = case_.write(home.home);
    const run = await runCli(home.home, ['bulk', path, '--provider', case_.name, '--yes', '--concurrency', '1'], {
      env: { ...env, AIRTIME_FAILPOINT: case_.failpoint },
      timeoutMs: 60_000,
    });
    expect(run.signal).toBe('SIGKILL');
    const batch = /batch (b_\w+): 3 rows journaled/.exec(run.stderr)?.[1] ?? '';
    expect(charges(case_.gateway)).toBe(3);
    const resolved = await runCli(home.home, ['resolve', '--batch', batch, '--failed', '--note', 'provider refunded the batch'], { env });
    expect(resolved.code).toBe(case_.refused ? 1 : 0);
    expect(resolved.stderr.match(/says delivered.*not marked failed/g) ?? []).toHaveLength(case_.refused);
    if (!case_.refused) expect(resolved.stderr).toMatch(/3 not confirmed by the provider/);
    // The same rows in another file (one row added): every earlier row is held as a repeat, nothing is sent.
    const copy = path.replace(/\.csv$/, '-again.csv');
    writeFileSync(copy, `${readFileSync(path, 'utf8')}${case_.extra}\n`);
    const again = await runCli(home.home, ['bulk', copy, '--provider', case_.name, '--yes'], { env, timeoutMs: 60_000 });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/3 rows repeat a payment/);
    expect(charges(case_.gateway)).toBe(3);
  });
  it('lipad refusing a repeated reference (721): the resend of a key an operator put back is unknown, not failed, and nobody is charged twice', async () => {
    // Hostile test: Lipad charged the first request (its answer lost, visible to status only later); the operator's
    // --not-sent resend met 721 "already used" and was journaled a final `failed` on a transfer Lipad had paid.
    const strict = await startTestSim({ faults: { lipadDuplicates: 'reject', visibleAfterMs: 3000 } });
    try {
      const strictEnv = { ...env, ...simEnv(strict.url) };
      const key = 'tx_lipad_721';
      const lost = await runCli(home.home, ['send', '+254710000015', '10', '--provider', 'lipad', '--yes', '--key', key], {
        env: { ...strictEnv, AIRTIME_FAILPOINT: 'after-send:1' },
      });
      expect(lost.signal).toBe('SIGKILL');
      const overridden = await runCli(home.home, ['resolve', key, '--not-sent', '--note', 'not in the portal', '--override-provider', '--yes'], {
        env: strictEnv,
      });
      expect(overridden.code, overridden.stderr).toBe(0);
      const resent = await runCli(home.home, ['send', '+254710000015', '10', '--provider', 'lipad', '--yes', '--key', key], { env: strictEnv });
      expect(resent.code).toBe(5);
      expect(journalRows(home.home).map((row) => row.status)).toEqual(['unknown']);
      expect([...strict.lipad.gateway.sendCounts().values()].reduce((sum, count) => sum + Math.min(count, 1), 0)).toBe(1);
    } finally {
      await strict.close();
    }
  });
});
