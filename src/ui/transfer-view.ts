import type { ChalkInstance } from 'chalk';
import { describeToken, groupToken, type TokenRole } from '../core/meter.js';
import { formatMinor } from '../core/money.js';
import type { ProductKind } from '../core/product.js';
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
  /** Present only when the transfer asked for them (plain airtime keeps the shape it always had). */
  product?: { kind: ProductKind; id: string | number | null };
  /** A ZESA purchase: `phone` holds the meter number, repeated here. */
  meter?: string;
  sms?: string;
  retryHours?: number;
  campaign?: string;
  /** A ZESA purchase's tokens in the order they are entered (empty until delivered), and its units. */
  tokens?: { role: TokenRole; token: string; grouped: string; label: string }[];
  units?: string | null;
}

/** A ZESA purchase's tokens as shown and carried: in order, grouped in fours, each saying which it is. */
export function tokensOf(transfer: Transfer): NonNullable<TransferJson['tokens']> {
  const tokens = transfer.details?.tokens ?? [];
  return tokens.map((token, index) => ({
    role: token.role,
    token: token.token,
    grouped: groupToken(token.token),
    label: describeToken(token, index, tokens.length),
  }));
}

export function transferJson(transfer: Transfer): TransferJson {
  const details = transfer.details;
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
    ...(details?.product ? { product: { kind: details.product.kind, id: details.product.id ?? null } } : {}),
    ...(details?.target === 'meter' ? { meter: transfer.phone } : {}),
    ...(details?.sms !== undefined ? { sms: details.sms } : {}),
    ...(details?.retryHours !== undefined ? { retryHours: details.retryHours } : {}),
    ...(details?.campaign !== undefined ? { campaign: details.campaign } : {}),
    ...(details?.product?.kind === 'zesa' || details?.tokens ? { tokens: tokensOf(transfer), units: details.units ?? null } : {}),
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
    case 'rejected':
      return color.red(status);
    case 'unknown':
    case 'not sent':
    case 'awaiting approval':
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
    [json.meter ? 'meter' : 'phone', safeText(json.phone)],
    ['amount', formatMoney(transfer.amountMinor, transfer.currency, true)],
    ['provider', `${json.provider} (profile ${safeText(json.profile)})`],
    ['provider ref', json.providerReference ? safeText(json.providerReference) : color.dim('—')],
  ];
  if (json.product) rows.push(['product', `${json.product.kind}${json.product.id !== null ? ` (product ${safeText(String(json.product.id))})` : ''}`]);
  if (json.campaign) rows.push(['campaign', safeText(json.campaign)]);
  if (json.sms) rows.push(['sms', safeText(json.sms)]);
  if (json.retryHours) rows.push(['retries', `Africa's Talking retries failed deliveries for ${json.retryHours}h`]);
  if (json.error) rows.push(['error', color.red(safeText(json.error))]);
  if (json.note) rows.push(['note', safeText(json.note)]);
  if (json.batch) rows.push(['batch', `${safeText(json.batch)} line ${json.line ?? '?'}`]);
  rows.push(['created', formatTime(json.createdAt)], ['updated', formatTime(json.updatedAt)]);
  return [...rows.map(([label, value]) => `${color.dim(label.padEnd(13))}${value}`), ...tokenLines(json, color)];
}

/**
 * A ZESA purchase's tokens, set apart so nobody misses them: what the customer types into the meter. Three
 * tokens (a meter due for its key change) are numbered and named, in the order they must be entered.
 */
export function tokenLines(json: TransferJson, color: ChalkInstance): string[] {
  const tokens = json.tokens ?? [];
  if (tokens.length === 0) return [];
  const units = json.units ? `  (${json.units} kWh)` : '';
  if (tokens.length === 1 && tokens[0]) return ['', `${color.bold('TOKEN'.padEnd(13))}${color.bold.green(tokens[0].grouped)}${units}`];
  return [
    '',
    `${color.bold('TOKENS'.padEnd(13))}${color.bold(`enter all ${tokens.length} on the meter, in this order`)}${units}`,
    ...tokens.map((token, index) => `${`  ${index + 1}.`.padEnd(13)}${color.bold.green(token.grouped)}   ${token.label}`),
  ];
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
        // A ZESA purchase's tokens, in entry order: role:digits, one field each.
        ...tokensOf(transfer).map((token) => `${token.role}:${token.token}`),
      ]
        .map(safeText)
        .join('\t'),
    );
}
