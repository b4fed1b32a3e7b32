import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen, post, type Listening } from '../helpers/callbacks.js';
import { binPath, parseJson, runCli, tempHome } from '../helpers/cli.js';
import { freePort } from '../helpers/process.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

describe('airtime callbacks trigger | replay | list', () => {
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

  it('trigger posts a signed zw webhook that serve-callbacks records; replay posts the journaled body again, answered as a duplicate', async () => {
    sim = await startTestSim({ settleMs: 600_000 });
    const env = simEnv(sim.url);
    // Magic 0003: zw took the order but its answer was lost.
    const sent = await runCli(home.home, ['send', '+263772000003', '1', '--provider', 'zw', '--key', 'zw-t', '--yes', '--json'], { env });
    expect(parseJson<{ status: string }>(sent.stdout).status).toBe('unknown');
    listener = await listen(home.home, [], env);

    const triggered = await runCli(home.home, ['callbacks', 'trigger', 'zw', 'delivered', '--to', listener.base, '--reference', 'zw-t'], { env });
    expect(triggered.code).toBe(0);
    expect(triggered.stderr).toContain(`--> POST ${listener.base}/callbacks/zw  zw delivered for zw-t`);
    expect(triggered.stdout).toBe('<-- 200 OK\n');
    const [moved] = await listener.until((event) => event.reference === 'zw-t');
    expect(moved).toMatchObject({ provider: 'zw', outcome: 'moved', status: 'delivered', amount: '1.00', currency: 'USD' });

    const replayed = await runCli(home.home, ['callbacks', 'replay', 'zw-t', '--to', listener.base], { env });
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/--> POST .*\/callbacks\/zw {2}zw delivered for zw-t \(event \d+\) {2}<-- 200/);
    const [again] = await listener.until((event) => event.reference === 'zw-t' && event.outcome === 'duplicate');
    expect(again?.flags).toContain('duplicate');

    const listed = parseJson<{ callbacks: { reference: string; provider: string; status: string; flags: string[] }[] }>(
      (await runCli(home.home, ['callbacks', 'list', '--json'], { env })).stdout,
    );
    expect(listed.callbacks.map((callback) => [callback.reference, callback.status, callback.flags])).toEqual([
      ['zw-t', 'delivered', []],
      ['zw-t', 'delivered', ['duplicate']],
    ]);
    const duplicates = parseJson<{ callbacks: unknown[] }>((await runCli(home.home, ['callbacks', 'list', '--flag', 'duplicate', '--json'], { env })).stdout);
    expect(duplicates.callbacks).toHaveLength(1);
  });

  it("replay re-posts a sandbox batch's callbacks, signed with the data folder's key", async () => {
    const env = { AIRTIME_SANDBOX_SETTLE_MS: '100' };
    const file = join(home.home, 'two.csv');
    writeFileSync(file, 'phone,amount\n+254711000300,10\n+254711000400,10\n');
    const bulk = await runCli(home.home, ['bulk', file, '--yes', '--wait', '--json'], { env });
    expect(bulk.code).toBe(0);
    const { batch } = parseJson<{ batch: string }>(bulk.stdout);
    listener = await listen(home.home, ['--no-sandbox'], env);
    // --no-sandbox: no sandbox route, so nothing to replay into.
    expect((await runCli(home.home, ['callbacks', 'replay', batch, '--to', listener.base], { env })).code).toBe(1);
    await listener.process.stop();
    listener = await listen(home.home, [], env);
    const replayed = await runCli(home.home, ['callbacks', 'replay', batch, '--to', listener.base], { env });
    expect(replayed.code).toBe(0);
    expect(replayed.stdout.trim().split('\n')).toHaveLength(2);
    const lines = await listener.until((event) => event.outcome === 'duplicate', 2);
    expect(lines.every((line) => line.provider === 'sandbox' && line.status === 'delivered')).toBe(true);
    const listed = parseJson<{ callbacks: { batch: string }[] }>((await runCli(home.home, ['callbacks', 'list', '--batch', batch, '--json'], { env })).stdout);
    expect(listed.callbacks.length).toBeGreaterThanOrEqual(4);
    expect(listed.callbacks.every((callback) => callback.batch === batch)).toBe(true);
  });

  it('trigger says what is wrong: an unknown status, a missing zw secret, a listener that is not there', async () => {
    const unknownStatus = await runCli(home.home, ['callbacks', 'trigger', 'africastalking', 'reversed', '--to', 'http://127.0.0.1:9']);
    expect(unknownStatus.code).toBe(2);
    expect(unknownStatus.stderr).toContain('africastalking callbacks say submitted, delivered, failed: "reversed" is not one of them');
    const noSecret = await runCli(home.home, ['callbacks', 'trigger', 'zw', 'delivered', '--to', 'http://127.0.0.1:9']);
    expect(noSecret.code).toBe(4);
    expect(noSecret.stderr).toContain('no webhook secret');
    const port = await freePort();
    const nobody = await runCli(home.home, ['callbacks', 'trigger', 'lipad', 'delivered', '--to', `http://127.0.0.1:${port}`]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/could not post to http:\/\/127\.0\.0\.1:\d+\/callbacks\/lipad: ECONNREFUSED; is the listener running\?/);
    const noCallbacks = await runCli(home.home, ['callbacks', 'list']);
    expect(noCallbacks.code).toBe(0);
    expect(noCallbacks.stderr).toContain('no callbacks in the journal');
  });

  it('trigger about nothing in the journal is recorded and flagged, as a stranger’s callback would be', async () => {
    listener = await listen(home.home);
    for (const provider of ['africastalking', 'lipad', 'sandbox']) {
      expect((await runCli(home.home, ['callbacks', 'trigger', provider, 'failed', '--to', listener.base])).code).toBe(0);
    }
    const lines = await listener.until((event) => event.outcome === 'unknown-transfer', 3);
    expect(lines.map((line) => line.provider)).toEqual(['africastalking', 'lipad', 'sandbox']);
  });
});

/** The runner's environment without any airtime setting (as runCli does). */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !/^(AIRTIME_|AT_|LIPAD_|ZW_)/.test(entry[0])),
  );
}

describe('text from outside prints inert', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  // Erase the line, move to its start and write "delivered"; write the clipboard (OSC 52); reverse the text.
  const hostile = '\u001b[2K\u001b[1Gdelivered\u001b]52;c;ZXZpbA==\u0007 \u202e001';
  /** Whether a terminal would act on some character of `text` (line ends aside). */
  const actsOnTerminal = (text: string) => [...text].some((char) => /[\p{Cc}\p{Bidi_Control}]/u.test(char) && !'\n\r\t'.includes(char));

  it('an escape sequence in a CSV note reaches a terminal as plain text, and JSON keeps it exactly', async () => {
    const file = join(home.home, 'notes.csv');
    writeFileSync(file, `phone,amount,reference,note\n+254711000100,10,row-1,"${hostile}"\n`);
    expect((await runCli(home.home, ['bulk', file, '--yes'], { env: { AIRTIME_SANDBOX_SETTLE_MS: '100' } })).code).toBe(0);

    // On a terminal (a pseudo-terminal from util-linux `script`), `status` shows the note line.
    const shown = spawnSync('script', ['-qec', `"${process.execPath}" "${binPath}" status row-1`, '/dev/null'], {
      env: { ...cleanEnv(), AIRTIME_HOME: home.home, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(shown.status).toBe(0);
    const note = shown.stdout.split(/\r?\n/).find((line) => line.startsWith('note'));
    expect(note).toBe('note         [2K[1Gdelivered]52;c;ZXZpbA== 001');
    expect(actsOnTerminal(shown.stdout)).toBe(false);

    const json = await runCli(home.home, ['status', 'row-1', '--json']);
    expect(actsOnTerminal(json.stdout)).toBe(false);
    expect(parseJson<{ note: string }>(json.stdout).note).toBe(hostile);
  });

  it('a bad CSV cell, and a provider message in a callback, print inert', async () => {
    const file = join(home.home, 'bad.csv');
    writeFileSync(file, `phone,amount\n"+2547${hostile}",10\n`);
    const checked = await runCli(home.home, ['bulk', file, '--dry-run']);
    expect(checked.code).toBe(3);
    expect(checked.stdout).toContain('line 2, phone:');
    expect(actsOnTerminal(checked.stdout + checked.stderr)).toBe(false);

    const listener = await listen(home.home, ['--format', 'text']);
    try {
      const body = new URLSearchParams({ phoneNumber: '+254711000100', status: 'Failed', requestId: 'ATQid_x', value: 'KES 10.0000', description: hostile });
      expect((await post(`${listener.base}/callbacks/africastalking`, body.toString(), { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(
        200,
      );
      await listener.process.waitFor(/unknown-transfer/);
      expect(listener.process.stdout()).toContain('([2K[1Gdelivered]52;c;ZXZpbA== 001)');
      expect(actsOnTerminal(listener.process.stdout() + listener.process.stderr())).toBe(false);
    } finally {
      await listener.process.stop();
    }
  });
});
