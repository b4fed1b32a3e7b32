import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallbackLine } from '../../src/callbacks/line.js';
import { startListener, type ListenerOptions, type RunningListener } from '../../src/callbacks/listener.js';
import type { ServedAccount } from '../../src/callbacks/served-accounts.js';
import { makeAccount, type Account } from '../../src/core/account.js';
import type { Journal } from '../../src/journal/journal.js';
import { openSqliteJournal } from '../../src/journal/open.js';
import { tempHome } from '../helpers/cli.js';

const zwA = makeAccount('zw', 'a', 'http://zw-a.example', null);
const zwB = makeAccount('zw', 'b', 'http://zw-b.example', null);
const lipadServed = makeAccount('lipad', 'default', 'https://lipad.example', 'key-1');
const lipadOther = makeAccount('lipad', 'team', 'https://lipad.example', 'key-2');

const served = (account: Account, webhookSecret?: string): ServedAccount => ({
  id: account.id,
  provider: account.provider as ServedAccount['provider'],
  profile: account.profile,
  endpoint: account.endpoint,
  principal: account.principal,
  ...(webhookSecret ? { webhookSecret } : {}),
});

describe('the listener speaks for its accounts only, within bounds', () => {
  let home: ReturnType<typeof tempHome>;
  let journal: Journal;
  let listener: RunningListener | undefined;
  let lines: CallbackLine[];

  const start = async (options: Partial<ListenerOptions> = {}) => {
    listener = await startListener({
      journal,
      accounts: [served(zwA, 'secret-a'), served(zwB, 'secret-b'), served(lipadServed)],
      onCallback: (line) => lines.push(line),
      ...options,
    });
    return listener.url;
  };
  const post = async (url: string, body: string, headers: Record<string, string> = {}) => {
    const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    await response.body.dump();
    return response.statusCode;
  };
  /** A transfer sent (claimed) through `account`, as dispatch leaves it. */
  const sent = async (account: Account, reference: string, requestReference: string | null = null) => {
    await journal.ensureAccount(account);
    const { transfer } = await journal.createTransfer({
      account: account.id,
      reference,
      provider: account.provider as 'zw',
      profile: account.profile,
      phone: '+263772000100',
      amountMinor: 100,
      currency: 'USD',
    });
    expect((await journal.claim([{ ids: [transfer.id] }], 'test', () => requestReference)).claimed).toHaveLength(1);
    return transfer;
  };
  const status = async (account: Account, reference: string) => (await journal.byKey(account.id, reference))?.status;

  beforeEach(() => {
    home = tempHome();
    journal = openSqliteJournal(join(home.home, 'journal.db'));
    lines = [];
  });
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
    await journal.close();
    home.cleanup();
  });

  it('a zw webhook moves only the transfers of the account whose secret signed it', async () => {
    await sent(zwA, 'same-key');
    await sent(zwB, 'same-key');
    const url = `${await start()}/callbacks/zw`;
    const body = JSON.stringify({ agent_reference: 'same-key', status: 'success', target: '0772000100', amount: 1, currency: 'USD', updated_at: 'now' });
    const signed = (secret: string) => ({ 'x-airtime-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` });
    expect(await post(url, body, signed('secret-b'))).toBe(200);
    expect(await status(zwA, 'same-key')).toBe('sending');
    expect(await status(zwB, 'same-key')).toBe('delivered');
    expect(await post(url, body, signed('secret-unknown'))).toBe(401);
    expect(lines.map((line) => [line.httpStatus, line.outcome, line.reason])).toEqual([
      [200, 'moved', null],
      [401, 'rejected', 'signature does not match any zw webhook secret'],
    ]);
  });

  it('an unsigned route matches its served accounts only: a teammate’s Lipad transfer is not ours to move', async () => {
    await sent(lipadOther, 'theirs', 'REQ-1');
    const url = `${await start()}/callbacks/lipad`;
    const body = JSON.stringify({ phone_number: '263772000100', amount: 1, service_status: 603, external_reference: 'REQ-1', message: 'nope' });
    expect(await post(url, body)).toBe(200);
    expect(await status(lipadOther, 'theirs')).toBe('sending');
    expect(lines[0]).toMatchObject({ outcome: 'unknown-transfer', reason: 'nope' });
  });

  it('stores a bounded number of unknown-transfer callbacks a minute from unsigned routes, and sums up the rest', async () => {
    const url = `${await start({ unknownPerMinute: { count: 3, bytes: 1_000_000 } })}/callbacks/lipad`;
    const answers: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      answers.push(await post(url, JSON.stringify({ phone_number: '254711000100', amount: 1, service_status: 602, external_reference: `R-${index}` })));
    }
    expect(answers).toEqual([200, 200, 200, 429, 429, 429]);
    await listener?.close();
    expect(lines.at(-1)).toMatchObject({ outcome: 'dropped', flags: ['summary'] });
    expect(lines.at(-1)?.reason).toMatch(/^3 unknown-transfer callbacks were counted, not stored/);
    const events = await journal.callbackEvents({ flag: 'unknown-transfer' });
    expect(events).toHaveLength(3);
  });

  it('drops a request whose body does not arrive within the request timeout', async () => {
    const url = new URL(await start({ timeouts: { headersMs: 300, requestMs: 500 } }));
    const socket = connect(Number(url.port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('POST /callbacks/lipad HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    // The server ends it (408) within the timeout plus its once-a-second check; bounded at 10 s here.
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(await journal.callbackEvents()).toEqual([]);
  });

  it('serves no sandbox route without the data folder’s key, and none the listener was not asked for', async () => {
    const base = await start({ providers: ['zw'] });
    expect(await post(`${base}/callbacks/sandbox`, '{}')).toBe(404);
    expect(await post(`${base}/callbacks/lipad`, '{}')).toBe(404);
    expect(lines.map((line) => line.reason)).toEqual(['the sandbox route is not served by this listener', 'the lipad route is not served by this listener']);
  });
});
