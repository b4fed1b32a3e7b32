import { request } from 'undici';
import { SimulatedGateway, type GatewayTransfer } from './gateway.js';

/** The embedded sandbox's callback, in our own words (parsed by callbacks/parse.ts → parseSandbox). */
export function sandboxCallbackBody(transfer: GatewayTransfer): string {
  return JSON.stringify({
    reference: transfer.key,
    status: transfer.state === 'delivered' ? 'delivered' : 'failed',
    providerReference: transfer.state === 'delivered' ? transfer.providerRef : null,
    phone: transfer.phone,
    amountMinor: transfer.amountMinor,
    currency: transfer.currency,
    error: transfer.state === 'failed' ? transfer.error : null,
    settledAt: new Date(transfer.settleAtMs).toISOString(),
  });
}

/**
 * Delivers the embedded sandbox's callbacks over real HTTP to a listener: whichever process runs the
 * listener reads the sandbox's state in the data folder and posts each transfer once it settles.
 */
export function startSandboxCallbacks(sandboxFile: string, listenerUrl: string, intervalMs = 100): { stop(): Promise<void> } {
  const gateway = new SimulatedGateway(sandboxFile);
  // Older settlements are history, not news: a listener starts with what happens from now on.
  gateway.skipSettledBefore(Date.now() - 60_000);
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = running.then(async () => {
      if (stopped) return;
      for (const transfer of gateway.takeSettled()) {
        try {
          const response = await request(new URL('/callbacks/sandbox', listenerUrl), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: sandboxCallbackBody(transfer),
            headersTimeout: 5000,
            bodyTimeout: 5000,
          });
          await response.body.dump();
        } catch {
          // The listener is going away; the journal can still be brought up to date by a status query.
        }
      }
    });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // One last delivery: whatever settled while the caller was finishing still reaches the listener.
      tick();
      await running;
      stopped = true;
      gateway.close();
    },
  };
}
