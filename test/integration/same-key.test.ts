import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/providers/names.js';
import type { RunningSimServer } from '../../src/sim/server.js';
import { AppContext } from '../../src/transfers/context.js';
import { passGate, type Plan } from '../../src/transfers/gate.js';
import { sendTransfer } from '../../src/transfers/send.js';
import { tempHome } from '../helpers/cli.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

/**
 * The claim is what makes two senders of one key send once, whatever the timing: two contexts (two
 * journal connections, as two processes have) send the same queued transfer at the same instant.
 */
describe('two senders of one key, in the same instant', () => {
  let home: ReturnType<typeof tempHome>;
  let sim: RunningSimServer;
  beforeEach(async () => {
    home = tempHome();
    sim = await startTestSim({ faults: { latencyMs: 100 } });
  });
  afterEach(async () => {
    await sim.close();
    home.cleanup();
  });

  it('one sends; the other reports its outcome and sends nothing', async () => {
    const env = { ...process.env, ...simEnv(sim.url), AIRTIME_HOME: home.home };
    const a = AppContext.open({ provider: 'zw' }, { env });
    const b = AppContext.open({ provider: 'zw' }, { env });
    try {
      const account = a.account;
      await a.journal.ensureAccount(account);
      const { transfer } = await a.journal.createTransfer({
        account: account.id,
        reference: 'same-instant',
        provider: account.provider as ProviderName,
        profile: account.profile,
        phone: '+263772000015',
        amountMinor: 100,
        currency: 'USD',
      });
      const plan: Plan = {
        subject: 'transfer same-instant',
        account,
        sendNow: { rows: 1, totals: { USD: 100 } },
        askFirst: { rows: 0, totals: {} },
        done: {},
        repeats: { count: 0, skipped: 0, matches: [], windowMs: 0 },
      };
      const gate = await passGate(a, plan, { yes: true }, { showPlan: () => {}, confirm: () => Promise.resolve(true) });
      if (gate.kind !== 'consent') throw new Error('no consent');
      const results = await Promise.all([sendTransfer(a, gate.consent, transfer), sendTransfer(b, gate.consent, transfer)]);
      expect(results.map((result) => result.sentByAnother).sort()).toEqual([false, true]);
      expect(results.map((result) => result.transfer.status)).toEqual(['delivered', 'delivered']);
      expect(sim.zw.gateway.sendCounts().get('same-instant')).toBe(1);
      expect(sim.requestCounts.get('POST /api/v1/orders')).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
