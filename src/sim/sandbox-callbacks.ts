import { request } from 'undici';
import { SimulatedGateway, type GatewayTransfer, type Submission } from './gateway.js';

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
    // A ZESA purchase: the tokens in the order they are entered, and the units.
    ...(transfer.state === 'delivered' && transfer.details?.tokens ? { tokens: transfer.details.tokens, units: transfer.details.units } : {}),
  });
}

/**
 * One reader's view of the sandbox's settlements: a cursor over the gateway's submissions (nothing is
 * taken, so every listener sees every settlement), and the submissions seen but not settled yet, handed
 * out once each when their time comes.
 */
export class SettlementFeed {
  private seq: number;
  /** Seen, accepted and not yet due, soonest first. */
  private waiting: Submission[] = [];
  private readonly accept: (transfer: GatewayTransfer) => boolean;

  constructor(
    private readonly gateway: SimulatedGateway,
    options: { sinceMs: number; accept?: ((transfer: GatewayTransfer) => boolean) | undefined },
    private readonly clock: () => number = Date.now,
  ) {
    this.accept = options.accept ?? (() => true);
    const start = gateway.settlementStart(options.sinceMs);
    this.seq = start.seq;
    this.add(start.submissions);
  }

  /** Settlements due now that this reader has not had yet, oldest first. */
  due(): GatewayTransfer[] {
    for (let pages = 0; pages < 100; pages += 1) {
      const fresh = this.gateway.submissionsAfter(this.seq);
      if (fresh.length === 0) break;
      this.seq = fresh[fresh.length - 1]?.seq ?? this.seq;
      this.add(fresh);
    }
    const now = this.clock();
    let count = 0;
    while (count < this.waiting.length && (this.waiting[count]?.settleAtMs ?? Infinity) <= now) count += 1;
    return this.waiting.splice(0, count).map((submission) => ({ ...submission, state: submission.outcome }));
  }

  private add(submissions: readonly Submission[]): void {
    const accepted = submissions.filter((submission) => this.accept(submission));
    if (accepted.length === 0) return;
    this.waiting.push(...accepted);
    this.waiting.sort((a, b) => a.settleAtMs - b.settleAtMs || a.seq - b.seq);
  }
}

export interface SandboxPumpOptions {
  readonly sandboxFile: string;
  /** The listener's base URL. */
  readonly listenerUrl: string;
  /** The listener's path token, when it has one: the pump posts where any caller must. */
  readonly pathToken?: string | undefined;
  /** Headers that prove the body came from this data folder (callbacks/verify.ts → signSandbox). */
  readonly sign: (body: string) => Record<string, string>;
  /** Only these settlements (`send --wait`: its transfer; `bulk --wait`: its batch); all by default. */
  readonly accept?: ((transfer: GatewayTransfer) => boolean) | undefined;
  /** Settlements before this are history: not delivered. Default: the last minute. */
  readonly sinceMs?: number;
  readonly intervalMs?: number;
}

const attemptsPerCallback = 3;

/**
 * Delivers the embedded sandbox's callbacks over real HTTP to a listener: whichever process runs the
 * listener reads the sandbox's state in the data folder with its own cursor and posts each transfer once
 * it settles — the same code path as a real provider's callbacks.
 */
export function startSandboxCallbacks(options: SandboxPumpOptions): { stop(): Promise<void> } {
  const gateway = new SimulatedGateway(options.sandboxFile);
  const feed = new SettlementFeed(gateway, { sinceMs: options.sinceMs ?? Date.now() - 60_000, accept: options.accept });
  const path = `/callbacks/sandbox${options.pathToken ? `/${encodeURIComponent(options.pathToken)}` : ''}`;
  let retry: { transfer: GatewayTransfer; attempts: number }[] = [];
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const deliver = async (transfer: GatewayTransfer): Promise<boolean> => {
    const body = sandboxCallbackBody(transfer);
    try {
      const response = await request(new URL(path, options.listenerUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.sign(body) },
        body,
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      await response.body.dump();
      return response.statusCode < 500;
    } catch {
      return false;
    }
  };
  const tick = () => {
    running = running.then(async () => {
      if (stopped) return;
      const now = [...retry, ...feed.due().map((transfer) => ({ transfer, attempts: 0 }))];
      retry = [];
      for (const item of now) {
        // A listener that cannot take it now is asked again next tick, a few times; the journal can still
        // be brought up to date by a status query after that.
        if (!(await deliver(item.transfer)) && item.attempts + 1 < attemptsPerCallback) retry.push({ ...item, attempts: item.attempts + 1 });
      }
    });
  };
  const timer = setInterval(tick, options.intervalMs ?? 100);
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
