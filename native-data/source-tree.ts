/**
 * A dataset source seen as a list of files, whatever holds them: a folder (walked recursively,
 * natural order), a tar or tar.gz (streamed, archive order), a zip (central directory, natural
 * order) or a single file. The container is recognised from content, not the extension.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, isAbsolute } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DataError, asDataError, orDataError } from './errors';
import { naturalCompare } from './natural-sort';
import { readTar } from './tar';
import { ZipFile, isZipMagic } from './zip';
import { checkRatio, checkUncompressed, readLimits, type ReadLimits } from './limits';

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
  /** What the walk left out and why (links pointing outside a folder). */
  readonly notes: string[];
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

/** Bytes of a file name that are not valid UTF-8 (it would not round-trip through a JS string). */
function invalidUtf8(name: Buffer): boolean {
  return !Buffer.from(name.toString('utf8'), 'utf8').equals(name);
}

export interface FolderWalk {
  readonly files: { path: string; disk: string; size: number }[];
  /** Symbolic links that point outside the folder: left out, since the folder is what the user gave. */
  readonly outsideLinks: string[];
}

/**
 * Regular files under `dir` (hidden ones skipped), relative POSIX paths in natural order. A name
 * that is not valid UTF-8 is refused (naming the folder and the name) rather than silently
 * dropped; symbolic links are followed only when they resolve inside `dir`.
 */
export async function walkFolder(dir: string): Promise<FolderWalk> {
  const files: { path: string; disk: string; size: number }[] = [];
  const outsideLinks: string[] = [];
  const rootReal = await orDataError(dir, () => realpath(dir));
  const inside = (p: string) => {
    const r = relative(rootReal, p);
    return r === '' || (!r.startsWith('..') && !isAbsolute(r));
  };
  const visit = async (rel: string): Promise<void> => {
    const here = rel ? join(dir, rel) : dir;
    const items = await orDataError(here, () => readdir(here, { withFileTypes: true, encoding: 'buffer' }));
    for (const d of items) {
      const raw = d.name as unknown as Buffer;
      const name = raw.toString('utf8');
      if (name.startsWith('.')) continue;
      if (invalidUtf8(raw)) {
        throw new DataError(here, `the file name "${raw.toString('latin1')}" (bytes ${raw.toString('hex')}) is not valid UTF-8; rename it (or move it out) and import again`);
      }
      const r = rel ? `${rel}/${name}` : name;
      const disk = join(dir, r);
      if (d.isSymbolicLink()) {
        const target = await realpath(disk).catch(() => null); // dangling links are skipped
        if (target === null) continue;
        if (!inside(target)) {
          outsideLinks.push(r);
          continue;
        }
        const s = await stat(disk).catch(() => null);
        if (s?.isFile()) files.push({ path: r, disk, size: s.size });
        // links to folders inside are not walked: the folder itself is walked already
      } else if (d.isDirectory()) await visit(r);
      else if (d.isFile()) {
        const s = await stat(disk).catch(() => null);
        if (s?.isFile()) files.push({ path: r, disk, size: s.size });
      }
    }
  };
  await visit('');
  files.sort((a, b) => naturalCompare(a.path, b.path));
  return { files, outsideLinks };
}

/** Opens a source path as a SourceTree, recognising the container from its bytes. */
export async function openSourceTree(source: string, limits: ReadLimits = readLimits()): Promise<SourceTree> {
  const st = await orDataError(source, () => stat(source));
  if (st.isDirectory()) {
    const { files, outsideLinks } = await walkFolder(source);
    if (files.length === 0) throw new DataError(source, outsideLinks.length ? `no files found (${outsideLinks.length} symbolic link(s) point outside the folder and were left out)` : 'empty folder: no files found');
    const notes = outsideLinks.length
      ? [`left out ${outsideLinks.length} symbolic link(s) pointing outside the folder (e.g. ${outsideLinks.slice(0, 3).join(', ')})`]
      : [];
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
      notes,
    };
  }
  if (st.size === 0) throw new DataError(source, 'the file is empty');
  const head = await readHead(source, 512);
  if (isZipMagic(head)) {
    const zip = await ZipFile.open(source, limits);
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
      notes: [],
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
      notes: [],
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
        const rawStream = raw;
        stream = guardGunzip(g as AsyncIterable<Uint8Array>, source, () => rawStream.bytesRead, limits);
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
    notes: [],
  };
}

/**
 * Turns zlib failures into "corrupt gzip" DataErrors naming the file, and stops inflating (before
 * the bytes reach anyone) once the total or the ratio to the compressed bytes read passes its limit.
 */
async function* guardGunzip(src: AsyncIterable<Uint8Array>, file: string, compressedRead: () => number, limits: ReadLimits): AsyncGenerator<Uint8Array> {
  let inflated = 0;
  try {
    for await (const c of src) {
      inflated += c.length;
      checkUncompressed(file, inflated, limits);
      checkRatio(file, 'the gzip stream', inflated, compressedRead(), limits);
      yield c;
    }
  } catch (e) {
    const err = asDataError(file, e);
    if (err instanceof DataError || err.name === 'AbortError') throw err;
    throw new DataError(file, `corrupt gzip data (${err.message})`);
  }
}
