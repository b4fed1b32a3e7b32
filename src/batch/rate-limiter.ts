import { setTimeout as delay } from 'node:timers/promises';

/** Spaces requests evenly at most `perSecond` a second (`--rate`); no limit when undefined. */
export class RateLimiter {
  private next = 0;

  constructor(private readonly perSecond: number | undefined) {}

  async take(): Promise<void> {
    if (!this.perSecond) return;
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await delay(at - now);
  }
}
