/**
 * A dataset source seen as a list of files, whatever holds them: a folder (walked recursively,
 * natural order), a tar or tar.gz (streamed, archive order), a zip (central directory, natural
 * order) or a single file. The container is recognised from content, not the extension.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DataError, asDataError, orDataError } from './errors';
import { naturalCompare } from './natural-sort';
import { readTar } from './tar';
import { ZipFile, isZipMagic } from './zip';

export type Container = 'file' | 'folder' | 'tar' | 'tar.gz' | 'zip';

export interface SourceEntry {
  /** Relative POSIX path inside the source (the file name for a single file). */
  readonly path: string;
  readonly size: number;
  /** Whole content. */
  bytes(): Promise<Uint8Array>;
  /** Content as chunks (read once). */
  chunks(): AsyncIterable<Uint8Array>;
}

export interface SourceTree {
  readonly container: Container;
  /** The source path as given. */
  readonly root: string;
  /** Total bytes to get through (archive file size, or the sum of file sizes); for progress. */
  readonly totalBytes: number;
  /** Bytes got through so far (compressed bytes for archives). */
  bytesDone(): number;
  /** Entries (regular files only); consume each before asking for the next. */
  entries(signal?: AbortSignal): AsyncGenerator<SourceEntry>;
  /** Releases file handles (zip). */
  close(): Promise<void>;
}

export function isGzipMagic(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/** A plausible tar header: "ustar" magic, or an old-style header whose checksum adds up. */
export function isTarHeader(h: Uint8Array): boolean {
  if (h.length < 512) return false;
  if (h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72) return true;
  const field = Buffer.from(h.subarray(148, 156)).toString('latin1').replace(/[\0 ]/g, '');
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  return parseInt(field, 8) === sum;
}

async function readHead(file: string, n: number): Promise<Uint8Array> {
  const fh = await orDataError(file, () => open(file, 'r'));
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Decompressed first bytes of a gzip file (to look for a tar header); DataError if corrupt. */
async function gunzipHead(file: string, n: number): Promise<Uint8Array> {
  const gz = createReadStream(file).pipe(createGunzip());
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const c of gz as AsyncIterable<Buffer>) {
      parts.push(c);
      have += c.length;
      if (have >= n) break;
    }
  } catch (e) {
    throw new DataError(file, `corrupt gzip data (${(e as Error).message})`);
  } finally {
    gz.destroy();
  }
  return Buffer.concat(parts).subarray(0, n);
}

function fileEntry(path: string, disk: string, size: number): SourceEntry {
  return {
    path,
    size,
    bytes: async () => new Uint8Array(await orDataError(disk, () => readFile(disk))),
    chunks: () => createReadStream(disk, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
  };
}

/** Regular files under `dir` (hidden ones skipped), relative POSIX paths in natural order. */
export async function walkFolder(dir: string): Promise<{ path: string; disk: string; size: number }[]> {
  const out: { path: string; disk: string; size: number }[] = [];
  const visit = async (rel: string): Promise<void> => {
    const here = rel ? join(dir, rel) : dir;
    const items = await orDataError(here, () => readdir(here, { withFileTypes: true }));
    for (const d of items) {
      if (d.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${d.name}` : d.name;
      const disk = join(dir, r);
      if (d.isDirectory()) await visit(r);
      else if (d.isFile() || d.isSymbolicLink()) {
        const s = await stat(disk).catch(() => null); // dangling links are skipped
        if (s?.isFile()) out.push({ path: r, disk, size: s.size });
      }
    }
  };
  await visit('');
  out.sort((a, b) => naturalCompare(a.path, b.path));
  return out;
}

/** Opens a source path as a SourceTree, recognising the container from its bytes. */
export async function openSourceTree(source: string): Promise<SourceTree> {
  const st = await orDataError(source, () => stat(source));
  if (st.isDirectory()) {
    const files = await walkFolder(source);
    if (files.length === 0) throw new DataError(source, 'empty folder: no files found');
    const total = files.reduce((a, f) => a + f.size, 0);
    let done = 0;
    return {
      container: 'folder',
      root: source,
      totalBytes: total,
      bytesDone: () => done,
      async *entries() {
        for (const f of files) {
          yield fileEntry(f.path, f.disk, f.size);
          done += f.size;
        }
      },
      close: async () => {},
    };
  }
  if (st.size === 0) throw new DataError(source, 'the file is empty');
  const head = await readHead(source, 512);
  if (isZipMagic(head)) {
    const zip = await ZipFile.open(source);
    const entries = zip.entries.filter((e) => !e.isDir && !basename(e.path).startsWith('.') && !e.path.startsWith('__MACOSX/'));
    entries.sort((a, b) => naturalCompare(a.path, b.path));
    let done = 0;
    return {
      container: 'zip',
      root: source,
      totalBytes: entries.reduce((a, e) => a + e.compressedSize, 0),
      bytesDone: () => done,
      async *entries(signal) {
        for (const e of entries) {
          yield {
            path: e.path,
            size: e.size,
            bytes: () => zip.bytes(e),
            chunks: () => zip.chunks(e, signal),
          };
          done += e.compressedSize;
        }
      },
      close: () => zip.close(),
    };
  }
  const gz = isGzipMagic(head);
  if (gz) {
    const inner = await gunzipHead(source, 512);
    if (!isTarHeader(inner)) throw new DataError(source, 'a gzip file that does not hold a tar archive (expected .tar.gz)');
  } else if (!isTarHeader(head)) {
    // a single data file (CIFAR batch, .npy, image, pickle)
    return {
      container: 'file',
      root: source,
      totalBytes: st.size,
      bytesDone: () => 0,
      async *entries() {
        yield fileEntry(basename(source), source, st.size);
      },
      close: async () => {},
    };
  }
  let raw: ReturnType<typeof createReadStream> | null = null;
  return {
    container: gz ? 'tar.gz' : 'tar',
    root: source,
    totalBytes: st.size,
    bytesDone: () => raw?.bytesRead ?? 0,
    async *entries(signal) {
      raw = createReadStream(source, { highWaterMark: 1 << 20, signal });
      let stream: AsyncIterable<Uint8Array> = raw as AsyncIterable<Uint8Array>;
      if (gz) {
        const g = createGunzip({ chunkSize: 1 << 20 });
        raw.on('error', (e) => g.destroy(e));
        raw.pipe(g);
        stream = guardGunzip(g as AsyncIterable<Uint8Array>, source);
      }
      try {
        for await (const e of readTar(stream, source)) {
          if (e.type !== 'file' || basename(e.path).startsWith('.') || e.path.startsWith('__MACOSX/')) continue;
          yield e;
        }
      } finally {
        raw?.destroy();
      }
    },
    close: async () => {},
  };
}

/** Turns zlib failures into "corrupt gzip" DataErrors naming the file. */
async function* guardGunzip(src: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<Uint8Array> {
  try {
    yield* src;
  } catch (e) {
    const err = asDataError(file, e);
    if (err instanceof DataError || err.name === 'AbortError') throw err;
    throw new DataError(file, `corrupt gzip data (${err.message})`);
  }
}
