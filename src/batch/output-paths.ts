import { constants } from 'node:fs';
import { access, lstat, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { usageError } from '../core/errors.js';

async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Checks, before the gate (and before `audit export` writes a line), that a file the command will write after money moved can be written, and is
 * not one of its inputs: a results path that fails after paying 5 M is a summary lost, and an errors file
 * written over the payout file is the payout file lost.
 */
export async function checkOutputPath(path: string, flag: string, inputs: readonly string[]): Promise<void> {
  // Never written through: a link planted where the results go would have them overwrite the file it
  // names (a usage error, 2, as every other refusal of the path given: it is the flag's value that is wrong).
  if ((await lstat(path).catch(() => undefined))?.isSymbolicLink()) {
    throw usageError(`${flag} ${path} is a symbolic link: airtime does not write through links — give the path of a file itself`);
  }
  const target = await canonical(path);
  for (const input of inputs) {
    if ((await canonical(input)) === target) throw usageError(`${flag} ${path} is the input file: choose another path (it would be overwritten)`);
  }
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw usageError(`${flag} ${path} is a folder: give a file path such as ${path.replace(/\/+$/, '')}/results.csv`);
  // A pipe with no reader would hang the run after it paid; a device may refuse or swallow the results.
  if (existing && !existing.isFile()) throw usageError(`${flag} ${path} is not a regular file (a pipe or a device): give a file path`);
  const folder = dirname(target);
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat?.isDirectory()) throw usageError(`${flag} ${path}: the folder ${folder} does not exist; create it or choose another path`);
  try {
    await access(existing ? target : folder, constants.W_OK);
  } catch {
    throw usageError(`${flag} ${path} cannot be written (permission denied): choose another path`);
  }
}
