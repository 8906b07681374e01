/**
 * Crash-safe writes for the workspace: content goes to a temporary name in the same folder and is
 * renamed into place, so a reader sees either the old state or the complete new one, never half.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Prefix of temporary entries; listings of the workspace skip names starting with a dot. */
export const TEMP_PREFIX = '.tmp-';

async function fsyncPath(path: string): Promise<void> {
  // directories can be fsynced on POSIX; Windows refuses, which is fine to ignore
  try {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

/** Writes `data` to `file` atomically (temp file + fsync + rename). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${TEMP_PREFIX}${basename(file)}-${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncPath(dir);
}

/** Result of a withTempDir body: where to move the folder (null: discard it) and the value to return. */
export interface TempDirOutcome<T> {
  readonly into: string | null;
  readonly value: T;
}

/**
 * Runs `fn` with a fresh folder `<parent>/.tmp-XXXXXX`. If fn succeeds, the folder is renamed to
 * `into` (same file system: atomic; fails if `into` exists and is not empty); if fn throws or the
 * rename fails, the folder is removed. Either way nothing half-written remains.
 */
export async function withTempDir<T>(parent: string, fn: (tmp: string) => Promise<TempDirOutcome<T>>): Promise<T> {
  await mkdir(parent, { recursive: true });
  const tmp = await mkdtemp(join(parent, TEMP_PREFIX));
  try {
    const { into, value } = await fn(tmp);
    if (into !== null) {
      await fsyncPath(tmp);
      await rename(tmp, into);
      await fsyncPath(dirname(into));
    } else {
      await rm(tmp, { recursive: true, force: true });
    }
    return value;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Removes temporary entries left by a crash (older than maxAgeMs, so imports running right now
 * are not touched). Returns the names removed. Call at start-up.
 */
export async function sweepTempDirs(parent: string, maxAgeMs = 24 * 3600 * 1000): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const now = Date.now();
  for (const n of names) {
    if (!n.startsWith(TEMP_PREFIX) && !n.startsWith('.trash-')) continue;
    const p = join(parent, n);
    const s = await stat(p).catch(() => null);
    if (s && now - s.mtimeMs >= maxAgeMs) {
      await rm(p, { recursive: true, force: true });
      removed.push(n);
    }
  }
  return removed;
}

/** Removes a folder by first renaming it to a hidden trash name (atomic disappearance), then deleting. */
export async function removeDirAtomic(dir: string): Promise<void> {
  const trash = join(dirname(dir), `.trash-${basename(dir)}-${randomBytes(6).toString('hex')}`);
  await rename(dir, trash);
  await rm(trash, { recursive: true, force: true });
}
