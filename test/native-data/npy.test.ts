import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DataError, NpyStreamWriter, encodeNpyHeader, fortranToC, readNpyBytes, readNpyFile, readNpyItems, readNpyItemsAt, streamNpyFile, writeNpy,
} from '../../native-data';
import { hasNumpy, runPython, tempDir } from './fixtures';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

/** A .npy written by hand: header text + raw bytes (to test what our writer never produces). */
function handNpy(descr: string, shape: number[], raw: Uint8Array, opts: { fortran?: boolean; version?: 1 | 2 | 3 } = {}): Uint8Array {
  const h = encodeNpyHeader(descr, shape, opts.fortran ?? false);
  const version = opts.version ?? 1;
  if (version === 1) return Buffer.concat([h, raw]);
  const text = h.subarray(10);
  const out = Buffer.alloc(12 + text.length + raw.length);
  out.set(h.subarray(0, 6), 0);
  out[6] = version;
  out.writeUInt32LE(text.length, 8);
  out.set(text, 12);
  out.set(raw, 12 + text.length);
  return out;
}

describe('npy', () => {
  it('round-trips every supported typed array through writeNpy / readNpyFile', async () => {
    const cases = [
      Uint8Array.from([0, 1, 255, 7, 8, 9]),
      Int8Array.from([-128, 0, 127, 1, 2, 3]),
      Int16Array.from([-3, 2, 1, 0, 30000, -30000]),
      Uint16Array.from([0, 65535, 1, 2, 3, 4]),
      Int32Array.from([-1, 2, -3, 4, 2147483647, -2147483648]),
      Float32Array.from([0.5, -1.25, 3, 1e-7, -0, 42]),
      Float64Array.from([Math.PI, -Math.E, 1e300, 0, -1, 2]),
      BigInt64Array.from([1n, -2n, 3n, 2n ** 40n, 0n, -7n]),
    ];
    for (const data of cases) {
      const f = join(dir, `rt-${data.constructor.name}.npy`);
      await writeNpy(f, data, [2, 3]);
      const a = await readNpyFile(f);
      expect(a.shape).toEqual([2, 3]);
      expect(a.data.constructor).toBe(data.constructor);
      expect(Array.from(a.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
    }
  });

  it('reads big-endian data', () => {
    const raw = Buffer.alloc(8);
    raw.writeFloatBE(1.5, 0);
    raw.writeFloatBE(-2.25, 4);
    expect(Array.from(readNpyBytes(handNpy('>f4', [2], raw), 'be.npy').data as Float32Array)).toEqual([1.5, -2.25]);
    const i2 = Buffer.from([0x01, 0x02, 0xff, 0xfe]);
    expect(Array.from(readNpyBytes(handNpy('>i2', [2], i2), 'be.npy').data as Int16Array)).toEqual([0x0102, -2]);
  });

  it('reads Fortran order as C order', () => {
    // a (2,3) matrix [[1,2,3],[4,5,6]] stored column by column
    const raw = new Uint8Array(Float64Array.from([1, 4, 2, 5, 3, 6]).buffer);
    const a = readNpyBytes(handNpy('<f8', [2, 3], raw, { fortran: true }), 'f.npy');
    expect(Array.from(a.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
    // 3-D: element (i,j,k) at i + 2j + 6k in Fortran order
    const shape = [2, 3, 4];
    const f = new Int32Array(24);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) f[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
    const c = fortranToC(f, shape);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(c[i * 12 + j * 4 + k]).toBe(100 * i + 10 * j + k);
  });

  it('reads v2 and v3 headers and bool', () => {
    for (const version of [2, 3] as const) {
      const a = readNpyBytes(handNpy('|b1', [4], Uint8Array.from([1, 0, 0, 1]), { version }), `v${version}.npy`);
      expect(a.dtype.kind).toBe('b');
      expect(Array.from(a.data as Uint8Array)).toEqual([1, 0, 0, 1]);
    }
  });

  it('refuses a header that claims more elements than the file holds', async () => {
    const f = join(dir, 'short.npy');
    await writeFile(f, handNpy('<f4', [100, 2], new Uint8Array(40)));
    await expect(readNpyFile(f)).rejects.toThrow(DataError);
    await expect(readNpyFile(f)).rejects.toThrow(/claims shape \(100, 2\).*800 data bytes.*holds only 40/);
    await expect(streamNpyFile(f)).rejects.toThrow(/holds only 40/);
  });

  it('refuses unsupported dtypes with a DataError', () => {
    for (const descr of ['<c8', '|O', '<U4', '|S3', '<M8[ns]']) {
      expect(() => readNpyBytes(handNpy(descr, [1], new Uint8Array(16)), 'x.npy')).toThrow(/unsupported dtype/);
    }
    const structured = Buffer.from(encodeNpyHeader('<f4', [1]));
    const text = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }".padEnd(structured.length - 11) + '\n';
    structured.write(text, 10, 'latin1');
    structured.writeUInt16LE(text.length, 8);
    expect(() => readNpyBytes(Buffer.concat([structured.subarray(0, 10 + text.length), Buffer.alloc(4)]), 's.npy')).toThrow(/structured/);
  });

  it('streams items in chunks and reads item ranges with positional reads', async () => {
    const f = join(dir, 'items.npy');
    const data = Float32Array.from({ length: 50 * 3 }, (_, i) => i);
    await writeNpy(f, data, [50, 3]);
    const s = await streamNpyFile(f, { chunkBytes: 7 * 12 });
    const seen: number[] = [];
    for await (const c of s.chunks) {
      expect(c.count).toBeLessThanOrEqual(7);
      seen.push(...Array.from(c.data as Float32Array));
    }
    expect(seen).toEqual(Array.from(data));
    const part = await readNpyItems(f, 10, 2);
    expect(part.shape).toEqual([2, 3]);
    expect(Array.from(part.data as Float32Array)).toEqual([30, 31, 32, 33, 34, 35]);
    expect((await readNpyItems(f, 49, 5)).shape).toEqual([1, 3]);
  });

  it('reads items at arbitrary indices in the order asked (runs of consecutive indices in one read)', async () => {
    const f = join(dir, 'items-at.npy');
    await writeNpy(f, Float32Array.from({ length: 20 * 2 }, (_, i) => i), [20, 2]);
    const indices = [3, 4, 5, 0, 19, 7, 7];
    const got = await readNpyItemsAt(f, indices);
    expect(got.shape).toEqual([7, 2]);
    expect(Array.from(got.data as Float32Array)).toEqual(indices.flatMap((i) => [2 * i, 2 * i + 1]));
    expect((await readNpyItemsAt(f, [])).shape).toEqual([0, 2]);
    await expect(readNpyItemsAt(f, [2, 20])).rejects.toThrow(/no item 20 \(the array has 20\)/);
  });

  it('NpyStreamWriter patches the item count into a reserved header', async () => {
    const f = join(dir, 'stream.npy');
    const w = await NpyStreamWriter.create(f, '|u1', [2, 2, 3]);
    for (let k = 0; k < 5; k++) await w.append(Uint8Array.from({ length: 12 * (k + 1) }, (_, i) => (i + k) & 255));
    expect(await w.close()).toBe(15);
    const a = await readNpyFile(f);
    expect(a.shape).toEqual([15, 2, 2, 3]);
    expect((await readFile(f)).length % 64).toBe((15 * 12) % 64); // header is a multiple of 64 bytes
  });

  it.skipIf(!hasNumpy())('agrees with numpy both ways (reference files made by numpy at test time)', async () => {
    runPython(
      [
        'import numpy as np',
        "a = np.arange(24, dtype='>f8').reshape(2, 3, 4)",
        "np.save('np_be.npy', a)",
        "np.save('np_fortran.npy', np.asfortranarray(np.arange(12, dtype='<i4').reshape(3, 4)))",
        "np.save('np_bool.npy', np.array([True, False, True]))",
        "np.save('np_i8.npy', np.array([-5, 7], dtype=np.int64))",
        "np.save('np_f16.npy', np.array([0.5, -2, 65504], dtype=np.float16))",
      ].join('\n'),
      dir,
    );
    expect(Array.from((await readNpyFile(join(dir, 'np_be.npy'))).data as Float64Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(Array.from((await readNpyFile(join(dir, 'np_fortran.npy'))).data as Int32Array)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(Array.from((await readNpyFile(join(dir, 'np_bool.npy'))).data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from((await readNpyFile(join(dir, 'np_i8.npy'))).data as BigInt64Array)).toEqual([-5n, 7n]);
    expect(Array.from((await readNpyFile(join(dir, 'np_f16.npy'))).data as Float32Array)).toEqual([0.5, -2, 65504]);
    // and numpy reads what we write
    await writeNpy(join(dir, 'ours.npy'), Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
    const w = await NpyStreamWriter.create(join(dir, 'ours_stream.npy'), '|u1', [2]);
    await w.append(Uint8Array.from([1, 2, 3, 4]));
    await w.close();
    runPython(
      [
        'import numpy as np',
        "a = np.load('ours.npy'); assert a.shape == (3, 2) and a.dtype == np.float32 and a[2, 1] == 6, a",
        "b = np.load('ours_stream.npy'); assert b.shape == (2, 2) and b.dtype == np.uint8 and b.sum() == 10, b",
      ].join('\n'),
      dir,
    );
  });
});
