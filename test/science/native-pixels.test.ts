/**
 * uint8 pixel rows in the native kernels: packReference / packQueries read a Uint8Array as the
 * float32 levels Math.fround(v / 255), so every product and nearest list from pixel-packed rows
 * equals, bit for bit, the one from float32 rows converted here with an independent loop, on
 * every kernel path this CPU runs. squaredNorms equals the plain JS float64 loop bit for bit.
 * Skipped when the addon is not built (npm run build:native).
 */
import { describe, expect, it } from 'vitest';
import { pixelLevels, seededBytes } from '../helpers/seeded';
import { loadNativeKernels, type NativeKernelName } from '../../electron/science/native/kernels';

const kernels = loadNativeKernels();
const allPaths: NativeKernelName[] = ['native-avx512', 'native-avx2', 'native-portable'];
const paths = allPaths.filter((p) => kernels?.supported.includes(p));
const missing = allPaths.filter((p) => !paths.includes(p));
if (kernels && missing.length > 0) console.log(`native kernel paths not run (this CPU lacks them): ${missing.join(', ')}`);

/** Seeded uint8 pixels, with a few rows of the extreme levels 0 and 255. */
function randomPixels(count: number, seed: number): Uint8Array {
  const out = seededBytes(count, seed);
  out.fill(0, 0, Math.min(count, 40));
  out.fill(255, Math.max(0, count - 40));
  return out;
}

/** Plain JS float64 squared norms of float32 rows. */
function jsNorms(rows: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = rows[i * d + j]!;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** Bit-for-bit equality of two typed arrays (also tells -0 from 0 and NaN payloads apart). */
function expectSameBits(a: ArrayBufferView, b: ArrayBufferView, what: string): void {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  expect(x.length, what).toBe(y.length);
  let first = -1;
  for (let i = 0; i < x.length && first < 0; i++) if (x[i] !== y[i]) first = i;
  expect(first, `${what}: first differing byte`).toBe(-1);
}

// [n reference rows, m query rows, d]: one CIFAR depth, ragged slivers; a 3 x 17 x 17 depth
const shapes = [
  [37, 13, 3072],
  [1000, 29, 3 * 17 * 17],
] as const;

describe.skipIf(!kernels)('native kernels on uint8 pixels', () => {
  it.each(paths)('%s: products and nearest lists from pixel-packed rows equal those from float32 rows', async (path) => {
    const k = kernels!;
    for (const [n, m, d] of shapes) {
      const refPixels = randomPixels(n * d, n + d);
      const queryPixels = randomPixels(m * d, m + d + 1);
      const refFloats = pixelLevels(refPixels);
      const queryFloats = pixelLevels(queryPixels);
      const norms = jsNorms(refFloats, n, d);
      const refU8 = k.packReference(refPixels, n, d, norms);
      const refF32 = k.packReference(refFloats, n, d, norms);
      const qU8 = k.packQueries(queryPixels, m, d);
      const qF32 = k.packQueries(queryFloats, m, d);
      try {
        for (const threads of [1, 2]) {
          const choice = { threads, portable: false, kernel: path };
          const want = new Float32Array(m * n);
          await k.productsBlock(refF32, qF32, 0, n, want, choice);
          for (const [ref, q, label] of [
            [refU8, qU8, 'uint8 ref, uint8 queries'],
            [refU8, qF32, 'uint8 ref, float32 queries'],
            [refF32, qU8, 'float32 ref, uint8 queries'],
          ] as const) {
            const got = new Float32Array(m * n);
            await k.productsBlock(ref, q, 0, n, got, choice);
            expectSameBits(got, want, `${path} n=${n} d=${d} threads=${threads} products, ${label}`);
          }
          const pool = 7;
          const lists = () => ({ pool, scores: new Float64Array(m * pool), indices: new Int32Array(m * pool), counts: new Int32Array(m) });
          const a = lists();
          const b = lists();
          // two blocks, the second ragged: the running lists carry over between calls
          const split = Math.floor(n / 3);
          for (const [start, count] of [
            [0, split],
            [split, n - split],
          ] as const) {
            await k.nearestBlock(refU8, qU8, start, count, a, undefined, choice);
            await k.nearestBlock(refF32, qF32, start, count, b, undefined, choice);
          }
          expect(Array.from(a.counts)).toEqual(Array.from(b.counts));
          expectSameBits(a.scores, b.scores, `${path} n=${n} d=${d} threads=${threads} nearest scores`);
          expectSameBits(a.indices, b.indices, `${path} n=${n} d=${d} threads=${threads} nearest indices`);
        }
      } finally {
        for (const h of [refU8, refF32, qU8, qF32]) k.free(h);
      }
    }
  });

  it('refuses a mean (centred packing) with uint8 pixels', () => {
    const d = 5;
    expect(() => kernels!.packReference(new Uint8Array(2 * d), 2, d, new Float64Array(2), new Float64Array(d))).toThrow(/float32/);
  });

  it('squaredNorms equals the JS float64 loop bit for bit, on float32 rows and uint8 pixels', () => {
    if (!kernels!.squaredNorms) throw new Error('this binary has no squaredNorms: rebuild with npm run build:native');
    for (const [n, d] of [
      [1, 5],
      [7, 3072],
      [13, 867],
      [1001, 3072],
    ] as const) {
      const pixels = randomPixels(n * d, 3 * n + d);
      const floats = pixelLevels(pixels);
      // uniform float32 rows as well: products v * v with full 24-bit mantissas
      const wide = new Float32Array(n * d);
      for (let i = 0; i < wide.length; i++) wide[i] = Math.fround(Math.sin(i * 12.9898 + n) * 43.7585);
      for (const threads of [1, 2, undefined]) {
        const fromPixels = new Float64Array(n);
        const fromFloats = new Float64Array(n);
        const fromWide = new Float64Array(n);
        kernels!.squaredNorms(pixels, n, d, fromPixels, threads);
        kernels!.squaredNorms(floats, n, d, fromFloats, threads);
        kernels!.squaredNorms(wide, n, d, fromWide, threads);
        const want = jsNorms(floats, n, d);
        expectSameBits(fromPixels, want, `uint8 n=${n} d=${d} threads=${threads}`);
        expectSameBits(fromFloats, want, `float32 n=${n} d=${d} threads=${threads}`);
        expectSameBits(fromWide, jsNorms(wide, n, d), `wide float32 n=${n} d=${d} threads=${threads}`);
      }
    }
  });
});
