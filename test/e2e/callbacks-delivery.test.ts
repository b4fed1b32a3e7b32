import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen, post, type Listening } from '../helpers/callbacks.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { startCli } from '../helpers/process.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

interface Listed {
  transfers: { reference: string; status: string; phone: string; providerReference: string | null }[];
}

describe('nothing lost, nothing unbounded', () => {
  let home: ReturnType<typeof tempHome>;
  let listener: Listening | undefined;
  let sim: Awaited<ReturnType<typeof startTestSim>> | undefined;

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    await listener?.process.stop();
    await sim?.close();
    listener = undefined;
    sim = undefined;
    home.cleanup();
  });

  const transfers = async (env: Record<string, string>) =>
    parseJson<Listed>((await runCli(home.home, ['status', '--json', '--limit', '100'], { env })).stdout).transfers;

  it("a full data folder loses no Africa's Talking callback: spooled before the 200, replayed at the next start", async () => {
    sim = await startTestSim({ settleMs: 600_000 });
    const env = simEnv(sim.url);
    for (const [index, phone] of ['+254711000100', '+254711000200', '+254711000300'].entries()) {
      expect((await runCli(home.home, ['send', phone, '10', '--provider', 'africastalking', '--key', `at-${index}`, '--yes'], { env })).code).toBe(0);
    }
    const sent = await transfers(env);
    expect(sent.map((transfer) => transfer.status)).toEqual(['submitted', 'submitted', 'submitted']);

    // The journal cannot grow by a page: every write that needs one fails with SQLITE_FULL, as on a full disk.
    listener = await listen(home.home, [], { ...env, AIRTIME_JOURNAL_MAX_PAGES: '1' });
    // Long descriptions (40 KB, ten pages each): none fits in the few free pages a journal keeps.
    for (const transfer of sent) {
      const body = new URLSearchParams({
        phoneNumber: transfer.phone,
        // The last one a Failed: posted without a path token, it stays unverified through the spool.
        status: transfer.reference === 'at-2' ? 'Failed' : 'Success',
        requestId: transfer.providerReference ?? '',
        value: 'KES 10.0000',
        description: `Airtime Delivered Successfully ${'.'.repeat(40_000)}`,
      }).toString();
      expect(await post(`${listener.base}/callbacks/africastalking`, body, { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({
        status: 200,
        text: 'OK',
      });
    }
    const spooled = await listener.until((event) => event.outcome === 'spooled', 3);
    expect(spooled[0]?.reason).toMatch(/journal: .*full/i);
    // Lipad retries until it gets a 200: it is answered 503 instead of being spooled.
    const lipad = JSON.stringify({ phone_number: '254711000100', amount: 10, service_status: 602, external_reference: 'REQ-x', message: 'x'.repeat(40_000) });
    expect((await post(`${listener.base}/callbacks/lipad`, lipad)).status).toBe(503);

    const spool = join(home.home, 'callback-spool');
    const files = readdirSync(spool);
    expect(files).toHaveLength(3);
    expect(statSync(spool).mode & 0o777).toBe(0o700);
    for (const file of files) expect(statSync(join(spool, file)).mode & 0o777).toBe(0o600);
    await listener.process.stop();
    listener = undefined;
    expect((await transfers(env)).map((transfer) => transfer.status)).toEqual(['submitted', 'submitted', 'submitted']);
    expect((await runCli(home.home, ['callbacks', 'list'], { env })).stderr).toContain('3 callbacks wait in the spool');

    // The next start replays them into the journal, then empties the spool — behind a path token now, which
    // does not make the Failed taken without one any more trustworthy.
    listener = await listen(home.home, ['--path-token', 'n0w-s3cret'], env);
    const replayed = await listener.until((event) => event.flags.includes('replayed'), 3);
    expect(replayed.map((event) => [event.reference, event.outcome, event.status]).sort()).toEqual([
      ['at-0', 'moved', 'delivered'],
      ['at-1', 'moved', 'delivered'],
      ['at-2', 'moved', 'failed'],
    ]);
    expect(replayed.find((event) => event.reference === 'at-2')?.flags).toContain('unverified');
    expect(replayed.find((event) => event.reference === 'at-0')?.flags).not.toContain('unverified');
    await listener.process.waitFor(/replayed 3 spooled callbacks/);
    expect(readdirSync(spool)).toEqual([]);
    expect(Object.fromEntries((await transfers(env)).map((transfer) => [transfer.reference, transfer.status]))).toEqual({
      'at-0': 'delivered',
      'at-1': 'delivered',
      'at-2': 'failed',
    });
  });

  it('--timeout closes the listener even while clients hold bodies open, and drops what never arrived whole', async () => {
    const started = Date.now();
    const child = startCli(home.home, ['serve-callbacks', '--port', '0', '--timeout', '2', '--format', 'json']);
    const port = Number((await child.waitFor(/ready: http:\/\/127\.0\.0\.1:(\d+)/))[1]);
    // Three clients that declare a body and send it a byte at a time, for far longer than the timeout.
    const sockets = Array.from({ length: 3 }, () => connect(port, '127.0.0.1'));
    const body = JSON.stringify({ reference: 'slow', status: 'delivered' });
    for (const socket of sockets) {
      socket.on('error', () => undefined);
      socket.write(`POST /callbacks/sandbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 1000}\r\n\r\n`);
    }
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(' ');
    }, 100);
    try {
      const code = await new Promise<number | null>((resolve) => child.child.on('exit', resolve));
      expect(code).toBe(0);
      // Two seconds of listening, then a prompt stop: not the 30 s the trickle would take.
      expect(Date.now() - started).toBeLessThan(12_000);
      expect(sockets.every((socket) => socket.destroyed || socket.readableEnded)).toBe(true);
    } finally {
      clearInterval(trickle);
      for (const socket of sockets) socket.destroy();
      await child.stop();
    }
    expect(child.stdout()).toBe('');
  });

  it('exits 130 on Ctrl-C', async () => {
    const child = startCli(home.home, ['serve-callbacks', '--port', '0']);
    await child.waitFor(/ready: /);
    expect(await child.stop('SIGINT')).toBe(130);
  });

  it('prints 401, 404 and 413 on stderr with the reason, and recorded callbacks in aligned columns', async () => {
    const child = startCli(home.home, ['serve-callbacks', '--port', '0', '--body-limit', '2048', '--path-token', 'tok'], { ZW_WEBHOOK_SECRET: 'zw-secret' });
    try {
      const base = (await child.waitFor(/ready: (http:\/\/127\.0\.0\.1:\d+)/))[1] ?? '';
      expect((await post(`${base}/callbacks/zw`, '{}', { 'content-type': 'application/json', 'x-airtime-signature': 'sha256=00' })).status).toBe(401);
      expect((await post(`${base}/callbacks/lipad`, '{}')).status).toBe(404);
      expect((await post(`${base}/callbacks/paypal/tok`, '{}')).status).toBe(404);
      expect((await post(`${base}/callbacks/lipad/tok`, 'x'.repeat(5000))).status).toBe(413);
      const unknown = (id: string, phone: string) =>
        post(
          `${base}/callbacks/africastalking/tok`,
          new URLSearchParams({ phoneNumber: phone, status: 'Failed', requestId: id, value: 'KES 100.0000', description: 'Insufficient Credit' }).toString(),
          { 'content-type': 'application/x-www-form-urlencoded' },
        );
      expect((await unknown('ATQid_a', '+254711000100')).status).toBe(200);
      expect((await unknown('ATQid_bb', '+2547110001')).status).toBe(200);
      await child.waitFor(/413 \[too-large\]/);
      await child.waitFor(/<-- 200[\s\S]*<-- 200/);
      const stderr = child.stderr();
      expect(stderr).toMatch(/--> zw {2}<-- 401 \[bad-signature\] \(signature does not match any zw webhook secret\)/);
      expect(stderr).toMatch(/--> \/callbacks\/lipad {2}<-- 404 \[not-found\] \(path token missing or wrong\)/);
      expect(stderr).toMatch(/--> \/callbacks\/paypal\/tok {2}<-- 404 \[not-found\] \(no such route/);
      expect(stderr).toMatch(/--> lipad {2}<-- 413 \[too-large\] \(body over 2048 bytes/);
      // Failed callbacks carry their reason; columns line up whatever the phone's length.
      const lines = child.stdout().trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toContain('(Insufficient Credit)');
      const column = (line: string) => line.indexOf('100.00 KES');
      expect(column(lines[0] ?? '')).toBeGreaterThan(0);
      expect(column(lines[0] ?? '')).toBe(column(lines[1] ?? ''));
      expect((lines[0] ?? '').indexOf('<-- 200')).toBe((lines[1] ?? '').indexOf('<-- 200'));
    } finally {
      await child.stop();
    }
  });

  it('the embedded sandbox honours --path-token', async () => {
    listener = await listen(home.home, ['--path-token', 's3cr3t'], { AIRTIME_SANDBOX_SETTLE_MS: '100' });
    expect((await runCli(home.home, ['send', '+254711000100', '10', '--yes', '--key', 'tok-1'], { env: { AIRTIME_SANDBOX_SETTLE_MS: '100' } })).code).toBe(0);
    const [line] = await listener.until((event) => event.reference === 'tok-1');
    expect(line).toMatchObject({ provider: 'sandbox', status: 'delivered', outcome: 'moved', httpStatus: 200 });
    expect(listener.events().filter((event) => event.httpStatus === 404)).toEqual([]);
  });
});

describe('every listener sees every callback; --wait sees only its own', () => {
  let home: ReturnType<typeof tempHome>;
  let listener: Listening | undefined;

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    await listener?.process.stop();
    listener = undefined;
    home.cleanup();
  });

  it('send --wait prints its own transfer only, and a running serve-callbacks sees both', async () => {
    const env = { AIRTIME_SANDBOX_SETTLE_MS: '1500' };
    listener = await listen(home.home, [], env);
    // Another transfer settles while the wait runs: it is not the wait's business.
    expect((await runCli(home.home, ['send', '+254711000200', '10', '--yes', '--key', 'other'], { env })).code).toBe(0);
    const waited = await runCli(home.home, ['send', '+254711000100', '10', '--yes', '--key', 'mine', '--wait', '--timeout', '20'], { env });
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/^delivered\tmine\t/);
    const lines = waited.stderr.split('\n').filter((line) => line.includes('-->'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--> sandbox +\+254711000100 +10\.00 KES {2}delivered {2}mine/);
    const seen = await listener.until((event) => event.provider === 'sandbox', 2);
    expect(seen.map((event) => event.reference).sort()).toEqual(['mine', 'other']);
  });

  it('bulk --wait prints the rows of its batch only', async () => {
    const env = { AIRTIME_SANDBOX_SETTLE_MS: '1500' };
    listener = await listen(home.home, [], env);
    expect((await runCli(home.home, ['send', '+254711000900', '10', '--yes', '--key', 'elsewhere'], { env })).code).toBe(0);
    const file = join(home.home, 'three.csv');
    writeFileSync(file, 'phone,amount\n+254711000300,10\n+254711000400,10\n+254711000500,10\n');
    const bulk = await runCli(home.home, ['bulk', file, '--yes', '--wait', '--timeout', '20'], { env, timeoutMs: 40_000 });
    expect(bulk.code).toBe(0);
    const lines = bulk.stderr.split('\n').filter((line) => line.includes('-->'));
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('+254711000900');
    await listener.until((event) => event.provider === 'sandbox', 4);
    expect(existsSync(join(home.home, 'callback-spool'))).toBe(false);
  });
});
