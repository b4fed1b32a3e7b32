import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { freePort, startCli } from '../helpers/process.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

describe('two processes on one journal', () => {
  it('bulk and serve-callbacks write the same journal at once and lose no update', async () => {
    const home = tempHome();
    const listener = startCli(home.home, ['serve-callbacks', '--format', 'json'], { AIRTIME_SANDBOX_SETTLE_MS: '20' });
    try {
      await listener.waitFor(/ready: /);
      const { path } = writePayouts(home.home, 400);
      const run = await runCli(home.home, ['bulk', path, '--yes', '--json', '--concurrency', '4'], {
        env: { AIRTIME_SANDBOX_SETTLE_MS: '20', AIRTIME_SANDBOX_LATENCY_MS: '2' },
        timeoutMs: 60_000,
      });
      expect(run.code).toBe(0);
      const deadline = Date.now() + 30_000;
      const lines = () => listener.stdout().trim().split('\n').filter(Boolean);
      while (lines().length < 400 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const events = lines().map((line) => JSON.parse(line) as { reference: string; httpStatus: number; outcome: string });
      expect(events).toHaveLength(400);
      expect(events.every((event) => event.httpStatus === 200)).toBe(true);
      expect(listener.stderr()).not.toMatch(/SQLITE_BUSY|unexpected/);

      const db = new Database(join(home.home, 'journal.db'), { readonly: true });
      try {
        const states = db.prepare('SELECT status, count(*) AS n FROM transfers GROUP BY status').all();
        expect(states).toEqual([{ status: 'delivered', n: 400 }]);
        // Every transfer carries both writers' updates: the send answer and the callback.
        const missing = db
          .prepare(
            `SELECT count(*) AS n FROM transfers t WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.transfer_id = t.id AND e.kind = 'send')
               OR NOT EXISTS (SELECT 1 FROM events e WHERE e.transfer_id = t.id AND e.kind = 'callback:sandbox')`,
          )
          .get() as { n: number };
        expect(missing.n).toBe(0);
      } finally {
        db.close();
      }
    } finally {
      await listener.stop();
      home.cleanup();
    }
  });

  it('duplicate and out-of-order callbacks from the simulators never move a final transfer backwards', async () => {
    const home = tempHome();
    // The listener speaks for the accounts it is configured for (the simulator's), so it starts after the
    // simulator, on a port chosen first for the simulator to call.
    const port = await freePort();
    const sim = await startTestSim({
      callbackUrl: `http://127.0.0.1:${port}`,
      settleMs: 50,
      faults: { duplicateCallbackRate: 0.5, reorderCallbacks: true, seed: 9 },
    });
    const env = simEnv(sim.url);
    const listener = startCli(home.home, ['serve-callbacks', '--format', 'json', '--no-sandbox', '--port', String(port)], env);
    try {
      await listener.waitFor(/ready: /);
      const { path } = writePayouts(home.home, 60);
      const run = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes', '--json'], { env, timeoutMs: 60_000 });
      expect(run.code).toBe(0);
      const { batch } = parseJson<{ batch: string }>(run.stdout);
      const done = await runCli(home.home, ['serve-callbacks', '--until-complete', batch, '--timeout', '30', '--no-sandbox', '--provider', 'lipad'], {
        env,
        timeoutMs: 40_000,
      });
      expect(done.code).toBe(0);
      await sim.callbacks.drain();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const events = listener
        .stdout()
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { flags: string[]; status: string });
      expect(events.some((event) => event.flags.includes('duplicate'))).toBe(true);
      expect(events.some((event) => event.flags.includes('out-of-order'))).toBe(true);
      const status = parseJson<{ transfers: { status: string }[] }>((await runCli(home.home, ['status', '--batch', batch, '--limit', '100', '--json'])).stdout);
      expect(status.transfers.every((transfer) => transfer.status === 'delivered')).toBe(true);
      expect(sim.lipad.gateway.sendCounts().size).toBe(60);
    } finally {
      await sim.close();
      await listener.stop();
      home.cleanup();
    }
  });
});
