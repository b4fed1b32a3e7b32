export interface Tally {
  readonly count: number;
  readonly bytes: number;
}

/**
 * A per-minute allowance (fixed windows): how many items and bytes may pass in the current minute. What
 * goes beyond is counted, so that a summary can say how much was turned away.
 */
export class MinuteBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used: Tally = { count: 0, bytes: 0 };
  private refused: Tally = { count: 0, bytes: 0 };

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Whether one more item of `bytes` fits in this minute (counted either way), and what the previous
   * window turned away when this call started a new one.
   */
  admit(bytes: number): { readonly admitted: boolean; readonly ended: Tally | undefined } {
    const ended = this.roll();
    if (this.used.count + 1 > this.maxCount || this.used.bytes + bytes > this.maxBytes) {
      this.refused = { count: this.refused.count + 1, bytes: this.refused.bytes + bytes };
      return { admitted: false, ended };
    }
    this.used = { count: this.used.count + 1, bytes: this.used.bytes + bytes };
    return { admitted: true, ended };
  }

  /** What this window has turned away so far (for a summary when the listener stops). */
  get turnedAway(): Tally {
    return this.refused;
  }

  private roll(): Tally | undefined {
    const now = this.clock();
    if (now - this.windowStart < 60_000) return undefined;
    const ended = this.refused.count ? this.refused : undefined;
    this.windowStart = now;
    this.used = { count: 0, bytes: 0 };
    this.refused = { count: 0, bytes: 0 };
    return ended;
  }
}
