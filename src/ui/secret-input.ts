import { usageError } from '../core/errors.js';
import type { IO } from './io.js';

/** Reads a whole value from standard input (e.g. `echo "$KEY" | airtime config set api-key --stdin`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** A secret from a masked prompt on a terminal; without one the user is told the other ways. */
export async function promptSecret(io: IO, label: string): Promise<string> {
  if (!io.stdinIsTTY || !io.stderrIsTTY) {
    throw usageError(`${label} needs a value and there is no terminal to ask: pass it with --stdin or an environment variable`);
  }
  const { password } = await import('@inquirer/prompts');
  return password({ message: label, mask: '•' }, { output: process.stderr });
}
