import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { invalidInput } from '../core/errors.js';
import { isMeterNumber } from '../core/meter.js';
import { pickProduct, type Product } from '../core/product.js';
import { providerCatalog } from './catalog.js';
import type { Transfer } from '../journal/transfer.js';
import { sandboxProducts } from '../sim/catalogue.js';
import { SimulatedGateway, type GatewayTransfer } from '../sim/gateway.js';
import type { Balance, Capabilities, LedgerEntry, Provider, SendItem, SendOutcome, StatusOutcome, TopUpStarted } from './provider.js';

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
      // What the catalogue refuses is refused before anything is taken (the command checked it too).
      if (item.product) {
        try {
          this.productFor(item);
        } catch (error) {
          return { reference: item.reference, status: 'failed', error: error instanceof Error ? error.message : String(error) };
        }
      }
      const { transfer } = this.gateway.submit({
        key: item.reference,
        phone: item.phone,
        amountMinor: item.amountMinor,
        currency: item.currency,
        details: {
          ...(item.product ? { product: item.product } : {}),
          ...(item.product?.kind === 'zesa' ? { meter: true } : {}),
          ...(item.sms ? { sms: item.sms } : {}),
        },
      });
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

  products(): Promise<Product[]> {
    return Promise.resolve([...sandboxProducts]);
  }

  /** Data bundles and ZESA tokens are bought from the sandbox's catalogue; plain airtime needs no product. */
  checkItem(item: SendItem): Promise<Product | undefined> {
    return Promise.resolve(item.product ? this.productFor(item) : undefined);
  }

  private productFor(item: SendItem): Product {
    const kind = item.product?.kind ?? 'airtime';
    if (kind === 'zesa' && !isMeterNumber(item.phone)) throw invalidInput(`${item.phone} is not a ZESA meter number: give the meter's 11 digits`);
    if (kind !== 'zesa' && isMeterNumber(item.phone)) throw invalidInput(`${item.phone} looks like a meter number: ${kind} goes to a phone`);
    const id = item.product?.id;
    return pickProduct(
      sandboxProducts,
      { kind, id: id === undefined ? undefined : String(id), currency: item.currency, amountMinor: item.amountMinor },
      'sandbox',
    );
  }

  async balance(): Promise<Balance[]> {
    await this.latency();
    return this.gateway.balances();
  }

  /** A rehearsal's top-up: there is no payment page to visit, so the sandbox wallet is credited at once. */
  async topUp(amountMinor: number, currency: string): Promise<TopUpStarted> {
    await this.latency();
    const started = this.gateway.startTopUp(currency, amountMinor);
    const paid = this.gateway.payTopUp(started.id) ?? started;
    return { id: paid.id, paymentUrl: '', status: paid.status, currency, minor: amountMinor };
  }

  ledger(limit: number): Promise<LedgerEntry[]> {
    return Promise.resolve(
      this.gateway.ledger(limit).map((entry) => ({
        at: new Date(entry.settleAtMs).toISOString(),
        kind: 'debit',
        currency: entry.currency,
        minor: -entry.amountMinor,
        reference: entry.key,
        description: `${entry.details?.product?.kind === 'zesa' ? 'ZESA token for meter' : entry.details?.product?.kind === 'data' ? 'data bundle to' : 'airtime to'} ${entry.phone}`,
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
      return {
        status: 'delivered',
        providerReference: transfer.providerRef,
        ...(transfer.details?.tokens ? { delivered: { tokens: transfer.details.tokens, units: transfer.details.units } } : {}),
      };
    case 'failed':
      return { status: 'failed', providerReference: null, error: transfer.error };
  }
}
