import { seededRandom, type LipadDuplicates } from './faults.js';

/**
 * Which answer shapes the simulators speak. By default the documented ones; with variants on
 * (`airtime sandbox serve --variants`, AIRTIME_SIM_VARIANTS=1) each answer takes one of the shapes real
 * providers are known or likely to send (test/fixtures/wire/), chosen by seeded dice so a run replays.
 */
export interface SimShapes {
  readonly variants: boolean;
  /** The documented shape, or — with variants on — any of them. */
  pick<T>(documented: T, ...variants: T[]): T;
}

export const documentedShapes: SimShapes = { variants: false, pick: (documented) => documented };

export function variantShapes(seed: number): SimShapes {
  // Its own dice: turning variants on does not change which requests the fault dice pick.
  const random = seededRandom((seed ^ 0x5eed5eed) >>> 0);
  return {
    variants: true,
    pick: (documented, ...variants) => {
      const all = [documented, ...variants];
      return all[Math.floor(random() * all.length)] ?? documented;
    },
  };
}

/** How a simulator behaves beyond its faults: answer shapes, and how soon an accepted request can be asked about. */
export interface SimBehaviour {
  readonly shapes: SimShapes;
  /**
   * "Slow acceptance": a request becomes visible to status queries only this long after it was accepted,
   * while a repeat of it in the meantime is still deduplicated.
   */
  readonly visibleAfterMs: number;
  readonly clock: () => number;
  /** Lipad: what a repeated request reference does (faults.ts). */
  readonly lipadDuplicates?: LipadDuplicates;
  /** Africa's Talking: how long an Idempotency-Key is remembered. */
  readonly atKeyWindowMs?: number;
  /** Africa's Talking: ask the listener's validation route before forwarding each transfer. */
  readonly atValidation?: boolean;
}

export const defaultBehaviour: SimBehaviour = { shapes: documentedShapes, visibleAfterMs: 0, clock: Date.now };

/** Whether a status query may see a request accepted at `createdAtMs`. */
export function isVisible(behaviour: SimBehaviour, createdAtMs: number): boolean {
  return behaviour.clock() >= createdAtMs + behaviour.visibleAfterMs;
}
