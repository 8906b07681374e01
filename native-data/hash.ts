/**
 * Content identity of a source, used to recognise a re-import: the SHA-256 of a file, or for a
 * folder the SHA-256 of a canonical listing "<relative path>\0<size>\0<sha256 of content>\n"
 * (natural path order, hidden files skipped).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { orDataError } from './errors';
import { walkFolder } from './source-tree';

export async function sha256File(file: string, onBytes?: (n: number) => void, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  await orDataError(file, async () => {
    for await (const c of createReadStream(file, { highWaterMark: 1 << 20, signal }) as AsyncIterable<Buffer>) {
      h.update(c);
      onBytes?.(c.length);
    }
  });
  return h.digest('hex');
}

/** Bytes hashing `source` will read (for progress). */
export async function sourceByteSize(source: string): Promise<number> {
  const s = await orDataError(source, () => stat(source));
  if (!s.isDirectory()) return s.size;
  return (await walkFolder(source)).files.reduce((a, f) => a + f.size, 0);
}

export async function sha256Source(source: string, onBytes?: (n: number) => void, signal?: AbortSignal): Promise<string> {
  const s = await orDataError(source, () => stat(source));
  if (!s.isDirectory()) return sha256File(source, onBytes, signal);
  const listing = createHash('sha256');
  for (const f of (await walkFolder(source)).files) {
    listing.update(`${f.path}\0${f.size}\0${await sha256File(f.disk, onBytes, signal)}\n`);
  }
  return listing.digest('hex');
}
