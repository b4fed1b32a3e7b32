import { closeSync, constants, fsyncSync, lstatSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { configError } from '../core/errors.js';
import type { AirtimePaths } from './paths.js';

/**
 * The data folder is yours or it is not used (as ssh's StrictModes): the folder, the config file, the
 * journal (with its -wal/-shm), the sandbox's state, the callback spool and the token caches must be owned
 * by the current user (or root) and writable by nobody else, or every command refuses, naming the file and
 * the fix. A config planted by another local user would otherwise choose where our keys are sent.
 *
 * Written by hand: ssh's checks are a few stat calls, and no maintained package does them. The whole check
 * is one readdir and a dozen lstat calls (well under a millisecond), done before any command runs.
 */

/** The names airtime keeps in its folders: only these are checked (the folder may hold a user's own files). */
const ownNames =
  /^(config\.json|journal\.db(-wal|-shm|-journal)?|sandbox\.db(-wal|-shm|-journal)?|sandbox-callbacks\.key|callback-spool|lipad-token-.*\.json|zw-products\.json)$/;

/** The current user's id, or undefined where there are no POSIX owners (Windows): no check there. */
function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

function statOrNothing(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw configError(`${path} cannot be examined (${code ?? (error as Error).message}): check its permissions`);
  }
}

function userName(uid: number): string {
  try {
    return userInfo().username;
  } catch {
    return String(uid);
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}

/** Refuses a file or folder that another user owns or (unless only the owner is asked about) can write. */
function checkOwned(path: string, stats: Stats, uid: number, folder: boolean, writeBits = true): void {
  if (stats.uid !== uid && stats.uid !== 0) {
    throw configError(
      `${path} belongs to another user (uid ${stats.uid}), so it could have been planted: airtime uses only a data ${folder ? 'folder' : 'file'} you own — check it, then move it away or 'chown ${userName(uid)} ${path}'`,
    );
  }
  if (writeBits && (stats.mode & 0o022) !== 0) {
    throw configError(`${path} can be changed by other users (mode ${octal(stats.mode)}): run 'chmod ${folder ? '700' : '600'} ${path}'`);
  }
}

/** Checks one entry of a private folder: owned, not writable by others, not a symbolic link. */
export function checkPrivateEntry(path: string, uid = currentUid()): void {
  if (uid === undefined) return;
  const stats = statOrNothing(path, false);
  if (!stats) return;
  if (stats.isSymbolicLink()) {
    throw configError(`${path} is a symbolic link: airtime does not follow links in its data folder — put the file itself there, or move the link away`);
  }
  checkOwned(path, stats, uid, stats.isDirectory());
}

/**
 * Checks a folder airtime keeps private: the folder (a link to it is followed, as the platform's folders
 * may be links; its write bits unless `writeBits` is false), and its parent, which must not let other users rename or replace it (the user's or
 * root's, and writable by others only with the sticky bit, as /tmp).
 */
export function checkPrivateFolder(dir: string, uid = currentUid(), writeBits = true): boolean {
  if (uid === undefined) return false;
  const stats = statOrNothing(dir, true);
  if (!stats) return false;
  if (!stats.isDirectory()) throw configError(`the data folder ${dir} is not a folder: move it away, or point AIRTIME_HOME at a folder`);
  const link = statOrNothing(dir, false);
  if (link?.isSymbolicLink() && link.uid !== uid && link.uid !== 0) checkOwned(dir, link, uid, true);
  checkOwned(dir, stats, uid, true, writeBits);
  const parent = dirname(dir);
  const above = parent === dir ? undefined : statOrNothing(parent, true);
  if (above && above.uid !== uid && above.uid !== 0) {
    throw configError(
      `the data folder ${dir} is inside ${parent}, which another user (uid ${above.uid}) owns and can replace it in: move the data folder (AIRTIME_HOME) into a folder of your own`,
    );
  }
  if (above && othersCanReplace(above)) {
    throw configError(
      `the data folder ${dir} is inside ${parent}, which other users can change (mode ${octal(above.mode)}, no sticky bit): move the data folder (AIRTIME_HOME) somewhere only you can write`,
    );
  }
  return true;
}

/**
 * A parent folder others may write without the sticky bit (0o1000, which node names no constant for) lets
 * them rename the data folder away and put their own in its place. Group-writable is allowed when the group
 * is the user's own primary group: with user private groups (Debian, Ubuntu: umask 002) `~/.config` is often
 * 0775, and only the user is in that group — Debian's ssh makes the same exception.
 */
function othersCanReplace(stats: Stats): boolean {
  if ((stats.mode & 0o1000) !== 0) return false;
  if ((stats.mode & 0o002) !== 0) return true;
  return (stats.mode & 0o020) !== 0 && stats.gid !== process.getgid?.();
}

/** The one check every command passes before it runs: config, journal, spool, caches and their folders. */
export function checkDataFolder(paths: AirtimePaths): void {
  const uid = currentUid();
  if (uid === undefined) return;
  for (const dir of new Set([paths.configDir, paths.dataDir])) {
    if (!checkPrivateFolder(dir, uid)) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      throw configError(`the data folder ${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): run 'chmod 700 ${dir}'`);
    }
    for (const name of names) {
      if (ownNames.test(name)) checkPrivateEntry(join(dir, name), uid);
    }
  }
}

/** O_NOFOLLOW where the platform has it: a symbolic link at the path is refused (ELOOP), never followed. */
// Typed as always there, but Windows has none.
export const noFollow = (constants as { O_NOFOLLOW?: number }).O_NOFOLLOW ?? 0;

/**
 * Creates a private file if it does not exist, exclusively and without following a link (0600). False
 * when it already existed (another process may have created it at the same moment: that is fine).
 */
export function createPrivateFile(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, 0o600));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Replaces a private file whole: written under a fresh name created exclusively (0600), fsynced, then
 * renamed over the path — a link at the path is replaced, never followed, and a reader sees old or new.
 */
export function writePrivateFile(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
}
