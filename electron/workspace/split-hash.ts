/**
 * The content hash of one stored split: sha256 of its array file (<ws>/datasets/<name>/<split>.npy,
 * the bytes every computation reads), as opposed to the dataset manifest's `sha256`, which
 * identifies the SOURCE (the archive, folder listing or synthetic spec the dataset came from) and
 * is the same for every split. Computed once and cached beside the dataset, like the audit's radii:
 *   <ws>/datasets/<name>/cache/sha256-<split>.json  { file, size, mtimeMs, sha256 }
 * A cache whose file, size or modification time differs is recomputed.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic';
import { datasetsDir, showDataset, splitOf } from './datasets';

interface SplitHashCache {
  file: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** The sha256 of split `split` of dataset `name`'s stored array file (cached). */
export async function splitContentSha256(ws: string, name: string, split: string): Promise<string> {
  const manifest = await showDataset(ws, name);
  const s = splitOf(manifest, split);
  const dir = join(datasetsDir(ws), name);
  const file = join(dir, s.file);
  const cacheFile = join(dir, 'cache', `sha256-${safe(split)}.json`);
  const { size, mtimeMs } = await stat(file);
  try {
    const c = JSON.parse(await readFile(cacheFile, 'utf8')) as SplitHashCache;
    if (c.file === s.file && c.size === size && c.mtimeMs === mtimeMs && /^[0-9a-f]{64}$/.test(c.sha256)) return c.sha256;
  } catch {
    /* no cache yet, or unreadable: compute */
  }
  const sha256 = await sha256File(file);
  const entry: SplitHashCache = { file: s.file, size, mtimeMs, sha256 };
  await writeFileAtomic(cacheFile, JSON.stringify(entry));
  return sha256;
}
