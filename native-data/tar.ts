/**
 * Minimal streaming tar (ustar / GNU long names / pax path+size) reader, and a small ustar writer
 * (test fixtures, exports). The reader never buffers more than the entry the caller asks for.
 */
import { ChunkReader } from './chunk-reader';
import { DataError } from './errors';
import { safeEntryPath } from './archive-path';

export type TarEntryType = 'file' | 'dir' | 'link' | 'other';

export interface TarEntry {
  /** Safe relative POSIX path (see safeEntryPath). */
  readonly path: string;
  readonly type: TarEntryType;
  readonly size: number;
  /** The entry's content as chunks; read it at most once, before asking for the next entry. */
  chunks(): AsyncIterable<Uint8Array>;
  /** The whole content in one buffer (fine for single CIFAR batches / images). */
  bytes(): Promise<Uint8Array>;
}

const BLOCK = 512;
const decoder = new TextDecoder('utf-8');

function cString(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return decoder.decode(b.subarray(start, end));
}

function parseNumber(b: Uint8Array, start: number, len: number): number {
  const first = b[start] as number;
  if (first & 0x80) {
    // GNU base-256 (sizes over 8 GiB)
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (b[start + i] as number);
    return v;
  }
  const s = cString(b, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(h: Uint8Array): boolean {
  const stored = parseNumber(h, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 32 : (h[i] as number);
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    // the length counts bytes; pax records here are ASCII/UTF-8 keys, good enough to split on \n
    const nl = text.indexOf('\n', sp);
    const rec = text.slice(sp + 1, nl < 0 ? text.length : nl);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i = nl < 0 ? text.length : nl + 1;
  }
  return out;
}

/**
 * Entries of a tar stream, in archive order. `archive` names the file in errors.
 * Throws DataError on a corrupt header, a truncated entry, or a path escaping the archive root.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, archive: string): AsyncGenerator<TarEntry> {
  const r = new ChunkReader(source);
  let longName: string | null = null;
  let pax: Map<string, string> | null = null;
  let index = 0;
  try {
    for (;;) {
      const h = await r.read(BLOCK);
      if (h.length === 0) return; // EOF without end-of-archive blocks: accept what we have
      if (h.length < BLOCK) throw new DataError(archive, `truncated tar: header ${index} is ${h.length} of 512 bytes`);
      if (h.every((v) => v === 0)) return; // end-of-archive marker
      if (!checksumOk(h)) {
        throw new DataError(archive, `not a tar archive or corrupt tar header at byte ${r.consumed - BLOCK} (bad checksum)`);
      }
      index++;
      const flag = String.fromCharCode(h[156] as number);
      let size = parseNumber(h, 124, 12);
      let name = cString(h, 0, 100);
      if (cString(h, 257, 5) === 'ustar') {
        const prefix = cString(h, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      const padded = Math.ceil(size / BLOCK) * BLOCK;

      if (flag === 'L' || flag === 'x' || flag === 'g' || flag === 'K') {
        const body = await r.read(padded);
        if (body.length < padded) throw new DataError(archive, `truncated tar: extended header of "${name}"`);
        const text = decoder.decode(body.subarray(0, size));
        if (flag === 'L') longName = text.replace(/\0+$/, '');
        else if (flag === 'x') pax = parsePax(text);
        continue;
      }
      if (longName !== null) name = longName;
      const paxPath = pax?.get('path');
      if (paxPath !== undefined) name = paxPath;
      const paxSize = pax?.get('size');
      if (paxSize !== undefined) size = Number(paxSize);
      longName = null;
      pax = null;

      const path = safeEntryPath(archive, name);
      const type: TarEntryType =
        flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : flag === '1' || flag === '2' ? 'link' : 'other';
      const dataSize = type === 'file' ? size : type === 'dir' || type === 'link' ? 0 : size;
      const pad = Math.ceil(dataSize / BLOCK) * BLOCK - dataSize;
      let remaining = dataSize;
      let used = false;
      const chunks = async function* (): AsyncGenerator<Uint8Array> {
        if (used) throw new Error(`tar entry ${path} read twice`);
        used = true;
        while (remaining > 0) {
          const c = await r.readSome(Math.min(remaining, 1 << 20));
          if (c.length === 0) {
            throw new DataError(archive, `truncated tar: "${path}" should hold ${dataSize} bytes, the archive ends ${remaining} bytes short`);
          }
          remaining -= c.length;
          yield c;
        }
      };
      const entry: TarEntry = {
        path,
        type,
        size: dataSize,
        chunks,
        async bytes() {
          const out = new Uint8Array(dataSize);
          let off = 0;
          for await (const c of chunks()) {
            out.set(c, off);
            off += c.length;
          }
          return out;
        },
      };
      yield entry;
      // skip whatever the consumer left unread, then the padding
      if (remaining > 0) {
        const skipped = await r.skip(remaining);
        if (skipped < remaining) {
          throw new DataError(archive, `truncated tar: "${path}" should hold ${dataSize} bytes, the archive ends ${remaining - skipped} bytes short`);
        }
        remaining = 0;
      }
      if (pad > 0) await r.skip(pad);
    }
  } finally {
    await r.close();
  }
}

export interface TarInput {
  path: string;
  data?: Uint8Array;
  type?: 'file' | 'dir';
}

function writeOctal(h: Uint8Array, start: number, len: number, value: number): void {
  const s = value.toString(8).padStart(len - 1, '0');
  for (let i = 0; i < len - 1; i++) h[start + i] = s.charCodeAt(i);
  h[start + len - 1] = 0;
}

function writeString(h: Uint8Array, start: number, len: number, s: string): void {
  const b = new TextEncoder().encode(s);
  if (b.length > len) throw new Error(`tar name part too long: ${s}`);
  h.set(b, start);
}

/** A ustar archive in memory (names up to 255 bytes via the prefix field). Does not validate names. */
export function writeTar(entries: TarInput[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    const h = new Uint8Array(BLOCK);
    let name = type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
    let prefix = '';
    if (new TextEncoder().encode(name).length > 100) {
      const cut = name.lastIndexOf('/', name.length - 2);
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
    writeString(h, 0, 100, name);
    writeOctal(h, 100, 8, type === 'dir' ? 0o755 : 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, data.length);
    writeOctal(h, 136, 12, 0);
    h[156] = (type === 'dir' ? '5' : '0').charCodeAt(0);
    writeString(h, 257, 6, 'ustar');
    h[262] = 0;
    writeString(h, 263, 2, '00');
    writeString(h, 345, 155, prefix);
    for (let i = 148; i < 156; i++) h[i] = 32;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i] as number;
    writeOctal(h, 148, 7, sum);
    h[155] = 32;
    parts.push(h, data);
    const pad = Math.ceil(data.length / BLOCK) * BLOCK - data.length;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return Buffer.concat(parts);
}
