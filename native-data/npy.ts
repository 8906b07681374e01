/**
 * NumPy .npy: header parsing (v1/v2/v3), decoding to native typed arrays (either endianness,
 * C or Fortran order), streaming item reads, and writers (whole array, or appended in chunks with
 * the item count patched into the header at the end).
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { ChunkReader } from './chunk-reader';
import { DataError, orDataError } from './errors';

export type NpyKind = 'u' | 'i' | 'f' | 'b';

export interface NpyDtype {
  /** As written in the header, e.g. "<f4", "|u1". */
  readonly descr: string;
  readonly kind: NpyKind;
  /** Bytes per element in the file. */
  readonly itemSize: number;
  readonly littleEndian: boolean;
}

export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

export interface NpyHeader {
  readonly dtype: NpyDtype;
  readonly shape: number[];
  readonly fortranOrder: boolean;
  /** Byte offset of the data (magic + header). */
  readonly dataOffset: number;
  readonly version: number;
}

/** A decoded array: C order, native (little-endian) typed array. float16 is widened to Float32Array. */
export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: number[];
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpyMagic(head: Uint8Array): boolean {
  return MAGIC.every((v, i) => head[i] === v);
}

export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function parseDtype(descr: string, file: string): NpyDtype {
  const m = /^([<>|=])?([uifb?])(\d+)?$/.exec(descr);
  const unsupported = () =>
    new DataError(file, `unsupported dtype "${descr}" (expected an unsigned/signed integer, float16/32/64 or bool)`);
  if (!m) throw unsupported();
  const order = m[1] ?? '|';
  const kindChar = m[2] as string;
  const kind: NpyKind = kindChar === '?' ? 'b' : (kindChar as NpyKind);
  const itemSize = m[3] === undefined ? 1 : Number(m[3]);
  const ok =
    (kind === 'u' || kind === 'i' ? [1, 2, 4, 8].includes(itemSize) : kind === 'f' ? [2, 4, 8].includes(itemSize) : itemSize === 1);
  if (!ok) throw unsupported();
  return { descr, kind, itemSize, littleEndian: order !== '>' };
}

/** Parses the header; `head` must hold at least the magic, length field and header text. */
export function parseNpyHeader(head: Uint8Array, file: string): NpyHeader {
  if (!isNpyMagic(head)) throw new DataError(file, 'not a .npy file (missing \\x93NUMPY magic)');
  if (head.length < 10) throw new DataError(file, 'truncated .npy header');
  const version = head[6] as number;
  if (version < 1 || version > 3) throw new DataError(file, `unsupported .npy format version ${version}.${head[7]}`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const lenBytes = version === 1 ? 2 : 4;
  if (head.length < 8 + lenBytes) throw new DataError(file, 'truncated .npy header');
  const headerLen = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lenBytes + headerLen;
  if (head.length < dataOffset) throw new DataError(file, `truncated .npy header (needs ${dataOffset} bytes, file has ${head.length})`);
  const text = new TextDecoder(version === 3 ? 'utf-8' : 'latin1').decode(head.subarray(8 + lenBytes, dataOffset));
  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  if (!descrM) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new DataError(file, 'unsupported dtype: structured arrays (record dtypes) are not supported');
    throw new DataError(file, `malformed .npy header (no descr): ${text.trim()}`);
  }
  const fortM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!fortM || !shapeM) throw new DataError(file, `malformed .npy header: ${text.trim()}`);
  const shape = (shapeM[1] as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(v) || v < 0) throw new DataError(file, `malformed .npy shape: (${shapeM[1]})`);
      return v;
    });
  return { dtype: parseDtype(descrM[2] as string, file), shape, fortranOrder: fortM[1] === 'True', dataOffset, version };
}

/** Bytes of the header (magic .. padding) needed before parseNpyHeader can run. */
export function npyHeaderSize(head: Uint8Array): number | null {
  if (head.length < 12) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return head[6] === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Decodes raw element bytes (a whole number of elements) into a native typed array. The bytes are
 * copied unless `owned` says the caller gives them up (then they may be byte-swapped in place).
 */
export function decodeNpyData(dtype: NpyDtype, bytes: Uint8Array, owned = false): NpyData {
  const n = bytes.length / dtype.itemSize;
  // a plain Uint8Array that starts its own buffer, so typed views at offset 0 are right
  const copy =
    owned && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes instanceof Buffer)
      ? bytes
      : new Uint8Array(bytes);
  if (!dtype.littleEndian && dtype.itemSize > 1) {
    const k = dtype.itemSize;
    for (let i = 0; i < copy.length; i += k) {
      for (let a = i, b = i + k - 1; a < b; a++, b--) {
        const t = copy[a] as number;
        copy[a] = copy[b] as number;
        copy[b] = t;
      }
    }
  }
  const buf = copy.buffer;
  switch (`${dtype.kind}${dtype.itemSize}`) {
    case 'u1':
    case 'b1':
      return copy;
    case 'i1':
      return new Int8Array(buf, 0, n);
    case 'u2':
      return new Uint16Array(buf, 0, n);
    case 'i2':
      return new Int16Array(buf, 0, n);
    case 'u4':
      return new Uint32Array(buf, 0, n);
    case 'i4':
      return new Int32Array(buf, 0, n);
    case 'u8':
      return new BigUint64Array(buf, 0, n);
    case 'i8':
      return new BigInt64Array(buf, 0, n);
    case 'f4':
      return new Float32Array(buf, 0, n);
    case 'f8':
      return new Float64Array(buf, 0, n);
    case 'f2': {
      const h = new Uint16Array(buf, 0, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(h[i] as number);
      return out;
    }
    default:
      throw new Error(`unreachable dtype ${dtype.descr}`);
  }
}

/** Fortran (column-major) element order to C (row-major) order. */
export function fortranToC<T extends NpyData>(data: T, shape: readonly number[]): T {
  const n = data.length;
  const out = new (data.constructor as new (n: number) => T)(n);
  const rank = shape.length;
  if (rank <= 1) {
    out.set(data as never);
    return out;
  }
  // Fortran strides (elements): 1, d0, d0*d1, ...; walk C order with an index odometer
  const fStride = new Array<number>(rank);
  let s = 1;
  for (let j = 0; j < rank; j++) {
    fStride[j] = s;
    s *= shape[j] as number;
  }
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    (out as unknown as number[])[i] = (data as unknown as number[])[src] as number;
    for (let j = rank - 1; j >= 0; j--) {
      idx[j] = (idx[j] as number) + 1;
      src += fStride[j] as number;
      if ((idx[j] as number) < (shape[j] as number)) break;
      src -= (idx[j] as number) * (fStride[j] as number);
      idx[j] = 0;
    }
  }
  return out;
}

function checkLength(file: string, h: NpyHeader, available: number): void {
  const need = product(h.shape) * h.dtype.itemSize;
  if (available < need) {
    throw new DataError(
      file,
      `the .npy header claims shape (${h.shape.join(', ')}) of ${h.dtype.descr} = ${need} data bytes, but the file holds only ${available}`,
    );
  }
}

/** Decodes a whole .npy held in memory. */
export function readNpyBytes(bytes: Uint8Array, file: string): NpyArray {
  const h = parseNpyHeader(bytes, file);
  checkLength(file, h, bytes.length - h.dataOffset);
  const raw = bytes.subarray(h.dataOffset, h.dataOffset + product(h.shape) * h.dtype.itemSize);
  const data = decodeNpyData(h.dtype, raw);
  return { dtype: h.dtype, shape: h.shape, data: h.fortranOrder ? fortranToC(data, h.shape) : data };
}

async function readHeaderFromHandle(fh: FileHandle, file: string): Promise<NpyHeader> {
  const first = Buffer.alloc(12);
  const { bytesRead } = await fh.read(first, 0, 12, 0);
  const size = npyHeaderSize(first.subarray(0, bytesRead));
  if (!isNpyMagic(first)) throw new DataError(file, 'not a .npy file (missing \\x93NUMPY magic)');
  if (size === null) throw new DataError(file, 'truncated .npy header');
  const head = Buffer.alloc(size);
  const r = await fh.read(head, 0, size, 0);
  return parseNpyHeader(head.subarray(0, r.bytesRead), file);
}

/** Reads the header only. */
export async function readNpyHeader(file: string): Promise<NpyHeader> {
  const fh = await orDataError(file, () => open(file, 'r'));
  try {
    return await readHeaderFromHandle(fh, file);
  } finally {
    await fh.close();
  }
}

/** Reads a whole .npy file. */
export async function readNpyFile(file: string): Promise<NpyArray> {
  const fh = await orDataError(file, () => open(file, 'r'));
  try {
    const h = await readHeaderFromHandle(fh, file);
    const { size } = await fh.stat();
    checkLength(file, h, size - h.dataOffset);
    const nbytes = product(h.shape) * h.dtype.itemSize;
    const raw = new Uint8Array(nbytes);
    let off = 0;
    while (off < nbytes) {
      const { bytesRead } = await fh.read(raw, off, Math.min(nbytes - off, 1 << 26), h.dataOffset + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    const data = decodeNpyData(h.dtype, raw, true);
    return { dtype: h.dtype, shape: h.shape, data: h.fortranOrder ? fortranToC(data, h.shape) : data };
  } finally {
    await fh.close();
  }
}

/**
 * Reads items [start, start+count) along the first axis of a C-order .npy with positional reads
 * (no full load): thumbnails, random access.
 */
export async function readNpyItems(file: string, start: number, count: number): Promise<NpyArray> {
  return readItemsOf(file, (n) => {
    const s = Math.max(0, Math.min(start, n));
    const c = Math.max(0, Math.min(count, n - s));
    return Int32Array.from({ length: c }, (_, k) => s + k);
  });
}

/**
 * Reads the items at `indices` (any order, repeats allowed) along the first axis of a C-order
 * .npy, in that order: one positional read per run of consecutive indices (class filters,
 * gallery rows), never a full load.
 */
export async function readNpyItemsAt(file: string, indices: ArrayLike<number>): Promise<NpyArray> {
  return readItemsOf(file, () => indices);
}

/** The items `choose(itemCount)` names, one positional read per run of consecutive indices. */
async function readItemsOf(file: string, choose: (n: number) => ArrayLike<number>): Promise<NpyArray> {
  const fh = await orDataError(file, () => open(file, 'r'));
  try {
    const h = await readHeaderFromHandle(fh, file);
    if (h.fortranOrder) throw new DataError(file, 'item reads need a C-order .npy (this one is Fortran order)');
    const n = h.shape[0] ?? 1;
    const itemShape = h.shape.slice(1);
    const itemBytes = product(itemShape) * h.dtype.itemSize;
    const indices = choose(n);
    const raw = new Uint8Array(indices.length * itemBytes);
    for (let k = 0; k < indices.length; ) {
      const first = indices[k]!;
      if (!Number.isInteger(first) || first < 0 || first >= n) throw new DataError(file, `no item ${first} (the array has ${n})`);
      let run = 1;
      while (k + run < indices.length && indices[k + run] === first + run && first + run < n) run++;
      const { bytesRead } = await fh.read(raw, k * itemBytes, run * itemBytes, h.dataOffset + first * itemBytes);
      if (bytesRead < run * itemBytes) throw new DataError(file, `truncated .npy: items ${first}..${first + run - 1} run past the end of the file`);
      k += run;
    }
    return { dtype: h.dtype, shape: [indices.length, ...itemShape], data: decodeNpyData(h.dtype, raw, true) };
  } finally {
    await fh.close();
  }
}

export interface NpyChunk {
  /** Index of the first item (along axis 0). */
  readonly start: number;
  readonly count: number;
  readonly data: NpyData;
}

export interface NpyStream {
  readonly header: NpyHeader;
  /** Chunks of whole items in order; Fortran-order arrays arrive as one chunk (loaded whole). */
  readonly chunks: AsyncGenerator<NpyChunk>;
  /** Releases the source when leaving before the last chunk (safe to call twice). */
  close(): Promise<void>;
}

/**
 * Streams a .npy from its bytes (file read stream, zip entry, ...). `available` (bytes of the
 * whole .npy when known) lets a lying header fail before any work.
 */
export async function streamNpy(
  source: AsyncIterable<Uint8Array>,
  file: string,
  opts: { available?: number; chunkBytes?: number } = {},
): Promise<NpyStream> {
  const r = new ChunkReader(source);
  const pre = await r.read(12);
  if (!isNpyMagic(pre)) {
    await r.close();
    throw new DataError(file, 'not a .npy file (missing \\x93NUMPY magic)');
  }
  const size = npyHeaderSize(pre);
  if (size === null) throw new DataError(file, 'truncated .npy header');
  const rest = await r.read(size - 12);
  const head = new Uint8Array(size);
  head.set(pre, 0);
  head.set(rest, 12);
  const header = parseNpyHeader(head.subarray(0, 12 + rest.length), file);
  if (opts.available !== undefined) checkLength(file, header, opts.available - header.dataOffset);
  const itemShape = header.shape.slice(1);
  const n = header.shape.length === 0 ? 1 : (header.shape[0] as number);
  const itemBytes = product(itemShape) * header.dtype.itemSize;
  const total = n * itemBytes;
  const perChunk = Math.max(1, Math.floor((opts.chunkBytes ?? 1 << 22) / Math.max(1, itemBytes)));
  const truncated = (got: number) =>
    new DataError(file, `the .npy header claims shape (${header.shape.join(', ')}) = ${total} data bytes, but the data ends after ${got}`);

  async function* chunks(): AsyncGenerator<NpyChunk> {
    try {
      if (header.fortranOrder) {
        const raw = await r.read(total);
        if (raw.length < total) throw truncated(raw.length);
        yield { start: 0, count: n, data: fortranToC(decodeNpyData(header.dtype, raw), header.shape) };
        return;
      }
      for (let start = 0; start < n; start += perChunk) {
        const count = Math.min(perChunk, n - start);
        const raw = await r.read(count * itemBytes);
        if (raw.length < count * itemBytes) throw truncated(start * itemBytes + raw.length);
        yield { start, count, data: decodeNpyData(header.dtype, raw) };
      }
    } finally {
      await r.close();
    }
  }
  return { header, chunks: chunks(), close: () => r.close() };
}

/** Streams a .npy file from disk (size-checked against the header first). */
export async function streamNpyFile(file: string, opts: { chunkBytes?: number; signal?: AbortSignal } = {}): Promise<NpyStream> {
  const { size } = await orDataError(file, () => stat(file));
  const rs = createReadStream(file, { highWaterMark: 1 << 20, signal: opts.signal });
  return streamNpy(rs as AsyncIterable<Uint8Array>, file, { available: size, chunkBytes: opts.chunkBytes });
}

/** Header dict text padded so the whole header is a multiple of 64 bytes (or exactly `padTo`). */
export function encodeNpyHeader(descr: string, shape: readonly number[], fortranOrder = false, padTo?: number): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  let version = 1;
  let pre = 10;
  if (dict.length + 1 + pre > 65535 + 10) {
    version = 2;
    pre = 12;
  }
  const total = padTo ?? Math.ceil((pre + dict.length + 1) / 64) * 64;
  if (total < pre + dict.length + 1) throw new Error('npy header does not fit its reserved space');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, total - 10, true);
  else view.setUint32(8, total - 12, true);
  const text = dict.padEnd(total - pre - 1, ' ') + '\n';
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
  return out;
}

/** The numpy descr of a typed array (little-endian). */
export function descrOf(data: NpyData): string {
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Uint32Array) return '<u4';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof BigInt64Array) return '<i8';
  return '<u8';
}

function bytesOf(data: NpyData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The .npy encoding of an array as [header, data] (no copy of the data). */
export function encodeNpy(data: NpyData, shape: readonly number[], descr = descrOf(data)): Uint8Array[] {
  if (product(shape) !== data.length) throw new Error(`encodeNpy: shape (${shape.join(', ')}) does not match ${data.length} elements`);
  return [encodeNpyHeader(descr, shape), bytesOf(data)];
}

/** Writes a whole array to `file` (the caller picks a temporary name for atomicity). */
export async function writeNpy(file: string, data: NpyData, shape: readonly number[], descr = descrOf(data)): Promise<void> {
  const fh = await open(file, 'w');
  try {
    for (const part of encodeNpy(data, shape, descr)) await fh.write(part);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Appends items of a fixed item shape to a .npy whose length is not known up front: the header
 * reserves room for any count and is rewritten with the real count on close.
 */
export class NpyStreamWriter {
  private count = 0;
  private pos: number;
  private readonly itemBytes: number;

  private constructor(
    private readonly fh: FileHandle,
    readonly descr: string,
    readonly itemShape: readonly number[],
    private readonly headerSize: number,
  ) {
    this.pos = headerSize;
    this.itemBytes = product(itemShape) * parseDtype(descr, 'writer').itemSize;
  }

  static async create(file: string, descr: string, itemShape: readonly number[]): Promise<NpyStreamWriter> {
    const reserved = encodeNpyHeader(descr, [1e15, ...itemShape]).length;
    const fh = await open(file, 'w');
    const w = new NpyStreamWriter(fh, descr, itemShape, reserved);
    await fh.write(encodeNpyHeader(descr, [0, ...itemShape], false, reserved), 0, reserved, 0);
    return w;
  }

  get items(): number {
    return this.count;
  }

  /** Appends whole items (raw little-endian bytes or a typed array of the writer's dtype). */
  async append(data: NpyData | Uint8Array): Promise<void> {
    const b = bytesOf(data);
    if (b.length % this.itemBytes !== 0) throw new Error(`NpyStreamWriter: ${b.length} bytes is not a whole number of ${this.itemBytes}-byte items`);
    let off = 0;
    while (off < b.length) {
      const { bytesWritten } = await this.fh.write(b, off, b.length - off, this.pos);
      off += bytesWritten;
      this.pos += bytesWritten;
    }
    this.count += b.length / this.itemBytes;
  }

  async close(): Promise<number> {
    try {
      const h = encodeNpyHeader(this.descr, [this.count, ...this.itemShape], false, this.headerSize);
      await this.fh.write(h, 0, h.length, 0);
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
    return this.count;
  }

  async abort(): Promise<void> {
    await this.fh.close();
  }
}
