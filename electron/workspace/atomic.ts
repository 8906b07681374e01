/**
 * Crash-safe writes for the workspace: content goes to a temporary name in the same folder and is
 * renamed into place, so a reader sees either the old state or the complete new one, never half.
 */
import { mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { debrisOwner, processAlive, tempName, tempPrefix, trashName } from '../../native-data';

export { TEMP_PREFIX } from '../../native-data';

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
  const tmp = join(dir, tempName(basename(file)));
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
  const tmp = await mkdtemp(join(parent, tempPrefix()));
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

/** Debris whose writer still runs is kept, unless older than this (its pid may have been reused). */
export const DEBRIS_MAX_AGE_MS = 24 * 3600 * 1000;

/**
 * Removes debris a crash left in `parent` (and, with depth > 0, in its subfolders): temporary
 * folders and files, trash folders and `.part` files whose writing process is no longer alive,
 * and any such entry older than maxAgeMs. Work in progress of a live process is not touched.
 * Returns the paths removed. Every host calls it at start-up.
 */
export async function sweepDebris(parent: string, depth = 0, maxAgeMs = DEBRIS_MAX_AGE_MS, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const p = join(parent, n);
    const owner = debrisOwner(n);
    if (owner === undefined) {
      if (depth > 0 && (await stat(p).catch(() => null))?.isDirectory()) removed.push(...(await sweepDebris(p, depth - 1, maxAgeMs, now)));
      continue;
    }
    const s = await stat(p).catch(() => null);
    if (!s) continue;
    const dead = owner !== null && !processAlive(owner);
    if (dead || now - s.mtimeMs >= maxAgeMs) {
      await rm(p, { recursive: true, force: true });
      removed.push(p);
    }
  }
  return removed;
}

/** Removes a folder by first renaming it to a hidden trash name (atomic disappearance), then deleting. */
export async function removeDirAtomic(dir: string): Promise<void> {
  const trash = join(dirname(dir), trashName(basename(dir)));
  await rename(dir, trash);
  await rm(trash, { recursive: true, force: true });
}
