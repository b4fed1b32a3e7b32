import type { ChalkInstance } from 'chalk';
import { formatMinor } from '../core/money.js';
import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import { formatMoney, formatTime } from './format.js';
import type { IO } from './io.js';
import { safeText } from './safe-text.js';

/** The public JSON shape of a transfer (every command's --json uses it). */
export interface TransferJson {
  reference: string;
  status: TransferState;
  provider: string;
  profile: string;
  phone: string;
  amount: string;
  currency: string;
  providerReference: string | null;
  error: string | null;
  note: string | null;
  batch: string | null;
  line: number | null;
  createdAt: string;
  updatedAt: string;
}

export function transferJson(transfer: Transfer): TransferJson {
  return {
    reference: transfer.reference,
    status: transfer.status,
    provider: transfer.provider,
    profile: transfer.profile,
    phone: transfer.phone,
    amount: formatMinor(transfer.amountMinor, transfer.currency),
    currency: transfer.currency,
    providerReference: transfer.providerReference,
    error: transfer.error,
    note: transfer.note,
    batch: transfer.batchId,
    line: transfer.line,
    createdAt: transfer.createdAt,
    updatedAt: transfer.updatedAt,
  };
}

/**
 * The state as a person should read it. A `queued` transfer whose error says "not sent" provably never
 * left (configuration failed, or the run stopped first): nothing is sending it, so it is shown as
 * `not sent` rather than looking queued for ever. JSON keeps the journal's state and the error.
 */
export function displayStatus(transfer: Pick<Transfer, 'status' | 'error'>): string {
  return transfer.status === 'queued' && transfer.error?.startsWith('not sent') ? 'not sent' : transfer.status;
}

export function colourStatus(color: ChalkInstance, status: string): string {
  switch (status) {
    case 'delivered':
      return color.green(status);
    case 'failed':
    case 'reversed':
      return color.red(status);
    case 'unknown':
    case 'not sent':
      return color.yellow(status);
    default:
      return color.cyan(status);
  }
}

/** The human form of one transfer: aligned "label  value" lines, money grouped, times local. */
export function transferLines(transfer: Transfer, color: ChalkInstance): string[] {
  const json = transferJson(transfer);
  const rows: [string, string][] = [
    ['status', colourStatus(color, displayStatus(transfer))],
    ['reference', safeText(json.reference)],
    ['phone', safeText(json.phone)],
    ['amount', formatMoney(transfer.amountMinor, transfer.currency, true)],
    ['provider', `${json.provider} (profile ${safeText(json.profile)})`],
    ['provider ref', json.providerReference ? safeText(json.providerReference) : color.dim('—')],
  ];
  if (json.error) rows.push(['error', color.red(safeText(json.error))]);
  if (json.note) rows.push(['note', safeText(json.note)]);
  if (json.batch) rows.push(['batch', `${safeText(json.batch)} line ${json.line ?? '?'}`]);
  rows.push(['created', formatTime(json.createdAt)], ['updated', formatTime(json.updatedAt)]);
  return rows.map(([label, value]) => `${color.dim(label.padEnd(13))}${value}`);
}

/** One transfer on stdout: JSON with --json, labelled lines on a terminal, one tab-separated line in a pipe. */
export function printTransfer(io: IO, transfer: Transfer): void {
  if (io.json) io.printJson(transferJson(transfer));
  else if (io.stdoutIsTTY) io.out(transferLines(transfer, io.color).join('\n'));
  else
    io.out(
      [
        displayStatus(transfer),
        transfer.reference,
        transfer.phone,
        `${transferJson(transfer).amount} ${transfer.currency}`,
        transfer.providerReference ?? '-',
        ...(transfer.error ? [transfer.error] : []),
      ]
        .map(safeText)
        .join('\t'),
    );
}
