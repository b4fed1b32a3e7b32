import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { journalRows } from '../helpers/sandbox-state.js';
import { startScriptedServer } from '../helpers/scripted-server.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

/**
 * Issue 19, items 1–4: absence is proof only where the provider documents it, a refusal of a resend is not a
 * failure, nothing is resent where deduplication is not documented, and an answer naming no transaction is
 * no answer. Each scenario runs the built CLI against the simulators and counts charges at their ledgers.
 */
let home: { home: string; cleanup: () => void };
let sim: RunningSimServer | undefined;

beforeEach(() => {
  home = tempHome();
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  home.cleanup();
});

/** Charges per phone at a simulator: one row of its ledger per distinct transfer taken. */
function chargesByPhone(gateway: RunningSimServer['at']['gateway']): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of gateway.sendCounts().keys()) {
    const phone = gateway.byKey(key)?.phone ?? '?';
    counts.set(phone, (counts.get(phone) ?? 0) + 1);
  }
  return counts;
}

const payees = ['+254711000105', '+254711000115', '+254711000125', '+254711000003'];

function writeFile(name: string, amounts: readonly string[]): string {
  const path = join(home.home, name);
  writeFileSync(path, `phone,amount\n${payees.map((phone, index) => `${phone},${amounts[index] ?? '10'}`).join('\n')}\n`);
  return path;
}

describe("Africa's Talking: no lookup by our key, so 'no record' proves nothing", () => {
  it('a bulk whose answer was lost stays unknown after reconcile; an edited rerun pays no unchanged payee again', async () => {
    sim = await startTestSim();
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0', AIRTIME_HTTP_TIMEOUT_MS: '2000' };
    // The last payee's magic number makes the simulator reset the connection after taking the whole request.
    const first = writeFile('payouts.csv', ['10', '10', '10', '10']);
    const run = await runCli(home.home, ['bulk', first, '--provider', 'africastalking', '--yes', '--json'], { env, timeoutMs: 60_000 });
    expect(run.code).toBe(5);
    expect(chargesByPhone(sim.at.gateway).size).toBe(4);
    const { batch } = parseJson<{ batch: string }>(run.stdout);

    const reconcile = await runCli(home.home, ['reconcile', batch], { env, timeoutMs: 60_000 });
    expect(reconcile.code).toBe(5);
    expect(reconcile.stderr).toMatch(/0 never arrived/);
    expect(reconcile.stderr).toMatch(/no lookup by our key/);
    expect(journalRows(home.home).map((row) => row.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);

    // The operator fixes one amount and runs the file: the three unchanged rows are repeats of possible payments.
    const edited = writeFile('payouts-fixed.csv', ['10', '10', '20', '10']);
    const dry = await runCli(home.home, ['bulk', edited, '--provider', 'africastalking', '--dry-run', '--json'], { env });
    expect(parseJson<{ plan: { repeats: { count: number } } }>(dry.stdout).plan.repeats.count).toBe(3);
    const rerun = await runCli(home.home, ['bulk', edited, '--provider', 'africastalking', '--yes', '--skip-repeats', '--json'], { env, timeoutMs: 60_000 });
    expect([0, 5]).toContain(rerun.code);
    const charges = chargesByPhone(sim.at.gateway);
    // Each unchanged payee was charged once; the edited one once more, at its new amount.
    expect(charges.get('+254711000105')).toBe(1);
    expect(charges.get('+254711000115')).toBe(1);
    expect(charges.get('+254711000003')).toBe(1);
    expect(charges.get('+254711000125')).toBe(2);
    // Running the first file again pays nobody: its rows are unknown, never queued.
    const again = await runCli(home.home, ['bulk', first, '--provider', 'africastalking', '--yes', '--json'], { env, timeoutMs: 60_000 });
    expect(again.code).toBe(5);
    expect(sim.at.gateway.sendCounts().size).toBe(5);
  }, 120_000);
});

describe("Africa's Talking: inside its duplicate window the same command resends the identical request, once", () => {
  const file = () => {
    const path = join(home.home, 'at.csv');
    writeFileSync(path, 'phone,amount\n+254711000105,10\n+254711000115,10\n');
    return path;
  };

  it('a request killed before it left is sent by the rerun, under the same key, and paid once', async () => {
    sim = await startTestSim();
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
    const path = file();
    const killed = await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-claim:1' } });
    expect(killed.signal).toBe('SIGKILL');
    // reconcile never resends: the rows stay unknown.
    const reconcile = await runCli(home.home, ['reconcile', '--json'], { env });
    expect(parseJson<{ requeued: number }>(reconcile.stdout).requeued).toBe(0);
    const rerun = await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes', '--wait', '--timeout', '10'], { env, timeoutMs: 60_000 });
    expect(rerun.stderr).toMatch(/2 to be resent under the same key/);
    expect(rerun.code).toBe(0);
    expect(journalRows(home.home).map((row) => row.status)).toEqual(['delivered', 'delivered']);
    expect(sim.at.gateway.sendCounts().size).toBe(2);
  }, 60_000);

  it('a request AT took whose key it has forgotten: the resend is refused as a duplicate, unknown, charged once', async () => {
    sim = await startTestSim({ faults: { atKeyWindowMs: 0 } });
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
    const path = file();
    const killed = await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-send:1' } });
    expect(killed.signal).toBe('SIGKILL');
    expect(sim.at.gateway.sendCounts().size).toBe(2);
    const rerun = await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes', '--json'], { env, timeoutMs: 60_000 });
    expect(rerun.code).toBe(5);
    const rows = journalRows(home.home);
    expect(rows.map((row) => row.status)).toEqual(['unknown', 'unknown']);
    expect(rows[0]?.error).toMatch(/duplicate/);
    expect(sim.at.gateway.sendCounts().size).toBe(2);
    // Resent once only: another rerun sends nothing.
    await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes'], { env, timeoutMs: 60_000 });
    expect(sim.requestCounts.get('POST /version1/airtime/send')).toBe(2);
  }, 60_000);

  it('after the window, a request never answered is not resent: it stays unknown, saying why', async () => {
    sim = await startTestSim();
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0', AIRTIME_RESEND_WINDOW_MS: '0' };
    const path = file();
    const killed = await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-claim:1' } });
    expect(killed.signal).toBe('SIGKILL');
    const rerun = await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes', '--json'], { env, timeoutMs: 60_000 });
    expect(rerun.code).toBe(5);
    expect(journalRows(home.home).map((row) => row.status)).toEqual(['unknown', 'unknown']);
    expect(journalRows(home.home)[0]?.error).toMatch(/no lookup by our key/);
    expect(sim.at.gateway.sendCounts().size).toBe(0);
  }, 60_000);

  it('rows queued for the resend but not yet sent when the window closes go back to unknown, saying why', async () => {
    sim = await startTestSim();
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
    const path = file();
    await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-claim:1' } });
    // Killed again right after queuing them for the resend (during the reconcile of the rerun).
    const second = await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes'], {
      env: { ...env, AIRTIME_FAILPOINT: 'during-reconcile:1' },
    });
    expect(second.signal).toBe('SIGKILL');
    expect(journalRows(home.home).map((row) => row.status)).toEqual(['queued', 'queued']);
    // While queued on that assumption they are possible payments for another batch's repeat guard.
    const other = join(home.home, 'other.csv');
    writeFileSync(other, 'phone,amount\n+254711000105,10\n+254711000125,10\n');
    const dry = await runCli(home.home, ['bulk', other, '--provider', 'africastalking', '--dry-run', '--json'], { env });
    expect(parseJson<{ plan: { repeats: { count: number } } }>(dry.stdout).plan.repeats.count).toBe(1);
    const late = await runCli(home.home, ['bulk', path, '--provider', 'africastalking', '--yes', '--json'], {
      env: { ...env, AIRTIME_RESEND_WINDOW_MS: '0' },
      timeoutMs: 60_000,
    });
    expect(late.code).toBe(5);
    const rows = journalRows(home.home);
    expect(rows.map((row) => row.status)).toEqual(['unknown', 'unknown']);
    expect(rows[0]?.error).toMatch(/duplicate window has closed/);
    expect(sim.at.gateway.sendCounts().size).toBe(0);
  }, 60_000);
});

describe('zw: a row queued again on "not found" is still possibly paid', () => {
  it('counts for the repeat guard of another batch until its resend is answered', async () => {
    sim = await startTestSim();
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
    const path = join(home.home, 'zw.csv');
    writeFileSync(path, 'phone,amount,currency\n+263772000105,1,USD\n');
    const killed = await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-claim:1' } });
    expect(killed.signal).toBe('SIGKILL');
    const reconcile = await runCli(home.home, ['reconcile', '--json'], { env });
    expect(parseJson<{ requeued: number }>(reconcile.stdout).requeued).toBe(1);
    // Another file paying the same phone the same amount: the requeued row is a possible payment.
    const other = join(home.home, 'other.csv');
    writeFileSync(other, 'phone,amount,currency\n+263772000105,1,USD\n+263772000115,1,USD\n');
    const dry = await runCli(home.home, ['bulk', other, '--provider', 'zw', '--dry-run', '--json'], { env });
    expect(parseJson<{ plan: { repeats: { count: number } } }>(dry.stdout).plan.repeats.count).toBe(1);
  }, 60_000);
});

describe('a refusal of a resend is not a failure', () => {
  it('zw: a row queued again on "not found" and refused on its resend is unknown with the answer kept, until a status query says', async () => {
    sim = await startTestSim();
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
    const path = join(home.home, 'zw.csv');
    // The magic number makes zw refuse the order.
    writeFileSync(path, 'phone,amount,currency\n+263772000002,1,USD\n');
    const killed = await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-claim:1' } });
    expect(killed.signal).toBe('SIGKILL');
    const rerun = await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes', '--json'], { env, timeoutMs: 30_000 });
    expect(rerun.code).toBe(5);
    const [row] = journalRows(home.home);
    expect(row?.status).toBe('unknown');
    expect(row?.error).toMatch(/answered to a resend of a request that may already have been taken/);
    // zw can be asked by our key: its own status of the order settles it.
    const reconcile = await runCli(home.home, ['reconcile', '--json'], { env });
    expect(reconcile.code).toBe(0);
    expect(journalRows(home.home)[0]?.status).toBe('failed');
    expect(sim.zw.gateway.sendCounts().size).toBe(1);
  }, 60_000);
});

describe('Lipad: nothing documents that a repeated reference is deduplicated', () => {
  it.each(['accept', 'reject', 'dedupe'] as const)(
    'an answer lost after Lipad took the request is never resent in the call (--lipad-duplicates %s)',
    async (mode) => {
      sim = await startTestSim({ faults: { lipadDuplicates: mode } });
      const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
      const path = join(home.home, 'lipad.csv');
      // The magic number makes the simulator reset the connection after taking the request.
      writeFileSync(path, 'phone,amount\n+254711000105,10\n+254711000003,10\n');
      const run = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes', '--json'], { env, timeoutMs: 60_000 });
      expect(run.code).toBe(5);
      expect(journalRows(home.home).map((row) => row.status)).toEqual(['unknown', 'unknown']);
      // One request, taken once: never a second one after the lost answer.
      expect(sim.lipad.gateway.sendCounts().size).toBe(2);
      expect(Math.max(...sim.lipad.gateway.sendCounts().values())).toBe(1);
      // Asking settles both rows; nothing was charged twice.
      const rerun = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes', '--wait', '--timeout', '10', '--json'], { env, timeoutMs: 60_000 });
      expect(rerun.code).toBe(0);
      expect(journalRows(home.home).map((row) => row.status)).toEqual(['delivered', 'delivered']);
      expect(sim.lipad.gateway.sendCounts().size).toBe(2);
    },
    60_000,
  );

  it('a request killed before it left is not requeued on a status 404: it stays unknown, nothing is sent', async () => {
    sim = await startTestSim({ faults: { lipadDuplicates: 'accept' } });
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
    const path = join(home.home, 'lipad.csv');
    writeFileSync(path, 'phone,amount\n+254711000105,10\n');
    const killed = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-claim:1' } });
    expect(killed.signal).toBe('SIGKILL');
    const reconcile = await runCli(home.home, ['reconcile', '--json'], { env });
    expect(reconcile.code).toBe(5);
    const report = parseJson<{ requeued: number; unresolved: { reason: string }[] }>(reconcile.stdout);
    expect(report.requeued).toBe(0);
    expect(report.unresolved[0]?.reason).toMatch(/not proof/);
    const rerun = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes', '--json'], { env, timeoutMs: 30_000 });
    expect(rerun.code).toBe(5);
    expect(sim.lipad.gateway.sendCounts().size).toBe(0);
  }, 60_000);

  it('a rerun inside the settle delay says when the rows can be asked about; --wait waits and finishes the batch', async () => {
    sim = await startTestSim({ faults: { visibleAfterMs: 6000 } });
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '10000' };
    const path = join(home.home, 'lipad.csv');
    writeFileSync(path, 'phone,amount\n+254711000105,10\n+254711000115,10\n');
    // Killed after Lipad took the request, before its answer was journaled.
    const killed = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-send:1' } });
    expect(killed.signal).toBe('SIGKILL');
    const early = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes'], { env, timeoutMs: 30_000 });
    expect(early.code).toBe(5);
    expect(early.stderr).toMatch(/can be asked about from \d\d:\d\d:\d\d UTC: run the same command again with --wait/);
    const waited = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes', '--wait', '--timeout', '20'], { env, timeoutMs: 60_000 });
    expect(waited.stderr).toMatch(/waiting \d+ s/);
    expect(waited.code).toBe(0);
    expect(journalRows(home.home).map((row) => row.status)).toEqual(['delivered', 'delivered']);
    expect(sim.lipad.gateway.sendCounts().size).toBe(2);
  }, 90_000);
});

describe('a status answer that names no transaction is no answer', () => {
  it('Africa\'s Talking find-transaction answering only {"status":"Success"} leaves the transfer where it was', async () => {
    const server = await startScriptedServer((request) => {
      if (request.path === '/version1/airtime/send') {
        return {
          status: 201,
          body: JSON.stringify({
            errorMessage: 'None',
            numSent: 1,
            totalAmount: 'KES 10.0000',
            totalDiscount: 'KES 0.0600',
            responses: [
              { phoneNumber: '+254711000105', errorMessage: 'None', amount: 'KES 10.0000', status: 'Sent', requestId: 'ATQid_1', discount: 'KES 0.0600' },
            ],
          }),
        };
      }
      if (request.path === '/version1/user') return { status: 200, body: JSON.stringify({ UserData: { balance: 'KES 1000.00' } }) };
      return { status: 200, body: JSON.stringify({ status: 'Success' }) };
    });
    try {
      const env = { AT_BASE_URL: server.url, AT_USERNAME: 'sandbox', AT_API_KEY: 'at-key-123456' };
      const sent = await runCli(home.home, ['send', '+254711000105', '10', '--provider', 'africastalking', '--yes', '--json'], { env });
      expect(sent.code).toBe(0);
      const refreshed = await runCli(home.home, ['status', '--refresh', '--json'], { env });
      const status = parseJson<{ transfers: { status: string }[] }>(refreshed.stdout).transfers[0]?.status;
      expect(status).not.toBe('delivered');
      expect(journalRows(home.home)[0]?.status).toBe('submitted');
    } finally {
      await server.close();
    }
  });
});

describe('keys that a status URL would read as a path', () => {
  it.each(['.', '..'])('--key %s is refused before anything is sent', async (key) => {
    sim = await startTestSim();
    const result = await runCli(home.home, ['send', '+263772000105', '1', '--currency', 'USD', '--provider', 'zw', '--key', key, '--yes'], {
      env: simEnv(sim.url),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/only dots/);
    expect(sim.zw.gateway.sendCounts().size).toBe(0);
  });
});

describe('a request that never left is not sent, whatever stopped it', () => {
  it('lipad: an authentication that fails (503) before the send leaves the transfer not sent, and the same key sends it once later', async () => {
    // Hostile test: /v1/auth answered 503, no send reached Lipad, yet the transfer stayed `unknown` for good.
    let authDown = true;
    const lipad = await startScriptedServer((request) => {
      if (request.path === '/v1/auth') {
        return authDown ? { status: 503, body: 'unavailable' } : { status: 200, body: JSON.stringify({ access_token: 'token-2', expiresIn: 3600 }) };
      }
      const reference = (JSON.parse(request.body || '{}') as { reference?: string }).reference ?? '';
      return { status: 200, body: JSON.stringify({ reference, response_code: 720, response_description: 'accepted' }) };
    });
    const home = tempHome();
    try {
      const env = { ...simEnv(lipad.url), LIPAD_BASE_URL: lipad.url };
      const args = ['send', '+254710000025', '10', '--provider', 'lipad', '--key', 'tx_auth_503', '--yes'];
      const first = await runCli(home.home, args, { env });
      expect(first.code, first.stderr).toBe(1);
      expect(first.stderr).toMatch(/not sent: lipad authentication answered HTTP 503; retry safely with the same key: --key tx_auth_503/);
      expect(journalRows(home.home).map((row) => row.status)).toEqual(['queued']);
      const sends = () => lipad.requests.filter((request) => request.path !== '/v1/auth').length;
      expect(sends()).toBe(0);
      authDown = false;
      const again = await runCli(home.home, args, { env });
      expect(again.code, again.stderr).toBe(0);
      expect(sends()).toBe(1);
    } finally {
      home.cleanup();
      await lipad.close();
    }
  });
});
