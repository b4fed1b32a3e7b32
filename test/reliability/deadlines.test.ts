import { describe, expect, it } from 'vitest';
import { listen, post } from '../helpers/callbacks.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { startScriptedServer, startTrickleProxy } from '../helpers/scripted-server.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

/**
 * Deadlines are whole: a provider that takes the request and then trickles its answer one byte every 200 ms
 * never trips an idle timeout. The run must end at AIRTIME_HTTP_TIMEOUT_MS, with the transfer `unknown`
 * (the provider may have taken it — it did), never `failed`, and the charge counted once at the provider.
 */
describe('a provider whose answer crawls in', () => {
  it("Africa's Talking send: ends at the deadline, the transfer unknown (not failed), one charge at the provider", async () => {
    const sim = await startTestSim();
    const proxy = await startTrickleProxy(sim.url, (method, path) => method === 'POST' && path === '/version1/airtime/send', 200);
    const home = tempHome();
    try {
      const env = { ...simEnv(proxy.url), AIRTIME_HTTP_TIMEOUT_MS: '1500' };
      const started = Date.now();
      // Bounded: killed at 40 s; without a whole deadline the answer (~300 bytes at 200 ms) takes about a minute.
      const sent = await runCli(home.home, ['send', '+254711000100', '10', '--provider', 'africastalking', '--yes', '--json'], { env, timeoutMs: 40_000 });
      const took = Date.now() - started;
      expect(sent.signal).toBeNull();
      expect(took).toBeLessThan(20_000);
      // Exit 5: not done, not failed; the journal keeps why.
      expect(sent.code).toBe(5);
      expect(parseJson<{ status: string; error: string }>(sent.stdout)).toMatchObject({
        status: 'unknown',
        error: expect.stringMatching(/within 1500 ms \(the request's deadline\)/) as unknown,
      });
      expect(sent.stderr).not.toMatch(/this is a bug|\n\s+at /);
      const status = await runCli(home.home, ['status', '--json'], { env });
      const transfers = parseJson<{ transfers: { status: string }[] }>(status.stdout).transfers;
      expect(transfers.map((transfer) => transfer.status)).toEqual(['unknown']);
      expect(sim.at.gateway.sendCounts().size).toBe(1);
    } finally {
      await proxy.close();
      await sim.close();
      home.cleanup();
    }
  }, 60_000);
});

describe('a callback receiver whose answer crawls in', () => {
  it('callbacks trigger ends at AIRTIME_HTTP_TIMEOUT_MS with one line (exit 1), not when the trickle ends', async () => {
    const receiver = await startScriptedServer(() => ({ status: 200, body: 'x'.repeat(300), trickleMs: 200 }));
    const home = tempHome();
    try {
      const started = Date.now();
      const result = await runCli(home.home, ['callbacks', 'trigger', 'sandbox', 'delivered', '--to', receiver.url], {
        env: { AIRTIME_HTTP_TIMEOUT_MS: '1000' },
        timeoutMs: 40_000,
      });
      expect(result.signal).toBeNull();
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error: could not post to .*: no complete answer within 1000 ms/);
      expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);
      // Generous: the deadline is 1 s; the trickle takes 60 s.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await receiver.close();
      home.cleanup();
    }
  }, 60_000);
});

describe('an app behind --forward-to whose answer crawls in', () => {
  it('the forwarded callback is printed at the deadline with why, not at the 10 s headers timeout', async () => {
    // The status line itself crawls in: the listener cannot know the app's answer until the deadline.
    const app = await startScriptedServer(() => ({ status: 200, body: 'x'.repeat(300), trickleMs: 200, trickleHeaders: true }));
    const home = tempHome();
    const listener = await listen(home.home, ['--forward-to', app.url], { AIRTIME_HTTP_TIMEOUT_MS: '1000' });
    try {
      const body = 'phoneNumber=%2B254711000100&status=Success&requestId=ATQid_nobody&value=KES+10.0000&discount=KES+0.4000';
      const answered = await post(`${listener.base}/callbacks/africastalking`, body, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(answered.status).toBeLessThan(500);
      // Waited for at most 8 s: the deadline is 1 s; the idle headers timeout alone (10 s) would come later.
      const [line] = await listener.until((event) => 'forwardStatus' in event, 1, 8_000);
      expect((line as { forwardStatus?: unknown }).forwardStatus).toBe('error: no complete answer within 1000 ms');
      expect(app.requests).toHaveLength(1);
    } finally {
      await listener.process.stop();
      await app.close();
      home.cleanup();
    }
  }, 60_000);
});
