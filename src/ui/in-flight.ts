import type { Transfer } from '../journal/transfer.js';
import type { IO } from './io.js';
import { onInterrupt } from './interrupt.js';

/**
 * What Ctrl-C says once money may have left: never a cancellation (exit 130, nothing printed) — an ops
 * person reading that would send again. The wait after a send stops, and this names what was sent and the
 * command that follows it.
 */
export function stoppedWaiting(transfer: Transfer): string {
  return `stopped waiting, not the transfer: ${transfer.reference} was sent and is ${transfer.status} — nothing was cancelled; follow it with 'airtime status ${transfer.reference}' (never send it again under a new key)`;
}

/**
 * Runs the request that may pay (`send`). A Ctrl-C while it is in flight cannot take it back: the first one
 * says so and lets the answer arrive (so that the journal records it); a second one leaves at once, saying
 * how to follow the transfer, with exit 5 (its outcome is not known here), never 130.
 */
export async function whileInFlight<T>(io: IO, reference: string, request: () => Promise<T>): Promise<T> {
  const stopWatching = onInterrupt(
    () => io.err(`the request for ${reference} is in flight and cannot be taken back: waiting for its answer (Ctrl-C again leaves it unknown here)`),
    () => {
      io.err(
        `left while the request for ${reference} was in flight: it may have been paid — follow it with 'airtime status ${reference}' (never send it again under a new key)`,
      );
      process.exit(5);
    },
  );
  try {
    return await request();
  } finally {
    stopWatching();
  }
}
