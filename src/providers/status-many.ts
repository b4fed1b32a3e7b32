import type { Transfer } from '../journal/transfer.js';
import { isAirtimeError } from '../core/errors.js';
import type { Provider, StatusAnswer, StatusOutcome, StatusUnanswered } from './provider.js';

/**
 * Status of many transfers, answers in input order: one query per request where the adapter groups them
 * (`statusMany`), else `status` per transfer, a few at a time.
 */
export function queryStatuses(provider: Provider, transfers: readonly Transfer[], concurrency = 4): Promise<StatusAnswer[]> {
  return provider.statusMany ? provider.statusMany(transfers) : statusEach(transfers, (transfer) => provider.status(transfer), concurrency);
}

/** `status` per item with bounded concurrency; a failed query leaves its item `unanswered`. */
export async function statusEach<T>(items: readonly T[], ask: (item: T) => Promise<StatusOutcome>, concurrency = 4): Promise<StatusAnswer[]> {
  return (await settleBounded(items, ask, concurrency)).map((result) => (result.ok ? result.value : unanswered(result.error)));
}

export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Runs `work` over the items, at most `concurrency` at a time, results in input order. A configuration
 * error (credentials refused) would fail every call alike, so it stops the run and is thrown.
 */
export async function settleBounded<T, R>(items: readonly T[], work: (item: T) => Promise<R>, concurrency: number): Promise<Settled<R>[]> {
  const results = new Array<Settled<R>>(items.length);
  let next = 0;
  let stop: { error: unknown } | undefined;
  const worker = async () => {
    while (!stop && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = { ok: true, value: await work(items[index] as T) };
      } catch (error) {
        if (isAirtimeError(error) && error.kind === 'config') stop ??= { error };
        results[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (stop) throw stop.error;
  return results;
}

export function unanswered(error: unknown): StatusUnanswered {
  return { status: 'unanswered', error: error instanceof Error ? error : new Error(String(error)) };
}
