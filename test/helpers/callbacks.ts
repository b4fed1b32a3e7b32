import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startCli, type LongRunning } from './process.js';

/** One NDJSON line of `serve-callbacks --format json`. */
export interface ListenerEvent {
  provider: string | null;
  status: string | null;
  reference: string | null;
  phone: string | null;
  amount: string | null;
  currency: string | null;
  flags: string[];
  httpStatus: number;
  outcome: string;
  reason: string | null;
  path?: string;
}

export interface Listening {
  readonly process: LongRunning;
  readonly base: string;
  /** Every NDJSON line printed so far. */
  events(): ListenerEvent[];
  /** Waits (bounded) until `count` lines match. */
  until(predicate: (event: ListenerEvent) => boolean, count?: number, timeoutMs?: number): Promise<ListenerEvent[]>;
}

/** `airtime serve-callbacks --format json` on a free port, ready to take callbacks. */
export async function listen(home: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<Listening> {
  const child = startCli(home, ['serve-callbacks', '--port', '0', '--format', 'json', ...args], env);
  const base = (await child.waitFor(/ready: (http:\/\/127\.0\.0\.1:\d+)/))[1] ?? '';
  const events = () =>
    child
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as ListenerEvent);
  return {
    process: child,
    base,
    events,
    async until(predicate, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = events().filter(predicate);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} events; stdout: ${child.stdout()}\nstderr: ${child.stderr()}`);
        if (child.child.exitCode !== null) throw new Error(`listener exited ${child.child.exitCode}; stderr: ${child.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

export async function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await request(url, { method: 'POST', headers, body });
  return { status: response.statusCode, text: await response.body.text(), headers: response.headers };
}

/** Signs a body as the embedded sandbox of `home` does: only who can read the data folder can. */
export function signSandbox(home: string, body: string): Record<string, string> {
  const key = Buffer.from(readFileSync(join(home, 'sandbox-callbacks.key'), 'utf8').trim(), 'hex');
  return { 'content-type': 'application/json', 'x-airtime-sandbox-signature': `sha256=${createHmac('sha256', key).update(body).digest('hex')}` };
}
