import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedGateway } from '../../src/sim/gateway.js';
import { SettlementFeed } from '../../src/sim/sandbox-callbacks.js';
import { tempHome } from '../helpers/cli.js';

describe('SettlementFeed: every reader sees every settlement, each once', () => {
  let home: ReturnType<typeof tempHome>;
  let file: string;
  let now: number;
  const clock = () => now;
  const gateways: SimulatedGateway[] = [];
  /** Another process on the same sandbox file, with its own view of the time. */
  const gateway = (settleMs = 1000, at: () => number = clock) => {
    const opened = new SimulatedGateway(file, { settleMs, clock: at });
    gateways.push(opened);
    return opened;
  };
  const submit = (on: SimulatedGateway, key: string, phone = '+254711000100') => on.submit({ key, phone, amountMinor: 1000, currency: 'KES' });
  const keys = (feed: SettlementFeed) => feed.due().map((transfer) => `${transfer.key}:${transfer.state}`);

  beforeEach(() => {
    home = tempHome();
    file = join(home.home, 'sandbox.db');
    now = 1_000_000;
  });
  afterEach(() => {
    for (const opened of gateways.splice(0)) opened.close();
    home.cleanup();
  });

  it('hands the same settlements to two readers: reading takes nothing away', () => {
    const sandbox = gateway();
    const first = new SettlementFeed(gateway(), { sinceMs: now }, clock);
    const second = new SettlementFeed(gateway(), { sinceMs: now }, clock);
    submit(sandbox, 'a');
    submit(sandbox, 'b', '+254711000001'); // magic 0001: fails at once
    expect(keys(first)).toEqual(['b:failed']);
    now += 1000;
    expect(keys(first)).toEqual(['a:delivered']);
    expect(keys(first)).toEqual([]);
    expect(keys(second)).toEqual(['b:failed', 'a:delivered']);
    expect(keys(second)).toEqual([]);
  });

  it('a reader with a filter sees its own transfers only', () => {
    const sandbox = gateway(0);
    const mine = new SettlementFeed(gateway(), { sinceMs: now, accept: (transfer) => transfer.key.startsWith('mine-') }, clock);
    for (const key of ['mine-1', 'other-1', 'mine-2', 'other-2']) submit(sandbox, key);
    expect(keys(mine)).toEqual(['mine-1:delivered', 'mine-2:delivered']);
  });

  it('starts with the recent past and what is still pending, not with older history', () => {
    const sandbox = gateway(500);
    submit(sandbox, 'old');
    now += 120_000;
    submit(sandbox, 'recent');
    now += 600;
    submit(sandbox, 'pending');
    const feed = new SettlementFeed(gateway(), { sinceMs: now - 60_000 }, clock);
    expect(keys(feed)).toEqual(['recent:delivered']);
    now += 500;
    expect(keys(feed)).toEqual(['pending:delivered']);
  });

  it('misses no settlement written after a later one was handed out (its place in the order is what counts, not its time)', () => {
    // A writer whose clock reads a little behind: its transfer settles "before" one already handed out.
    const late = gateway(0, () => now - 50);
    const sandbox = gateway(0);
    const feed = new SettlementFeed(gateway(), { sinceMs: now - 60_000 }, clock);
    submit(sandbox, 'first');
    expect(keys(feed)).toEqual(['first:delivered']);
    submit(late, 'written-later');
    expect(keys(feed)).toEqual(['written-later:delivered']);
  });

  it('leaves the wire simulators’ one-consumer takeSettled as it was', () => {
    const sandbox = gateway(0);
    submit(sandbox, 'x');
    const feed = new SettlementFeed(gateway(), { sinceMs: now - 1 }, clock);
    expect(sandbox.takeSettled().map((transfer) => transfer.key)).toEqual(['x']);
    expect(sandbox.takeSettled()).toEqual([]);
    expect(keys(feed)).toEqual(['x:delivered']);
  });
});
