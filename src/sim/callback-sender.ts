import { request } from 'undici';
import type { FaultOptions } from './faults.js';

export interface OutgoingCallback {
  readonly path: string;
  readonly body: string;
  readonly contentType: string;
  readonly headers?: Record<string, string>;
  /** A stale update sent after the final one when callbacks are reordered. */
  readonly stale?: OutgoingCallback;
}

/**
 * Delivers callbacks to a listener, with the faults a real provider shows: duplicates and stale updates
 * after final ones. Delivery retries a few times on failure, like providers do until they get a 200.
 */
export class CallbackSender {
  private queue: Promise<void> = Promise.resolve();
  delivered = 0;
  failed = 0;

  constructor(
    private readonly baseUrl: string | undefined,
    private readonly faults: FaultOptions,
    private readonly random: () => number,
  ) {}

  get enabled(): boolean {
    return this.baseUrl !== undefined;
  }

  send(callbacks: readonly OutgoingCallback[]): void {
    if (!this.baseUrl || callbacks.length === 0) return;
    const ordered = this.faults.reorderCallbacks ? [...callbacks].reverse() : callbacks;
    this.queue = this.queue.then(async () => {
      for (const callback of ordered) {
        await this.post(callback);
        if (this.random() < this.faults.duplicateCallbackRate) await this.post(callback);
        if (this.faults.reorderCallbacks && callback.stale) await this.post(callback.stale);
      }
    });
  }

  /**
   * Posts one callback now and returns the listener's answer body (Africa's Talking's validation callback,
   * whose reply decides whether the transfer goes on); undefined when nothing answered.
   */
  async ask(callback: OutgoingCallback): Promise<string | undefined> {
    if (!this.baseUrl) return undefined;
    try {
      return await (await this.request(callback)).body.text();
    } catch {
      return undefined;
    }
  }

  /** Resolves when everything queued so far was attempted. */
  drain(): Promise<void> {
    return this.queue;
  }

  private async post(callback: OutgoingCallback): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        const response = await this.request(callback);
        await response.body.dump();
        if (response.statusCode < 500) {
          this.delivered += 1;
          return;
        }
      } catch {
        // The listener may be down; retry a little, then give up as a provider would (for now).
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
    this.failed += 1;
  }

  /** One POST of a callback to the listener, as the provider sends it. */
  private request(callback: OutgoingCallback): ReturnType<typeof request> {
    const base = this.baseUrl ?? '';
    const url = new URL(callback.path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
    return request(url, {
      method: 'POST',
      headers: { 'content-type': callback.contentType, ...callback.headers },
      body: callback.body,
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
    });
  }
}
