/**
 * Zip reading on yauzl (stored / deflated, zip64, data descriptors; random access through the
 * central directory) behind ScoreScope's checks: every entry path goes through safeEntryPath,
 * encrypted entries and unknown methods are refused by name, sizes and the CRC-32 are checked on
 * every read, and errors are DataErrors naming the archive and the entry. The npz writer (a
 * streaming stored-only zip) stays hand-written below: yauzl only reads.
 */
import { crc32 } from 'node:zlib';
import { open, type FileHandle } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import { DataError, asDataError } from './errors';
import { safeEntryPath } from './archive-path';
import { checkRatio, checkUncompressed, readLimits, type ReadLimits } from './limits';

export interface ZipEntry {
  /** Safe relative POSIX path. */
  readonly path: string;
  readonly isDir: boolean;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

export function isZipMagic(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
}

/** yauzl's messages, said for people who hold a file. */
function zipProblem(e: Error): string {
  if (/end of central directory record signature not found/i.test(e.message)) return 'not a zip archive or truncated zip (no end-of-central-directory record)';
  return `corrupt zip: ${e.message}`;
}

/** Entry names: UTF-8 when the archive says so (flag bit 11), else CP437, which latin1 approximates. */
function entryName(e: yauzl.Entry): string {
  const raw = e.fileName as unknown as Buffer;
  return e.generalPurposeBitFlag & 0x800 ? raw.toString('utf8') : raw.toString('latin1');
}

export class ZipFile {
  private constructor(
    readonly file: string,
    private readonly zip: yauzl.ZipFile,
    private readonly yauzlEntries: Map<ZipEntry, yauzl.Entry>,
    readonly entries: ZipEntry[],
  ) {}

  /**
   * Opens a zip and lists its entries; refuses it (LimitExceeded) when the declared sizes add up
   * past the uncompressed limit or an entry's ratio marks a decompression bomb. yauzl then holds
   * every entry to its declared size as it inflates, so the declared sizes are a bound.
   */
  static async open(file: string, limits: ReadLimits = readLimits()): Promise<ZipFile> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      // names stay bytes (decodeStrings: false) so safeEntryPath, not yauzl, judges them and says which entry
      yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (err, z) => {
        if (err) reject((err as NodeJS.ErrnoException).code ? asDataError(file, err) : new DataError(file, zipProblem(err)));
        else resolve(z);
      }),
    );
    try {
      const yauzlEntries = new Map<ZipEntry, yauzl.Entry>();
      const entries: ZipEntry[] = [];
      await new Promise<void>((resolve, reject) => {
        zip.on('entry', (e: yauzl.Entry) => {
          try {
            const name = entryName(e);
            if (e.isEncrypted()) throw new DataError(file, `"${name}" is encrypted; encrypted zips are not supported`);
            const entry: ZipEntry = {
              path: safeEntryPath(file, name),
              isDir: name.endsWith('/'),
              method: e.compressionMethod,
              compressedSize: e.compressedSize,
              size: e.uncompressedSize,
              crc32: e.crc32,
            };
            entries.push(entry);
            yauzlEntries.set(entry, e);
            zip.readEntry();
          } catch (err) {
            reject(err);
          }
        });
        zip.on('end', () => resolve());
        zip.on('error', (err: Error) => reject(err instanceof DataError ? err : new DataError(file, zipProblem(err))));
        zip.readEntry();
      });
      let total = 0;
      for (const e of entries) {
        total += e.size;
        checkRatio(file, `"${e.path}"`, e.size, e.compressedSize, limits);
      }
      checkUncompressed(file, total, limits);
      return new ZipFile(file, zip, yauzlEntries, entries);
    } catch (e) {
      zip.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    this.zip.close();
  }

  private openStream(e: ZipEntry): Promise<Readable> {
    const raw = this.yauzlEntries.get(e);
    if (!raw) throw new Error(`zip entry "${e.path}" is not from ${this.file}`);
    return new Promise((resolve, reject) =>
      this.zip.openReadStream(raw, (err, stream) => {
        if (err) return reject(new DataError(this.file, `corrupt zip entry "${e.path}": ${err.message}`));
        // yauzl's stored-entry stream predates async iteration (it never ends under for await): a PassThrough carries it
        const through = new PassThrough({ highWaterMark: 1 << 20 });
        stream.on('error', (x) => through.destroy(x));
        through.on('close', () => stream.destroy());
        resolve(stream.pipe(through));
      }),
    );
  }

  /** The uncompressed content of an entry as chunks; the size and the CRC are checked at the end. */
  async *chunks(e: ZipEntry, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if (e.isDir) return;
    if (e.method !== 0 && e.method !== 8) {
      throw new DataError(this.file, `"${e.path}" uses zip compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    }
    signal?.throwIfAborted();
    const stream = await this.openStream(e);
    const onAbort = () => stream.destroy(signal?.reason instanceof Error ? signal.reason : Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal?.addEventListener('abort', onAbort, { once: true });
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
      signal?.removeEventListener('abort', onAbort);
      stream.destroy();
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
