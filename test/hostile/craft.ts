/**
 * Byte-level builders for hostile files: zips and gzips whose headers say one thing and whose
 * data does another, decompression bombs that really inflate to gigabytes (repeated full-flush
 * deflate blocks of zeros: a few MB on disk), and image headers that claim huge dimensions.
 * Nothing here uses the project's own writers.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface RawZipEntry {
  name: string | Buffer;
  /** The entry's stored bytes (already compressed for method 8). */
  body: Buffer;
  method: number;
  crc: number;
  /** Declared uncompressed size. */
  size: number;
  flags?: number;
}

/** A zip with exactly the headers given (sizes, CRC, flags and method are not checked). */
export function rawZip(entries: RawZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let pos = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name;
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(e.flags ?? 0, 6);
    h.writeUInt16LE(e.method, 8);
    h.writeUInt32LE(e.crc >>> 0, 14);
    h.writeUInt32LE(e.body.length, 18);
    h.writeUInt32LE(e.size, 22);
    h.writeUInt16LE(name.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(e.flags ?? 0, 8);
    c.writeUInt16LE(e.method, 10);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(e.body.length, 20);
    c.writeUInt32LE(e.size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(pos, 42);
    central.push(c, name);
    parts.push(h, name, e.body);
    pos += 30 + name.length + e.body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(pos, 16);
  return Buffer.concat([...parts, cd, end]);
}

/** A stored or deflated entry whose headers are honest. */
export function honestEntry(name: string | Buffer, data: Buffer, deflate = true): RawZipEntry {
  return { name, body: deflate ? deflateRawSync(data) : data, method: deflate ? 8 : 0, crc: crc32(data), size: data.length };
}

const MiB = 2 ** 20;

/**
 * A raw deflate stream of `prefix` followed by `zeros` zero bytes, built from independent
 * full-flush blocks (each 1 MiB of zeros compresses to about 1 KB, repeated), so a 4 GB bomb is
 * about 4 MB and takes no memory to make. The CRC of 4 GB of zeros is not computed: the
 * readers must refuse long before they could check it.
 */
export function zeroBomb(prefix: Buffer, zeros: number): { body: Buffer; size: number } {
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const blocks: Buffer[] = [deflateRawSync(prefix, flush)];
  const mib = deflateRawSync(Buffer.alloc(MiB), flush);
  const whole = Math.floor(zeros / MiB);
  for (let i = 0; i < whole; i++) blocks.push(mib);
  const rest = zeros - whole * MiB;
  if (rest > 0) blocks.push(deflateRawSync(Buffer.alloc(rest), flush));
  blocks.push(Buffer.from([0x03, 0x00])); // an empty final block
  return { body: Buffer.concat(blocks), size: prefix.length + zeros };
}

/** A gzip file around a raw deflate stream (trailer CRC left 0, see zeroBomb). */
export function gzipAround(deflated: Buffer, size: number): Buffer {
  const head = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(0, 0);
  tail.writeUInt32LE(size % 2 ** 32, 4);
  return Buffer.concat([head, deflated, tail]);
}

/** A 512-byte ustar header for a regular file of `size` bytes (the data is not included). */
export function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG whose header claims width x height RGB pixels; the image data is a few bytes of deflate. */
export function hugePngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateRawSync(Buffer.alloc(64))), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A baseline JPEG header (SOI, SOF0) claiming width x height, then EOI. */
export function hugeJpegHeader(width: number, height: number): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
  const app0 = Buffer.from([0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sos = Buffer.from([0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3f, 0]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, sos, Buffer.alloc(16), Buffer.from([0xff, 0xd9])]);
}

/** An .npy file: header dict text as given (no checks) + body. */
export function npyRaw(header: string, body: Buffer = Buffer.alloc(0), version = 1): Buffer {
  const pre = version === 1 ? 10 : 12;
  let text = header;
  while ((pre + text.length + 1) % 64 !== 0) text += ' ';
  text += '\n';
  const h = Buffer.alloc(pre);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = version;
  h[7] = 0;
  if (version === 1) h.writeUInt16LE(text.length, 8);
  else h.writeUInt32LE(text.length, 8);
  return Buffer.concat([h, Buffer.from(text, 'latin1'), body]);
}

export function npyHeader(descr: string, shape: number[], fortran = false): string {
  const s = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${s}, }`;
}
