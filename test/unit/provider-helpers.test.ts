import { describe, expect, it } from 'vitest';
import { configError } from '../../src/core/errors.js';
import { mapAtStatus } from '../../src/providers/africastalking.js';
import { shortestDecimal } from '../../src/providers/amount.js';
import { diagnosticsOncePerRun } from '../../src/providers/diagnostics.js';
import { LipadProvider, lipadSandboxUrl, mapLipadStatus } from '../../src/providers/lipad.js';
import { statusEach } from '../../src/providers/status-many.js';
import { integerOf, unwrap } from '../../src/providers/wire-read.js';
import { mapZwStatus, zwApiRoot } from '../../src/providers/zw.js';
import { readProduct } from '../../src/providers/zw-read.js';

describe('diagnostics once per run', () => {
  it('writes each unrecognised word once per provider, however often it is met, and redacts', () => {
    const lines: string[] = [];
    const diagnostics = diagnosticsOncePerRun((line) => lines.push(line), { redact: (line) => line.replaceAll('s3cret', '***') });
    for (let row = 0; row < 3000; row += 1) diagnostics.unrecognised('lipad', 'service_status 608', { service_status: 608, token: 's3cret' });
    diagnostics.unrecognised('africastalking', 'service_status 608', {});
    diagnostics.unrecognised('lipad', 'service_status 609', {});
    diagnostics.note('lipad', 'no base URL is set');
    diagnostics.note('lipad', 'no base URL is set');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^lipad: service_status 608 — read as unknown and kept raw in the journal; sample: \{"service_status":608,"token":"\*\*\*"\}$/);
    expect(lines[3]).toBe('lipad: no base URL is set');
  });

  it('bounds a long sample', () => {
    const lines: string[] = [];
    diagnosticsOncePerRun((line) => lines.push(line), { sampleChars: 20 }).unrecognised('zw', 'an order answer', 'x'.repeat(500));
    expect(lines[0]?.endsWith(`${'x'.repeat(20)}…`)).toBe(true);
  });
});

describe('status words', () => {
  it("Africa's Talking: Queued/Sent submitted, Success delivered, Failed failed, anything else unknown", () => {
    expect(['Queued', 'Sent', 'SENT', 'Success', 'Failed', 'Pending', '', undefined, 42].map(mapAtStatus)).toEqual([
      'submitted',
      'submitted',
      'submitted',
      'delivered',
      'failed',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });

  it('Lipad: the documented codes, and unknown for any other', () => {
    expect([600, 601, 602, 603, 604, 605, 606, 607, 608, undefined].map((code) => mapLipadStatus(code).status)).toEqual([
      'submitted',
      'submitted',
      'delivered',
      'failed',
      'submitted',
      'reversed',
      'failed',
      'submitted',
      'unknown',
      'unknown',
    ]);
  });

  it("zw: the page's words in any case, and unknown for any other", () => {
    expect(['success', 'SUCCESS', 'failed', 'Refunded', 'unknown', 'pending', null].map((word) => mapZwStatus(word).status)).toEqual([
      'delivered',
      'delivered',
      'failed',
      'failed',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });
});

describe('wire reading', () => {
  it('reads integers as numbers or digit strings, nothing else', () => {
    expect([720, '720', ' 720 ', '72.0', 'seven', null, 7.5].map(integerOf)).toEqual([720, 720, 720, undefined, undefined, undefined, undefined]);
  });

  it('finds a value in its envelopes, two levels deep at most', () => {
    const hasCode = (value: unknown): value is { response_code: unknown } => typeof value === 'object' && value !== null && 'response_code' in value;
    expect(unwrap({ data: { result: { response_code: 720 } } }, hasCode)).toEqual({ response_code: 720 });
    expect(unwrap({ a: { data: { data: { response_code: 720 } } } }, hasCode)).toBeUndefined();
  });

  it('reads zw products in any case and with string numbers, and refuses what it cannot read', () => {
    expect(readProduct({ id: '100', network: 'ECONET', kind: 'AIRTIME', currency: 'usd', min: '0.10', max: 50 })).toEqual({
      id: '100',
      name: 'Econet airtime USD',
      network: 'Econet',
      kind: 'airtime',
      currency: 'USD',
      min: '0.10',
      max: '50',
    });
    expect(readProduct({ id: 1, network: 'Vodafone', kind: 'airtime', currency: 'USD' })).toBeUndefined();
    expect(readProduct('Econet')).toBeUndefined();
  });

  it('finds the zw API root with or without /api/v1', () => {
    expect(zwApiRoot('https://zw.example')).toBe('https://zw.example/api/v1/');
    expect(zwApiRoot('https://zw.example/api/v1/')).toBe('https://zw.example/api/v1/');
    expect(zwApiRoot('https://zw.example/prefix/API/V1')).toBe('https://zw.example/prefix/API/V1/');
  });
});

describe('amounts for Lipad', () => {
  it('are the shortest decimal text', () => {
    expect(shortestDecimal(1000, 'KES')).toBe('10');
    expect(shortestDecimal(1050, 'KES')).toBe('10.5');
    expect(shortestDecimal(1005, 'KES')).toBe('10.05');
    expect(shortestDecimal(5000, 'UGX')).toBe('5000');
    expect(shortestDecimal(7, 'KES')).toBe('0.07');
  });
});

describe('Lipad without a base URL', () => {
  it('says that the sandbox host is used', () => {
    const notes: string[] = [];
    new LipadProvider({
      consumerKey: 'k',
      consumerSecret: 's',
      baseUrl: undefined,
      cacheDir: '/nonexistent',
      diagnostics: { unrecognised() {}, note: (_provider, text) => notes.push(text) },
    });
    expect(notes).toEqual([expect.stringContaining(lipadSandboxUrl)]);
  });
});

describe('status of many, one at a time', () => {
  it('keeps input order with bounded concurrency, and leaves failed queries unanswered', async () => {
    let inFlight = 0;
    let most = 0;
    const answers = await statusEach(
      Array.from({ length: 20 }, (_, index) => index),
      async (index) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        if (index === 7) throw new Error('HTTP 502');
        return { status: 'delivered', providerReference: String(index) };
      },
      3,
    );
    expect(most).toBeLessThanOrEqual(3);
    expect(answers[7]).toMatchObject({ status: 'unanswered', error: expect.objectContaining({ message: 'HTTP 502' }) });
    expect(answers.filter((answer) => answer.status === 'delivered').map((answer) => 'providerReference' in answer && answer.providerReference)).toEqual(
      Array.from({ length: 20 }, (_, index) => String(index)).filter((index) => index !== '7'),
    );
  });

  it('stops at a configuration error: every other query would fail alike', async () => {
    let asked = 0;
    await expect(
      statusEach(
        Array.from({ length: 50 }, (_, index) => index),
        () => {
          asked += 1;
          return Promise.reject(configError('lipad refused the credentials (HTTP 401)'));
        },
        2,
      ),
    ).rejects.toMatchObject({ kind: 'config' });
    expect(asked).toBeLessThanOrEqual(2);
  });
});
