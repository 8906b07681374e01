/**
 * Zip reading (stored / deflated, zip64 aware, random access through the central directory) and
 * a streaming stored-only writer (used by writeNpz). CRC-32 is checked on every entry read.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInflateRaw, crc32 } from 'node:zlib';
import { DataError, orDataError } from './errors';
import { safeEntryPath } from './archive-path';

export interface ZipEntry {
  /** Safe relative POSIX path. */
  readonly path: string;
  readonly isDir: boolean;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

export function isZipMagic(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
}

export class ZipFile {
  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    readonly entries: ZipEntry[],
  ) {}

  static async open(file: string): Promise<ZipFile> {
    const fh = await orDataError(file, () => open(file, 'r'));
    try {
      const entries = await readCentralDirectory(file, fh);
      return new ZipFile(file, fh, entries);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  private async dataStart(e: ZipEntry): Promise<number> {
    const h = await readAt(this.fh, e.localHeaderOffset, 30);
    if (h.length < 30 || h.readUInt32LE(0) !== SIG_LOCAL) {
      throw new DataError(this.file, `corrupt zip: no local header for "${e.path}" at byte ${e.localHeaderOffset}`);
    }
    return e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  }

  /** The uncompressed content of an entry as chunks; the CRC is checked at the end. */
  async *chunks(e: ZipEntry, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if (e.isDir) return;
    const start = await this.dataStart(e);
    if (e.method !== 0 && e.method !== 8) {
      throw new DataError(this.file, `"${e.path}" uses zip compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    }
    if (e.compressedSize === 0) {
      if (e.size !== 0) throw new DataError(this.file, `corrupt zip: "${e.path}" has no data`);
      return;
    }
    const raw = createReadStream(this.file, { start, end: start + e.compressedSize - 1, highWaterMark: 1 << 20, signal });
    const stream = e.method === 8 ? raw.pipe(createInflateRaw()) : raw;
    if (e.method === 8) raw.on('error', (err) => stream.destroy(err));
    let crc = 0;
    let total = 0;
    try {
      for await (const c of stream as AsyncIterable<Buffer>) {
        crc = crc32(c, crc);
        total += c.length;
        yield c;
      }
    } catch (err) {
      if (err instanceof DataError || (err as Error).name === 'AbortError') throw err;
      throw new DataError(this.file, `corrupt zip entry "${e.path}": ${(err as Error).message}`);
    } finally {
      stream.destroy();
      raw.destroy();
    }
    if (total !== e.size) throw new DataError(this.file, `corrupt zip entry "${e.path}": expected ${e.size} bytes, found ${total}`);
    if (crc >>> 0 !== e.crc32 >>> 0) throw new DataError(this.file, `corrupt zip entry "${e.path}": CRC-32 mismatch`);
  }

  async bytes(e: ZipEntry): Promise<Uint8Array> {
    const out = new Uint8Array(e.size);
    let off = 0;
    for await (const c of this.chunks(e)) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

async function readCentralDirectory(file: string, fh: FileHandle): Promise<ZipEntry[]> {
  const { size } = await fh.stat();
  const tailLen = Math.min(size, 65535 + 22);
  const tail = await readAt(fh, size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new DataError(file, 'not a zip archive or truncated zip (no end-of-central-directory record)');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== SIG_EOCD64_LOCATOR) throw new DataError(file, 'corrupt zip64: no locator');
    const eocd64Pos = Number(tail.readBigUInt64LE(loc + 8));
    const r = await readAt(fh, eocd64Pos, 56);
    if (r.length < 56 || r.readUInt32LE(0) !== SIG_EOCD64) throw new DataError(file, 'corrupt zip64 end record');
    count = Number(r.readBigUInt64LE(32));
    cdSize = Number(r.readBigUInt64LE(40));
    cdOffset = Number(r.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > size) throw new DataError(file, `truncated zip: central directory ends at byte ${cdOffset + cdSize}, file has ${size}`);
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw new DataError(file, `corrupt zip: central directory entry ${k}`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let csize = cd.readUInt32LE(p + 20);
    let usize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let offset = cd.readUInt32LE(p + 42);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    const name = flags & 0x800 ? nameBytes.toString('utf8') : nameBytes.toString('latin1');
    // zip64 extra field: values present only for the fields that are 0xFFFFFFFF
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (usize === 0xffffffff) { usize = Number(cd.readBigUInt64LE(q)); q += 8; }
        if (csize === 0xffffffff) { csize = Number(cd.readBigUInt64LE(q)); q += 8; }
        if (offset === 0xffffffff) { offset = Number(cd.readBigUInt64LE(q)); q += 8; }
      }
      x += 4 + len;
    }
    if (flags & 1) throw new DataError(file, `"${name}" is encrypted; encrypted zips are not supported`);
    const path = safeEntryPath(file, name);
    entries.push({ path, isDir: name.endsWith('/'), method, compressedSize: csize, size: usize, crc32: crc, localHeaderOffset: offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * Streams stored (uncompressed) entries into a new zip file. Local headers are patched with the
 * CRC and sizes once each entry is written, so no data descriptors and no buffering.
 */
export class ZipWriter {
  private readonly central: Buffer[] = [];
  private count = 0;
  private pos = 0;

  private constructor(private readonly fh: FileHandle) {}

  static async create(file: string): Promise<ZipWriter> {
    return new ZipWriter(await open(file, 'w'));
  }

  async addEntry(name: string, content: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const headerAt = this.pos;
    const local = Buffer.alloc(30 + nameBytes.length);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt16LE(nameBytes.length, 26);
    nameBytes.copy(local, 30);
    await this.write(local);
    let crc = 0;
    let size = 0;
    for await (const c of content) {
      crc = crc32(c, crc);
      size += c.length;
      await this.write(c);
    }
    if (size >= 0xffffffff || this.pos >= 0xffffffff) throw new Error(`zip entry ${name}: over 4 GiB is not supported by this writer`);
    const patch = Buffer.alloc(12);
    patch.writeUInt32LE(crc >>> 0, 0);
    patch.writeUInt32LE(size, 4);
    patch.writeUInt32LE(size, 8);
    await this.fh.write(patch, 0, 12, headerAt + 14);

    const c = Buffer.alloc(46 + nameBytes.length);
    c.writeUInt32LE(SIG_CENTRAL, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x800, 8);
    c.writeUInt16LE(0, 10);
    c.writeUInt16LE(0, 12);
    c.writeUInt16LE(0x21, 14);
    c.writeUInt32LE(crc >>> 0, 16);
    c.writeUInt32LE(size, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(nameBytes.length, 28);
    c.writeUInt32LE(headerAt, 42);
    nameBytes.copy(c, 46);
    this.central.push(c);
    this.count++;
  }

  private async write(b: Uint8Array): Promise<void> {
    let off = 0;
    while (off < b.length) {
      const { bytesWritten } = await this.fh.write(b, off, b.length - off, this.pos);
      off += bytesWritten;
      this.pos += bytesWritten;
    }
  }

  async close(): Promise<void> {
    try {
      const cdStart = this.pos;
      for (const c of this.central) await this.write(c);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(SIG_EOCD, 0);
      end.writeUInt16LE(this.count, 8);
      end.writeUInt16LE(this.count, 10);
      end.writeUInt32LE(this.pos - cdStart, 12);
      end.writeUInt32LE(cdStart, 16);
      await this.write(end);
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
  }

  /** Closes the file without finishing it (the caller deletes it). */
  async abort(): Promise<void> {
    await this.fh.close();
  }
}
