import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';

/** The audit chain checked against a head kept elsewhere: a tail deleted with the recorded head rewritten is caught. */
describe('airtime audit head / verify --head', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  it('prints the head; verify --head catches a deleted tail whose recorded head was rewritten, which plain verify calls intact', async () => {
    expect((await runCli(home.home, ['send', '+254711000100', '100', '--yes'])).code).toBe(0);
    const before = (await runCli(home.home, ['audit', 'head'])).stdout.trim();
    expect(before).toMatch(/^\d+:[0-9a-f]{64}$/);
    expect((await runCli(home.home, ['send', '+254711000200', '150', '--yes'])).code).toBe(0);
    const head = await runCli(home.home, ['audit', 'head', '--json']);
    expect(head.code).toBe(0);
    const recorded = parseJson<{ count: number; head: string; value: string }>(head.stdout);
    expect(recorded.value).toBe(`${recorded.count}:${recorded.head}`);
    expect((await runCli(home.home, ['audit', 'verify', '--head', recorded.value])).code).toBe(0);
    expect((await runCli(home.home, ['audit', 'verify', '--head', before])).stdout).toContain('the chain contains the recorded head');

    // Someone with the file removes the second payment: its events, its row, and the chain's recorded head.
    const db = new Database(join(home.home, 'journal.db'));
    const [count, hash] = before.split(':');
    db.prepare('DELETE FROM events WHERE id > ?').run(Number(count));
    db.prepare(`DELETE FROM transfers WHERE phone = '+254711000200'`).run();
    db.prepare('UPDATE chain SET head = ?, count = ? WHERE id = 1').run(hash, Number(count));
    db.close();

    expect((await runCli(home.home, ['audit', 'verify'])).code).toBe(0);
    const caught = await runCli(home.home, ['audit', 'verify', '--head', recorded.value]);
    expect(caught.code).toBe(1);
    expect(caught.stderr).toContain(
      `the chain holds ${count} events but the head recorded elsewhere (${recorded.count}:${recorded.head.slice(0, 16)}…) holds ${recorded.count}: events ${Number(count) + 1} to ${recorded.count} were deleted`,
    );
    const bare = await runCli(home.home, ['audit', 'verify', '--head', recorded.head, '--json']);
    expect(bare.code).toBe(1);
    expect(parseJson<{ intact: boolean; breaks: { message: string }[] }>(bare.stdout)).toMatchObject({
      intact: false,
      breaks: [{ message: expect.stringContaining('the chain does not contain the head recorded elsewhere') as unknown }],
    });
  });

  it('refuses a --head that is not one', async () => {
    const result = await runCli(home.home, ['audit', 'verify', '--head', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--head "abc" is not a chain head: give what 'airtime audit head' printed`);
  });
});
