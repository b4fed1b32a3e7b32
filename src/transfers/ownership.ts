import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AirtimeError } from '../core/errors.js';
import type { Holder, Journal, LeaseInfo } from '../journal/journal.js';

/** How long a silent holder keeps its lease; heartbeats come three times within it. */
export function leaseTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.AIRTIME_LEASE_TTL_MS);
  return Number.isFinite(value) && value >= 200 ? value : 30_000;
}

/** This process as a lease holder and claim owner. */
export async function newHolder(journal: Journal): Promise<Holder> {
  return { id: randomUUID(), pid: process.pid, host: hostname(), actor: await journal.whoami() };
}

export function describeHolder(info: LeaseInfo): string {
  return `pid ${info.pid} on ${info.host} (${info.actor}), last heard from ${Math.max(0, Math.round(info.silentMs / 1000))}s ago`;
}

/** A holder on this machine whose process no longer exists (killed, crashed) is gone: no need to wait out its lease. */
function deadOnThisHost(lease: LeaseInfo): boolean {
  if (lease.host !== hostname() || lease.pid <= 0) return false;
  try {
    process.kill(lease.pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'ESRCH';
  }
}

/** Another run holds what we asked for: nothing was done. */
export class HeldElsewhereError extends AirtimeError {
  constructor(
    what: string,
    readonly heldBy: LeaseInfo,
  ) {
    super('failed', `${what} is being run by ${describeHolder(heldBy)}: nothing was done; wait for it to finish (or stop it) and run again`);
  }
}

/**
 * One owner per batch: a lease in the journal, renewed by heartbeats. A second run, a resume or a
 * reconcile of a held batch is refused with who holds it; a holder silent for longer than the lease's
 * time-to-live (crashed, killed, suspended) is taken over, and its claims with it — so a suspended run
 * that wakes up finds its claims gone and sends nothing more.
 */
export class BatchLease {
  private timer: NodeJS.Timeout | undefined;
  private lostTo: string | undefined;

  private constructor(
    private readonly journal: Journal,
    readonly batchId: string,
    readonly holder: Holder,
    readonly tookOverFrom: LeaseInfo | null,
  ) {}

  static async acquire(journal: Journal, batchId: string, given?: Holder, ttlMs = leaseTtlMs()): Promise<BatchLease> {
    const holder = given ?? (await newHolder(journal));
    const result = await journal.acquireLease(
      `batch:${batchId}`,
      holder,
      ttlMs,
      async (inner, previous) => {
        await inner.takeOverClaims(batchId, previous.id, holder.id);
        const recorded = await inner.recordEvent({ batchId, kind: 'lease-takeover', payload: { from: previous, to: holder } });
        if (!recorded) throw new Error('a lease takeover was not recorded');
      },
      deadOnThisHost,
    );
    if (!result.acquired) throw new HeldElsewhereError(`batch ${batchId}`, result.heldBy);
    const lease = new BatchLease(journal, batchId, holder, result.tookOverFrom);
    lease.timer = setInterval(() => void lease.beat(), Math.max(50, Math.floor(ttlMs / 3)));
    lease.timer.unref();
    return lease;
  }

  /** Whether we still hold it (checked before every request). */
  get held(): boolean {
    return this.lostTo === undefined;
  }

  /** Renews now; false when someone else took the lease (we were silent too long). */
  async beat(): Promise<boolean> {
    if (!this.held) return false;
    try {
      if (await this.journal.heartbeat(`batch:${this.batchId}`, this.holder.id)) return true;
      this.lostTo = (await this.journal.lease(`batch:${this.batchId}`))?.id ?? 'nobody';
      return false;
    } catch {
      // A heartbeat that could not be written (a busy or full disk) is retried at the next beat; the
      // re-check before each request is what keeps a claim from being sent twice.
      return this.held;
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.held) await this.journal.releaseLease(`batch:${this.batchId}`, this.holder.id);
  }
}
