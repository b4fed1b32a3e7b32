/**
 * Remembers which line first held each value, in typed arrays: 64-bit FNV-1a fingerprints in open
 * addressing, about 24 bytes a row instead of a few hundred for a Map of strings — so a 1M-row file
 * validates in flat memory. Written by hand because no kept library offers a compact string set.
 *
 * Two different values share a 64-bit fingerprint with probability about n²/2^65 (1 in 3.7e7 for a
 * million rows); the only effect would be a row wrongly reported as a duplicate, never a payment.
 */
export class FingerprintIndex {
  private high = new Uint32Array(1 << 12);
  private low = new Uint32Array(1 << 12);
  private lines = new Uint32Array(1 << 12);
  private used = 0;

  /** The line that first held `value`, or undefined after recording `line` (≥ 1) for it. */
  firstLineOrAdd(value: string, line: number): number | undefined {
    const [high, low] = fingerprint(value);
    const mask = this.lines.length - 1;
    let slot = (low ^ high) & mask;
    for (;;) {
      const stored = this.lines[slot] ?? 0;
      if (stored === 0) break;
      if (this.high[slot] === high && this.low[slot] === low) return stored;
      slot = (slot + 1) & mask;
    }
    this.high[slot] = high;
    this.low[slot] = low;
    this.lines[slot] = line;
    this.used += 1;
    if (this.used * 2 > this.lines.length) this.grow();
    return undefined;
  }

  /** The number recorded for `value`, without recording anything. */
  get(value: string): number | undefined {
    const [high, low] = fingerprint(value);
    const mask = this.lines.length - 1;
    for (let slot = (low ^ high) & mask; ; slot = (slot + 1) & mask) {
      const stored = this.lines[slot] ?? 0;
      if (stored === 0) return undefined;
      if (this.high[slot] === high && this.low[slot] === low) return stored;
    }
  }

  get size(): number {
    return this.used;
  }

  private grow(): void {
    const { high, low, lines } = this;
    const size = lines.length * 2;
    this.high = new Uint32Array(size);
    this.low = new Uint32Array(size);
    this.lines = new Uint32Array(size);
    const mask = size - 1;
    for (let index = 0; index < lines.length; index += 1) {
      const line = lines[index] ?? 0;
      if (line === 0) continue;
      const h = high[index] ?? 0;
      const l = low[index] ?? 0;
      let slot = (l ^ h) & mask;
      while ((this.lines[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
      this.high[slot] = h;
      this.low[slot] = l;
      this.lines[slot] = line;
    }
  }
}

/** 64-bit FNV-1a over UTF-16 code units, as two 32-bit halves (no BigInt on the hot path). */
export function fingerprint(value: string): [number, number] {
  // FNV-1a 64 offset basis 0xcbf29ce484222325, prime 0x100000001b3, in 16-bit limbs.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let index = 0; index < value.length; index += 1) {
    h0 ^= value.charCodeAt(index);
    // multiply by 0x100000001b3 = 2^40 + 0x1b3
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3;
    const t2 = h2 * 0x1b3;
    const t3 = h3 * 0x1b3;
    // + (h << 40): limb k moves to limb k + 2.5 → h0 << 8 lands in limb 2, h1 << 8 in limb 3
    const n2 = t2 + ((h0 << 8) & 0xffff00);
    const n3 = t3 + ((h1 << 8) & 0xffff00);
    h0 = t0 & 0xffff;
    const c1 = t1 + (t0 >>> 16);
    h1 = c1 & 0xffff;
    const c2 = n2 + Math.floor(c1 / 0x10000);
    h2 = c2 & 0xffff;
    h3 = (n3 + Math.floor(c2 / 0x10000)) & 0xffff;
  }
  return [((h3 << 16) | h2) >>> 0, ((h1 << 16) | h0) >>> 0];
}
