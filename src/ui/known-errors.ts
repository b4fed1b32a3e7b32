import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AirtimeError } from '../core/errors.js';

interface SystemError extends Error {
  readonly code?: string;
  readonly path?: string;
  readonly port?: number;
  readonly syscall?: string;
}

/** Where the journal and config live, to name them in messages. */
export interface Folders {
  readonly dataDir: string;
  readonly configDir: string;
}

/**
 * Errors from the system or a library that are not bugs but the machine's state — a port taken, a
 * read-only or full disk, a prompt closed with Ctrl-C — turned into one line that says what to do, with
 * the exit code of the README's table. Anything not recognised here is left for the caller to report as a bug.
 */
export function explainError(error: unknown, folders: Folders): AirtimeError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path, port } = error as SystemError;
  // @inquirer/prompts: Ctrl-C (or a closed terminal) at a prompt.
  if (error.name === 'ExitPromptError' || error.name === 'AbortPromptError') return new AirtimeError('cancelled', 'cancelled: nothing was changed');
  if (code === 'EADDRINUSE') {
    return new AirtimeError('usage', `port ${port ?? '?'} is in use: choose another with --port (0 picks a free one)`);
  }
  if (code === 'EADDRNOTAVAIL')
    return new AirtimeError('usage', `address ${(error as { address?: string }).address ?? '?'} is not on this machine: check --host`);
  if (code === 'EACCES' && port !== undefined) {
    return new AirtimeError('usage', `port ${port} needs privileges to listen on: choose one above 1023 with --port (0 picks a free one)`);
  }
  const folder = path ? folderOf(path) : folders.dataDir;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return notWritable(folder, code === 'EROFS' ? 'read-only' : 'permission denied');
  if (code === 'ENOSPC' || code === 'EDQUOT') return diskFull(folder);
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return sqliteError(code, folders.dataDir, error.message);
  return undefined;
}

function folderOf(path: string): string {
  try {
    return statSync(path).isDirectory() ? path : dirname(path);
  } catch {
    return dirname(path);
  }
}

/** Why a folder cannot be written, if it cannot (access() reports a read-only file system even to root). */
function writeProblem(folder: string): string | undefined {
  try {
    accessSync(folder, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'EROFS' ? 'read-only' : code === 'ENOENT' ? 'missing' : 'permission denied';
  }
}

function notWritable(folder: string, why: string): AirtimeError {
  return new AirtimeError('config', `the data folder ${folder} cannot be written (${why}): make it writable, or point AIRTIME_HOME at a folder that is`);
}

function diskFull(folder: string): AirtimeError {
  return new AirtimeError(
    'config',
    `the journal's disk is full (${folder}): free some space, then run the same command again — nothing is lost: every transfer is journaled before it is sent, and any caught in flight is asked about before anything is resent`,
  );
}

function sqliteError(code: string, dataDir: string, message: string): AirtimeError | undefined {
  if (code === 'SQLITE_FULL') return diskFull(dataDir);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    const problem = writeProblem(dataDir);
    if (problem) return notWritable(dataDir, problem);
    return new AirtimeError(
      'config',
      `the journal in ${dataDir} cannot be ${code.startsWith('SQLITE_CANTOPEN') ? 'opened' : 'written'} (${message}): make the folder writable, or point AIRTIME_HOME at a folder that is`,
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AirtimeError(
      'failed',
      `the journal in ${dataDir} is busy (another airtime is writing to it, or is stopped in the middle of a write — resume a stopped one with 'fg' or 'kill -CONT PID'): try again in a moment`,
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new AirtimeError(
      'config',
      `the journal in ${dataDir} is damaged or not a journal (${message}): keep a copy of journal.db for the record, then restore it from a backup`,
    );
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new AirtimeError(
      'config',
      `the journal in ${dataDir} could not be read or written (${code}): check the disk (is it full, or gone?), then run the same command again — what was journaled is kept`,
    );
  }
  return undefined;
}
