import { createHash } from 'node:crypto';

/** The fields of an event that its hash covers: everything but the hash itself. */
export interface ChainedEvent {
  readonly id: number;
  readonly transferId: number | null;
  readonly batchId: string | null;
  readonly kind: string;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly flags: string | null;
  readonly payload: string | null;
  readonly dedupeKey: string | null;
  readonly actor: string;
  readonly createdAt: string;
}

/** The hash before the first event of a journal. */
export const genesisHash = '0'.repeat(64);

/**
 * Each event carries the hash of the one before it, so deleting or editing history is detectable
 * (`airtime audit verify`): SHA-256 over the previous hash and the event's fields in a fixed order.
 */
export function chainHash(previous: string, event: ChainedEvent): string {
  const fields = [
    event.id,
    event.transferId,
    event.batchId,
    event.kind,
    event.fromStatus,
    event.toStatus,
    event.flags,
    event.payload,
    event.dedupeKey,
    event.actor,
    event.createdAt,
  ];
  return createHash('sha256').update(previous).update('\n').update(JSON.stringify(fields)).digest('hex');
}
