import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  return { id: randomUUID(), pid: process.pid, host: hostname(), actor: await journal.whoami(), started: processStart(process.pid) ?? null };
}

let bootId: string | null | undefined;

/**
 * When a process started, as Linux counts it ("linux:<boot id>:<clock ticks since boot>", /proc/PID/stat
 * field 22): with the pid it names one process across pid reuse and reboots. Undefined elsewhere (the pid
 * alone is then checked). Read by hand: no maintained package reads it without spawning `ps`.
 */
export function processStart(pid: number): string | undefined {
  return linuxProcess(pid)?.started;
}

/** /proc/PID/stat's state and start (undefined off Linux or when the process is not there). */
function linuxProcess(pid: number): { readonly state: string; readonly started: string | undefined } | undefined {
  try {
    if (bootId === undefined) bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    if (!bootId) return undefined;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    return { state: fields[0] ?? '', started: ticks && /^\d+$/.test(ticks) ? `linux:${bootId}:${ticks}` : undefined };
  } catch {
    return undefined;
  }
}

export function describeHolder(info: LeaseInfo): string {
  return `pid ${info.pid} on ${info.host} (${info.actor}), last heard from ${Math.max(0, Math.round(info.silentMs / 1000))}s ago`;
}

/**
 * What this host knows of a holder, beyond any clock: on this host, its process is either alive (the same
 * pid, started when the holder recorded — never taken over, however old its heartbeat looks: a suspended
 * process, a clock that jumped) or gone (killed, crashed, its pid now another process's: no need to wait
 * out its lease). Undefined for a holder on another host: only the lease's time-to-live can tell.
 */
export function holderOnThisHost(lease: Pick<LeaseInfo, 'host' | 'pid' | 'started'>): 'alive' | 'gone' | undefined {
  if (lease.host !== hostname() || lease.pid <= 0) return undefined;
  try {
    process.kill(lease.pid, 0);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ESRCH') return 'gone';
    // EPERM: the process exists (another user's); anything else says nothing either way.
    if (code !== 'EPERM') return undefined;
  }
  const now = linuxProcess(lease.pid);
  // A zombie (exited, not yet reaped by its parent) still answers signal 0 but runs no more.
  if (now && (now.state === 'Z' || now.state === 'X')) return 'gone';
  if (lease.started && now?.started !== undefined && now.started !== lease.started) return 'gone';
  return 'alive';
}

/** Another run holds what we asked for: nothing was done. */
export class HeldElsewhereError extends AirtimeError {
  constructor(
    what: string,
    readonly heldBy: LeaseInfo,
  ) {
    super(
      'failed',
      heldBy.silentMs > heldBy.ttlMs
        ? `${what} is being run by ${describeHolder(heldBy)}: that process is alive on this host, so it is not taken over however long it has been silent; nothing was done — resume it (fg, or kill -CONT ${heldBy.pid}) or stop it (kill ${heldBy.pid}), then run again`
        : `${what} is being run by ${describeHolder(heldBy)}: nothing was done; wait for it to finish (or stop it) and run again`,
    );
  }
}

/**
 * One owner per batch: a lease in the journal, renewed by heartbeats. A second run, a resume or a
 * reconcile of a held batch is refused with who holds it. A holder whose process is gone from this host is
 * taken over at once; a live one on this host never is, whatever the clocks say; a holder on another host
 * silent for longer than the lease's time-to-live is, and its claims with it — so a run that wakes up
 * finds its claims gone, sends nothing more, and says who took it.
 */
export class BatchLease {
  private timer: NodeJS.Timeout | undefined;
  private lostTo: string | undefined;
  private taker: LeaseInfo | undefined;

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
      holderOnThisHost,
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
      this.taker = await this.journal.lease(`batch:${this.batchId}`);
      this.lostTo = this.taker?.id ?? 'nobody';
      return false;
    } catch {
      // A heartbeat that could not be written (a busy or full disk) is retried at the next beat; the
      // re-check before each request is what keeps a claim from being sent twice.
      return this.held;
    }
  }

  /** Who holds the batch now that we lost it (undefined: nobody, the lease was removed). */
  get takenBy(): LeaseInfo | undefined {
    return this.taker;
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.held) await this.journal.releaseLease(`batch:${this.batchId}`, this.holder.id);
  }
}

/** The leases whose holder may still be running: alive on this host, or on another host and not silent past its lease. */
export async function runningHolders(journal: Journal): Promise<(LeaseInfo & { readonly name: string })[]> {
  return (await journal.leases()).filter((lease) => {
    const known = holderOnThisHost(lease);
    return known === 'alive' || (known === undefined && lease.silentMs <= lease.ttlMs);
  });
}
