import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../helpers/cli.js';
import { sandboxState } from '../helpers/sandbox-state.js';

/** Each bad file or argument: a clear one-line error, the right exit code, no stack trace, nothing sent. */
const stackTrace = /\n\s+at .+:\d+:\d+/;

describe('bad input never reaches a provider', () => {
  const home = tempHome();
  afterAll(() => home.cleanup());

  const write = (name: string, content: string | Buffer) => {
    const path = join(home.home, name);
    writeFileSync(path, content);
    return path;
  };

  const corpus: [string, string | Buffer, RegExp][] = [
    ['binary junk', Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919) % 256)), /binary data/],
    ['a PNG renamed .csv', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(64)]), /binary data/],
    ['wrong delimiter (pipes)', 'phone|amount\n+254711000100|10\n', /no phone column/],
    ['UTF-16 LE', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('phone,amount\n+254711000100,10\n', 'utf16le')]), /UTF-16/],
    ['UTF-16 BE', Buffer.from([0xfe, 0xff, 0, 0x70, 0, 0x68]), /UTF-16/],
    ['empty file', '', /is empty/],
    ['only whitespace lines', '\n\n\n', /no header row/],
    ['header only', 'phone,amount\n', /no data rows/],
    ['a field over the record cap', `phone,amount,note\n+254711000100,10,"${'x'.repeat(70_000)}"\n`, /over 64 KiB/],
    ['an unclosed quote', 'phone,amount\n"+254711000100,10\n+254711000200,10\n', /quote|not valid CSV/],
    ['a quote inside an unquoted cell', 'phone,amount,name\n+254711000100,10,Joe "JJ" Smith\n', /line 2 has a quote inside a cell .*"Joe ""JJ"" Smith"/],
    ['text after a closing quote', 'phone,amount,name\n+254711000100,10,"Joe" Smith\n', /text right after a closing quote/],
  ];

  it.each(corpus)('%s', async (name, content, message) => {
    const path = write(`${name.replace(/\W+/g, '-')}.csv`, content);
    for (const args of [
      ['bulk', path, '--dry-run'],
      ['bulk', path, '--yes'],
    ]) {
      const result = await runCli(home.home, args);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(stackTrace);
      expect(result.stderr).not.toMatch(/this is a bug/);
    }
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('ragged rows are listed per line and block the run', async () => {
    const path = write('ragged.csv', 'phone,amount\n+254711000100,10,extra\n+254711000200\n+254711000300,10\n');
    const result = await runCli(home.home, ['bulk', path, '--yes']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/line 2, \*: has 3 fields/);
    expect(result.stderr).toMatch(/line 3, \*: has 1 fields/);
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('quoted newlines are data, and line numbers stay true', async () => {
    const path = write('quoted.csv', 'phone,amount,name\n+254711000100,10,"Alice\nWanjiru"\n+254711000200,abc,Bob\n');
    const result = await runCli(home.home, ['bulk', path, '--dry-run']);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/2 rows, 1 valid, 1 invalid/);
    expect(result.stdout).toMatch(/line 4, amount: amount "abc"/);
  });

  it('10,000 bad rows: all counted, the first thousand shown, all written by --errors-out', async () => {
    const lines = ['phone,amount', ...Array.from({ length: 10_000 }, (_, index) => `+25471${String(index * 10 + 5).padStart(7, '0')},abc`)];
    const path = write('bad-10k.csv', `${lines.join('\n')}\n`);
    const errors = join(home.home, 'bad-10k-errors.csv');
    const result = await runCli(home.home, ['bulk', path, '--dry-run', '--errors-out', errors], { timeoutMs: 60_000 });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/10000 rows, 0 valid, 10000 invalid/);
    expect(result.stdout).toMatch(/… and 9000 more/);
    expect(readFileSync(errors, 'utf8').trim().split('\n')).toHaveLength(10_001);
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it.each([
    [['bulk'], 2, /needs a CSV file/],
    [['bulk', 'samples/payouts.csv', '--concurrency', '0', '--yes'], 2, /--concurrency "0"/],
    [['bulk', 'samples/payouts.csv', '--rate', 'fast', '--yes'], 2, /--rate "fast"/],
    [['bulk', 'missing.csv', '--yes'], 3, /cannot be read/],
    [['bulk', '--resume', 'b_nope', '--yes'], 3, /no batch "b_nope"/],
    [['send', '+254711000100', '100', '--timeout', '-1', '--yes'], 2, /--timeout "-1"/],
    [['send', '+254711000100', '100', '--bogus'], 2, /unknown option/],
    [['send', '+254711000100', '100', '--repeat-window', 'abc', '--yes'], 2, /--repeat-window "abc" is not a duration/],
    [['send', '+254711000100', '100', '--repeat-window', '-5d', '--yes'], 2, /--repeat-window "-5d" is not a duration/],
    [['bulk', 'samples/payouts.csv', '--repeat-window', '999999999d', '--dry-run'], 2, /--repeat-window "999999999d" is longer than ten years/],
    [['send', '+254711000100', '100', '--max-total', '-5 KES', '--yes'], 2, /--max-total "-5 KES"/],
    [['status', '--state', 'lost'], 2, /--state "lost" is not known: choose one of queued/],
    [['serve-callbacks', '--port', '99999'], 2, /not a port number/],
    [['sandbox', 'serve', '--error-rate', '2'], 2, /fraction from 0 to 1/],
    [['frobnicate'], 2, /unknown command/],
    [['config', 'set', 'colour', 'red'], 2, /setting "colour" is not known/],
    [['config', 'set', 'api_key', 'x'], 2, /setting "api_key" is not known \(did you mean api-key\?\)/],
    [['config', 'get', 'limits.XYZ.max'], 3, /currency "XYZ" is not supported/],
    [['config', 'set', 'large-run.rows', 'many'], 2, /large-run.rows "many" is not a whole number/],
    [['bulk', 'samples/payouts.csv', '--errors-out', '/missing/dir/x.csv', '--yes'], 2, /the folder \/missing\/dir does not exist/],
    [['bulk', 'samples/payouts.csv', '--out', 'samples/payouts.csv', '--yes'], 2, /is the input file/],
    [['status', '--state', 'delivred'], 2, /did you mean delivered\?/],
    [['send', '+254711000100', '10', '--provider', 'lipd', '--yes'], 2, /--provider "lipd" is not known \(did you mean lipad\?\)/],
    [['send', '+254711000100', '10', '--profile', 'defualt', '--yes'], 4, /profile "defualt" does not exist \(did you mean default\?\)/],
    [['profile', 'use', 'ghost'], 4, /profile "ghost" does not exist/],
    [['profile', 'add', 'x', '--provider', 'paypal'], 2, /provider "paypal" is not known/],
    [['batch', 'show', 'b_nope'], 3, /no batch "b_nope" in the journal: list them with 'airtime batches'/],
    [['help', 'bogus'], 2, /unknown command "bogus" for "airtime"/],
    [['help', 'config', 'sett'], 2, /unknown command "sett" for "airtime config" \(did you mean set\?\)/],
    [['completion', 'tcsh'], 2, /shell "tcsh" is not known/],
    [['wallet', '--provider', 'africastalking'], 4, /africastalking needs its username and api-key: set AT_USERNAME and AT_API_KEY/],
    [['send', '+254711000100', '10', '--provider', 'zw', '--yes'], 4, /zw needs its api-key and base-url/],
    [['reconcile', 'b_nope'], 3, /no batch "b_nope"/],
  ])('%j exits %i with one clear line', async (args, code, message) => {
    const result = await runCli(home.home, args, { cwd: join(import.meta.dirname, '../..') });
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(stackTrace);
    expect(result.stderr).not.toMatch(/this is a bug/);
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('error:')),
    ).toHaveLength(1);
    expect(sandboxState(home.home).transfers).toBe(0);
  });
});

describe('bad input before anything is written', () => {
  let home: ReturnType<typeof tempHome>;
  beforeAll(() => {
    home = tempHome();
  });
  afterAll(() => home.cleanup());

  it('a half-valid file without --skip-invalid journals nothing', async () => {
    const path = join(home.home, 'half.csv');
    writeFileSync(path, 'phone,amount\n+254711000100,10\n+254711000200,oops\n');
    const result = await runCli(home.home, ['bulk', path, '--yes']);
    expect(result.code).toBe(3);
    const list = await runCli(home.home, ['status', '--json']);
    expect((JSON.parse(list.stdout) as { transfers: unknown[] }).transfers).toEqual([]);
  });
});
