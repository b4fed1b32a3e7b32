import { describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts, writeZwPayouts } from '../helpers/files.js';
import { journalRows } from '../helpers/sandbox-state.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

/**
 * Real HTTP to the simulators while they time out, answer 5xx or 429, reset connections and send
 * truncated bodies — after processing, the worst case. Whatever the client saw: no row is paid twice,
 * none is lost, and every unknown is resolved by status query where the provider allows it.
 */
const faults = { timeoutRate: 0.05, errorRate: 0.1, rateLimitRate: 0.1, resetRate: 0.1, malformedRate: 0.05, hangMs: 400 };
const clientEnv = { AIRTIME_HTTP_TIMEOUT_MS: '250', AIRTIME_RESEND_SETTLE_MS: '0' };

async function settle(home: string, env: Record<string, string>, provider: string, batch: string): Promise<number | null> {
  let code: number | null = null;
  for (let round = 0; round < 12; round += 1) {
    const reconcile = await runCli(home, ['reconcile', batch, '--provider', provider, '--json'], { env, timeoutMs: 60_000 });
    await runCli(home, ['bulk', '--resume', batch, '--provider', provider, '--yes', '--wait', '--timeout', '20'], { env, timeoutMs: 60_000 });
    code = reconcile.code;
    const open = journalRows(home).filter((row) => ['queued', 'sending', 'unknown'].includes(row.status));
    if (reconcile.code === 0 && open.length === 0) break;
  }
  return code;
}

/** The balance check before dispatch may itself meet the faults: it refuses cleanly (exit 1) and is run again. */
async function runBulk(home: string, args: string[], env: Record<string, string>) {
  let run = await runCli(home, ['bulk', ...args], { env, timeoutMs: 120_000 });
  for (let attempt = 0; attempt < 8 && run.code === 1; attempt += 1) {
    expect(run.stderr).toMatch(/cannot check the balance/);
    run = await runCli(home, ['bulk', ...args], { env, timeoutMs: 120_000 });
  }
  return run;
}

function gatewayCharges(sim: RunningSimServer, name: 'zw' | 'lipad' | 'at') {
  return sim[name].gateway;
}

describe('provider faults: zero duplicates, zero lost rows', () => {
  it('zw (one order per request, idempotent on agent_reference)', async () => {
    const sim = await startTestSim({ faults: { ...faults, seed: 11 } });
    const home = tempHome();
    try {
      const env = { ...simEnv(sim.url), ...clientEnv };
      const { path, totalMinor } = writeZwPayouts(home.home, 150);
      const run = await runBulk(home.home, [path, '--provider', 'zw', '--yes', '--json', '--concurrency', '8'], env);
      expect([0, 5]).toContain(run.code);
      const { batch } = parseJson<{ batch: string }>(run.stdout);
      expect(await settle(home.home, env, 'zw', batch)).toBe(0);

      const rows = journalRows(home.home);
      expect(rows).toHaveLength(150);
      expect(rows.every((row) => row.status === 'delivered')).toBe(true);
      const gateway = gatewayCharges(sim, 'zw');
      const charged = [...gateway.sendCounts().keys()];
      expect(charged.sort()).toEqual(rows.map((row) => row.reference).sort());
      const usd = gateway.balances().find((balance) => balance.currency === 'USD')?.minor ?? 0;
      expect(1_000_000_00 - usd).toBe(totalMinor);
    } finally {
      await sim.close();
      home.cleanup();
    }
  });

  it('Lipad (many recipients per request; never resent, settled by status queries)', async () => {
    const sim = await startTestSim({ faults: { ...faults, seed: 5 } });
    const home = tempHome();
    try {
      const env = { ...simEnv(sim.url), ...clientEnv };
      const { path, totalMinor } = writePayouts(home.home, 120);
      const run = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes', '--json'], { env, timeoutMs: 120_000 });
      expect([0, 5]).toContain(run.code);
      const { batch } = parseJson<{ batch: string }>(run.stdout);
      await settle(home.home, env, 'lipad', batch);
      const rows = journalRows(home.home);
      expect(rows).toHaveLength(120);
      const gateway = gatewayCharges(sim, 'lipad');
      // One charge per row: the gateway holds exactly the file's total, never more.
      const kes = gateway.balances().find((balance) => balance.currency === 'KES')?.minor ?? 0;
      expect(gateway.sendCounts().size).toBe(120);
      expect(1_000_000_00 - kes).toBe(totalMinor);
      expect(rows.every((row) => row.status === 'delivered')).toBe(true);
    } finally {
      await sim.close();
      home.cleanup();
    }
  });

  it("Africa's Talking (no lookup by our key): inside its duplicate window the rerun resends an unanswered request identically, once, and it is charged once", async () => {
    const sim = await startTestSim({ faults: { resetRate: 0.7, seed: 2 } });
    const home = tempHome();
    try {
      const env = { ...simEnv(sim.url), ...clientEnv };
      const { path } = writePayouts(home.home, 250);
      const run = await runBulk(home.home, [path, '--provider', 'africastalking', '--yes', '--json', '--concurrency', '1'], env);
      const { batch, counts } = parseJson<{ batch: string; counts: Record<string, number> }>(run.stdout);
      // With this seed some requests never get an answer through three tries: the path is exercised.
      expect(counts.unknown ?? 0).toBeGreaterThan(0);
      const calm = { ...env, AIRTIME_SIM_RESET_RATE: '0' };
      sim.setFaults({ resetRate: 0 });
      await settle(home.home, calm, 'africastalking', batch);
      const rows = journalRows(home.home);
      expect(rows).toHaveLength(250);
      expect(rows.filter((row) => row.status === 'unknown' || row.status === 'sending' || row.status === 'queued')).toEqual([]);
      // Charges never exceed rows: the identical resend carried the same Idempotency-Key.
      const gateway = gatewayCharges(sim, 'at');
      expect(gateway.sendCounts().size).toBe(250);
      expect(Math.max(...gateway.sendCounts().values())).toBeLessThanOrEqual(4);
    } finally {
      await sim.close();
      home.cleanup();
    }
  });

  it("Africa's Talking: once its idempotency window has passed, what remains unknown is listed with what to check, never resent", async () => {
    const sim = await startTestSim({ faults: { resetRate: 0.7, seed: 2 } });
    const home = tempHome();
    try {
      const env = { ...simEnv(sim.url), ...clientEnv, AIRTIME_RESEND_WINDOW_MS: '0' };
      const { path } = writePayouts(home.home, 250);
      const run = await runBulk(home.home, [path, '--provider', 'africastalking', '--yes', '--json', '--concurrency', '1'], env);
      const { batch, counts } = parseJson<{ batch: string; counts: Record<string, number> }>(run.stdout);
      const before = new Map(gatewayCharges(sim, 'at').sendCounts());
      const reconcile = await runCli(home.home, ['reconcile', batch, '--json'], { env, timeoutMs: 60_000 });
      const report = parseJson<{ unresolved: { reference: string; check: string }[] }>(reconcile.stdout);
      expect(report.unresolved.length).toBe(counts.unknown);
      expect(report.unresolved.length).toBeGreaterThan(0);
      expect(reconcile.code).toBe(5);
      for (const entry of report.unresolved) expect(entry.check).toMatch(/AT dashboard/);
      const resumed = await runCli(home.home, ['bulk', '--resume', batch, '--yes', '--json'], { env, timeoutMs: 60_000 });
      expect(resumed.code).toBe(5);
      expect(new Map(gatewayCharges(sim, 'at').sendCounts())).toEqual(before);
      expect(journalRows(home.home)).toHaveLength(250);
    } finally {
      await sim.close();
      home.cleanup();
    }
  });
});
