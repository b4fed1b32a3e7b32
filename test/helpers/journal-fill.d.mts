import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { ChainedEvent } from '../../src/journal/audit-chain.js';

export function historyPhone(index: number): string;

export interface HistoryOptions {
  readonly account: string;
  readonly transfers: number;
  readonly days?: number;
  readonly phones?: number;
  readonly batchRows?: number;
  readonly nowMs?: number;
  readonly provider?: string;
}

export function fillSqliteHistory(
  db: BetterSqlite3.Database,
  options: HistoryOptions & {
    readonly chainHash: (previous: string, event: ChainedEvent) => string;
    readonly actor?: string;
    readonly onProgress?: (transfers: number) => void;
  },
): { transfers: number; events: number; batches: number };

export function fillPostgresHistory(client: pg.Client, options: HistoryOptions): Promise<void>;
