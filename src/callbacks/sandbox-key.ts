import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir } from '../config/paths.js';

/**
 * The key that signs the embedded sandbox's callbacks: 32 random bytes kept beside the sandbox's state in
 * the data folder, readable by its owner only. Sandbox transfers exist only where that folder is, so only a
 * process that can read it (the listener's own pump, `airtime callbacks trigger` run by the same user) can
 * speak for them — never a POST from the network, whatever the listener's host or path token.
 */
export function sandboxCallbackKey(dataDir: string): Buffer {
  const file = join(ensureDir(dataDir), 'sandbox-callbacks.key');
  const existing = readKey(file);
  if (existing) return existing;
  // Written whole under another name, then linked into place: a reader never sees half a key, and of two
  // processes creating it at once, one wins and both use its key.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  const key = readKey(file);
  if (!key) throw new Error(`the sandbox callback key in ${file} is unreadable: remove the file and start again`);
  return key;
}

function readKey(file: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return /^[0-9a-f]{64}$/.test(text) ? Buffer.from(text, 'hex') : undefined;
}
