import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { providerCatalog } from './catalog.js';
import type { Transfer } from '../journal/transfer.js';
import { SimulatedGateway, type GatewayTransfer } from '../sim/gateway.js';
import type { Balance, Capabilities, LedgerEntry, Provider, SendItem, SendOutcome, StatusOutcome } from './provider.js';

export interface SandboxOptions {
  readonly file: string;
  readonly latencyMs?: number;
  readonly settleMs?: number;
  readonly openingBalanceMajor?: number;
}

/** The embedded default: the simulated gateway in-process, state in the data folder, no network. */
export class SandboxProvider implements Provider {
  readonly name = 'sandbox' as const;
  readonly capabilities: Capabilities = providerCatalog.sandbox.capabilities;
  private readonly gateway: SimulatedGateway;
  private readonly latencyMs: number;

  constructor(options: SandboxOptions) {
    this.gateway = new SimulatedGateway(options.file, {
      ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
      ...(options.openingBalanceMajor !== undefined ? { openingBalanceMajor: options.openingBalanceMajor } : {}),
    });
    this.latencyMs = options.latencyMs ?? 0;
  }

  requestReference(): string | null {
    return null;
  }

  async send(items: readonly SendItem[]): Promise<SendOutcome[]> {
    await this.latency();
    return items.map((item) => {
      const { transfer } = this.gateway.submit({ key: item.reference, phone: item.phone, amountMinor: item.amountMinor, currency: item.currency });
      // Magic number 0003: the gateway took the transfer but its answer never arrived.
      if (transfer.answerLost) return { reference: item.reference, status: 'unknown', error: 'no answer from the sandbox (magic number 0003)' };
      return { reference: item.reference, ...toOutcome(transfer), payload: transfer };
    });
  }

  async status(transfer: Transfer): Promise<StatusOutcome> {
    await this.latency();
    const found = this.gateway.byKey(transfer.reference);
    if (!found) return { status: 'not-found', scope: 'request' };
    return { ...toOutcome(found), payload: found };
  }

  async balance(): Promise<Balance[]> {
    await this.latency();
    return this.gateway.balances();
  }

  ledger(limit: number): Promise<LedgerEntry[]> {
    return Promise.resolve(
      this.gateway.ledger(limit).map((entry) => ({
        at: new Date(entry.settleAtMs).toISOString(),
        kind: 'debit',
        currency: entry.currency,
        minor: -entry.amountMinor,
        reference: entry.key,
        description: `airtime to ${entry.phone}`,
      })),
    );
  }

  close(): Promise<void> {
    this.gateway.close();
    return Promise.resolve();
  }

  /**
   * The gateway answers synchronously (SQLite in-process): without a turn of the event loop per request a
   * run of thousands would starve timers, and progress, spinners and Ctrl-C would look frozen until the end.
   */
  private async latency(): Promise<void> {
    if (this.latencyMs > 0) await delay(this.latencyMs);
    else await nextTurn();
  }
}

function toOutcome(transfer: GatewayTransfer): Omit<SendOutcome, 'reference'> {
  switch (transfer.state) {
    case 'pending':
      return { status: 'submitted', providerReference: transfer.providerRef };
    case 'delivered':
      return { status: 'delivered', providerReference: transfer.providerRef };
    case 'failed':
      return { status: 'failed', providerReference: null, error: transfer.error };
  }
}
