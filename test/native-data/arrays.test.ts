import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, encodeNpy, probeSource, readSource, writeNpy, writeNpz, type ItemBatch, type SourceInfo } from '../../native-data';
import { seededBytes, tempDir, zipBytes } from './fixtures';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

async function readAll(source: string) {
  const out: Record<string, { data: number[]; labels: number[]; shape: readonly number[] }> = {};
  const info: SourceInfo = await readSource(source, {}, async (b: ItemBatch) => {
    const s = (out[b.split] ??= { data: [], labels: [], shape: b.itemShape });
    s.data.push(...Array.from(b.data));
    if (b.labels) s.labels.push(...Array.from(b.labels));
  });
  return { info, out };
}

describe('.npy and .npz sources', () => {
  it('uint8 NHWC images pass through unchanged', async () => {
    const x = seededBytes(3 * 2 * 2 * 3, 1);
    const f = join(dir, 'imgs.npy');
    await writeNpy(f, x, [3, 2, 2, 3]);
    const { info, out } = await readAll(f);
    expect(info).toMatchObject({ format: 'npy', kind: 'images', classes: null, defaultName: 'imgs' });
    expect(out['train']!.shape).toEqual([2, 2, 3]);
    expect(out['train']!.data).toEqual(Array.from(x));
  });

  it('float NCHW in [-1, 1] is detected, transposed to NHWC and mapped to 0-255', async () => {
    // item 0: channel c, pixel p has value v(c, p); NCHW index c*4 + p
    const v = (n: number, c: number, p: number) => [-1, -0.5, 0, 1][(n + c + p) % 4] as number;
    const nchw = new Float32Array(2 * 3 * 4);
    for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let p = 0; p < 4; p++) nchw[n * 12 + c * 4 + p] = v(n, c, p);
    const f = join(dir, 'nchw.npy');
    await writeNpy(f, nchw, [2, 3, 2, 2]);
    const probe = await probeSource(f);
    expect(probe.arrays?.['train']).toMatchObject({ layout: 'NCHW', range: [-1, 1], dtype: '<f4' });
    expect(probe.splits['train']).toMatchObject({ count: 2, shape: [2, 2, 3], dtype: 'uint8' });
    const { out } = await readAll(f);
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) for (let p = 0; p < 4; p++) for (let c = 0; c < 3; c++) expected.push(Math.round((v(n, c, p) + 1) * 127.5));
    expect(out['train']!.data).toEqual(expected);
  });

  it('reports [0, 1] and [0, 255] float ranges, and refuses data that fits none', async () => {
    const unit = join(dir, 'unit.npy');
    await writeNpy(unit, Float64Array.from([0, 0.5, 1, 0.25]), [1, 2, 2, 1]);
    expect((await probeSource(unit)).arrays?.['train']?.range).toEqual([0, 1]);
    expect((await readAll(unit)).out['train']!.data).toEqual([0, 128, 255, 64]);
    const byte = join(dir, 'byte.npy');
    await writeNpy(byte, Float32Array.from([0, 17, 255, 3]), [1, 2, 2, 1]);
    expect((await probeSource(byte)).arrays?.['train']?.range).toEqual([0, 255]);
    const wild = join(dir, 'wild.npy');
    await writeNpy(wild, Float32Array.from([0, 300, 2, 3]), [1, 2, 2, 1]);
    await expect(readAll(wild)).rejects.toThrow(/fit none of \[0, 1\], \[-1, 1\], \[0, 255\]/);
  });

  it('2-D arrays are float32 vectors; probe reports the observed range', async () => {
    const f = join(dir, 'vec.npy');
    await writeNpy(f, Float64Array.from([-5, 5, -4.5, 6, 0, 1]), [3, 2]);
    const probe = await probeSource(f);
    expect(probe).toMatchObject({ kind: 'vectors', splits: { train: { count: 3, shape: [2], dtype: 'float32' } } });
    expect(probe.arrays?.['train']?.range).toEqual([-5, 6]);
    expect((await readAll(f)).out['train']!.data).toEqual([-5, 5, -4.5, 6, 0, 1]);
  });

  it('guided-diffusion style npz (arr_0 uint8 [N,H,W,3] + arr_1 int64 labels), stored and deflated', async () => {
    const x = seededBytes(4 * 2 * 2 * 3, 2);
    const stored = join(dir, 'samples.npz');
    await writeNpz(stored, { arr_0: { data: x, shape: [4, 2, 2, 3] }, arr_1: { data: BigInt64Array.from([0n, 2n, 1n, 2n]), shape: [4] } });
    const deflated = join(dir, 'samples-c.npz');
    await writeFile(deflated, zipBytes([
      { path: 'arr_0.npy', data: Buffer.concat(encodeNpy(x, [4, 2, 2, 3])), deflate: true },
      { path: 'arr_1.npy', data: Buffer.concat(encodeNpy(BigInt64Array.from([0n, 2n, 1n, 2n]), [4])), deflate: true },
    ]));
    for (const f of [stored, deflated]) {
      const { info, out } = await readAll(f);
      expect(info).toMatchObject({ format: 'npz', kind: 'images', classes: ['0', '1', '2'] });
      expect(out['train']!.data).toEqual(Array.from(x));
      expect(out['train']!.labels).toEqual([0, 2, 1, 2]);
    }
  });

  it('x_train / y_train / x_test npz gives two splits; label count mismatch is an error', async () => {
    const f = join(dir, 'keras.npz');
    await writeNpz(f, {
      x_train: { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] },
      y_train: { data: Uint8Array.from([1, 0]), shape: [2] },
      x_test: { data: Float32Array.from([5, 6]), shape: [1, 2] },
    });
    const { out } = await readAll(f);
    expect(Object.keys(out).sort()).toEqual(['test', 'train']);
    expect(out['train']!.labels).toEqual([1, 0]);
    const bad = join(dir, 'badlabels.npz');
    await writeNpz(bad, { arr_0: { data: Float32Array.from([1, 2]), shape: [2, 1] }, arr_1: { data: Int32Array.from([0, 1, 2]), shape: [3] } });
    await expect(readAll(bad)).rejects.toThrow(/2 items but 3 labels/);
    const odd = join(dir, 'odd.npz');
    await writeNpz(odd, { foo: { data: Float32Array.from([1]), shape: [1] }, bar: { data: Float32Array.from([1]), shape: [1] } });
    await expect(readAll(odd)).rejects.toThrow(/keys are foo, bar/);
  });

  it('a truncated .npy inside an npz is a DataError', async () => {
    const parts = encodeNpy(Float32Array.from({ length: 100 }, (_, i) => i), [50, 2]);
    const f = join(dir, 'trunc.npz');
    await writeFile(f, zipBytes([{ path: 'arr_0.npy', data: Buffer.concat([parts[0]!, parts[1]!.subarray(0, 100)]) }]));
    await expect(readAll(f)).rejects.toBeInstanceOf(DataError);
    await expect(readAll(f)).rejects.toThrow(/claims shape \(50, 2\)/);
  });
});
