/**
 * The native k-means pieces (centreDistances, centreSums) against float64 loops written here, bit
 * for bit, on float32 rows and uint8 pixels, ragged row counts and centre counts (the AVX-512 path
 * takes 16 rows and up to 8 centres per step), on every kernel path this CPU runs; and kMeans /
 * assignCells with the native kernels against the forced JS path: identical models.
 * Timings are in bench/kmeans.bench.ts. Skipped when the addon is not built (npm run build:native).
 */
import { describe, expect, it } from 'vitest';
import { pixelLevels, seededBytes, seededUniform } from '../helpers/seeded';
import { loadNativeKernels, type NativeKernelName } from '../../electron/science/native/kernels';
import { assignCells, kMeans, type KMeansModel } from '../../electron/science/metrics/kmeans';

const kernels = loadNativeKernels();
const hasKMeans = !!kernels?.centreDistances && !!kernels.centreSums;
const allPaths: NativeKernelName[] = ['native-avx512', 'native-avx2', 'native-portable'];
const paths = allPaths.filter((p) => kernels?.supported.includes(p));

/** float64 reference of centreDistances: s = 0; s += (x - c)^2 over j in order. */
function refDistances(x: Float32Array, d: number, rows: Int32Array, centroids: Float64Array, k: number): Float64Array {
  const out = new Float64Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = x[rows[i]! * d + j]! - centroids[c * d + j]!;
        s += t * t;
      }
      out[i * k + c] = s;
    }
  }
  return out;
}

/** float64 reference of centreSums: zero, then rows added in order. */
function refSums(x: Float32Array, d: number, rows: Int32Array, assignment: Int32Array, k: number): Float64Array {
  const out = new Float64Array(k * d);
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < d; j++) out[assignment[i]! * d + j]! += x[rows[i]! * d + j]!;
  }
  return out;
}

/** Element-wise Object.is equality (exact, -0 and NaN included), reporting the first difference. */
function expectIdentical(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  let first = -1;
  for (let i = 0; i < want.length && first < 0; i++) if (!Object.is(got[i], want[i])) first = i;
  expect(first < 0 ? 'identical' : `index ${first}: ${got[first]} vs ${want[first]}`, what).toBe('identical');
}

function expectSameModel(got: KMeansModel, want: KMeansModel, what: string): void {
  expect(got.iterations, `${what} iterations`).toBe(want.iterations);
  expect(Object.is(got.inertia, want.inertia), `${what} inertia ${got.inertia} vs ${want.inertia}`).toBe(true);
  expectIdentical(got.centroids, want.centroids, `${what} centroids`);
}

/** n rows with values scattered around `clusters` well-separated centres (converges in a few iterations). */
function clustered(n: number, d: number, clusters: number, seed: number): Float32Array {
  const centres = seededUniform(clusters * d, seed);
  const noise = seededUniform(n * d, seed + 1);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = centres[(i % clusters) * d + j]! * 4 + noise[i * d + j]! * 0.5;
  return out;
}

describe.skipIf(!hasKMeans)('native k-means pieces', () => {
  const cases = [
    // [data rows, d, row counts, centre counts]
    [40, 5, [1, 7, 13, 33], [1, 2, 5, 8, 9, 13]],
    [1100, 3072, [1, 7, 13, 1001], [1, 5, 9]],
  ] as const;

  it.each(paths)('%s: centreDistances equals the float64 loop bit for bit (float32 and uint8 rows)', (path) => {
    for (const [n, d, counts, ks] of cases) {
      const pixels = seededBytes(n * d, n + d);
      const floats = pixelLevels(pixels);
      // rows in a shuffled order with repeats, as a subsample's indices are
      const picks = seededUniform(2000, d);
      for (const count of counts) {
        if (count === 1001 && path === 'native-avx2') continue; // the avx2 choice runs the portable loops: once is enough at this size
        const rows = Int32Array.from({ length: count }, (_, i) => Math.floor(picks[i]! * n));
        for (const k of ks) {
          if (count === 1001 && k > 5) continue;
          const centroids = seededUniform(k * d, count * 31 + k);
          const want = refDistances(floats, d, rows, centroids, k);
          for (const threads of [1, 2]) {
            for (const [data, kind] of [
              [pixels, 'uint8'],
              [floats, 'float32'],
            ] as const) {
              const out = new Float64Array(count * k).fill(NaN);
              kernels!.centreDistances!(data, d, rows, centroids, k, out, { threads, portable: false, kernel: path });
              expectIdentical(out, want, `${path} ${kind} d=${d} rows=${count} k=${k} threads=${threads}`);
            }
          }
        }
      }
    }
  });

  it.each(paths)('%s: centreSums equals the in-order float64 sums bit for bit (float32 and uint8 rows)', (path) => {
    for (const [n, d, counts] of cases) {
      const pixels = seededBytes(n * d, 7 * n + d);
      const floats = pixelLevels(pixels);
      const picks = seededUniform(2000, d + 5);
      for (const count of counts) {
        for (const k of [1, 3, 7]) {
          const rows = Int32Array.from({ length: count }, (_, i) => Math.floor(picks[i]! * n));
          const assignment = Int32Array.from({ length: count }, (_, i) => Math.floor(picks[(i + 1000) % 2000]! * k));
          const want = refSums(floats, d, rows, assignment, k);
          for (const threads of [1, 2]) {
            for (const [data, kind] of [
              [pixels, 'uint8'],
              [floats, 'float32'],
            ] as const) {
              const out = new Float64Array(k * d).fill(NaN);
              kernels!.centreSums!(data, d, rows, assignment, k, out, { threads, portable: false, kernel: path });
              expectIdentical(out, want, `${path} ${kind} d=${d} rows=${count} k=${k} threads=${threads}`);
            }
          }
        }
      }
    }
  });

  it.each(paths)('%s: reads every pixel level exactly (256 one-value rows, and a 16 x 16 block)', (path) => {
    const all = Uint8Array.from({ length: 256 }, (_, v) => v);
    const levels = pixelLevels(all);
    const choice = { threads: 1, portable: false, kernel: path };
    for (const d of [1, 16, 256]) {
      const n = 256 / d;
      const rows = Int32Array.from({ length: n }, (_, i) => i);
      const centroids = Float64Array.of(...Array.from({ length: 2 * d }, (_, j) => (j < d ? 0 : 0.3 + j / 1000)));
      const out = new Float64Array(n * 2);
      kernels!.centreDistances!(all, d, rows, centroids, 2, out, choice);
      expectIdentical(out, refDistances(levels, d, rows, centroids, 2), `${path} levels d=${d} distances`);
      const sums = new Float64Array(d);
      kernels!.centreSums!(all, d, rows, new Int32Array(n), 1, sums, choice);
      expectIdentical(sums, refSums(levels, d, rows, new Int32Array(n), 1), `${path} levels d=${d} sums`);
    }
  });

  it('rejects rows outside the data and assignments outside 0..k-1', () => {
    const data = new Float32Array(10);
    const out = new Float64Array(10);
    const choice = { threads: 1, portable: false };
    expect(() => kernels!.centreDistances!(data, 5, Int32Array.of(2), new Float64Array(5), 1, out, choice)).toThrow(/rows\[0\]/);
    expect(() => kernels!.centreSums!(data, 5, Int32Array.of(1), Int32Array.of(1), 1, out)).toThrow(/assignment\[0\]/);
  });

  it('kMeans on 2000 x 3072 uint8 pixels: native and JS give the identical model', () => {
    const n = 2000, d = 3072;
    const pixels = seededBytes(n * d, 99);
    const opts = { seed: 5 };
    const native = kMeans(pixels, n, d, 5, opts);
    const js = kMeans(pixels, n, d, 5, { ...opts, native: false });
    expectSameModel(native, js, 'uint8');
    // and the pixels' float32 levels fitted in JS: the same model again
    expectSameModel(kMeans(pixelLevels(pixels), n, d, 5, { ...opts, native: false }), js, 'uint8 vs float32 levels');
    const cellsNative = assignCells(pixels.subarray(0, 300 * d), 300, native);
    expectIdentical(cellsNative, assignCells(pixels.subarray(0, 300 * d), 300, native, { native: false }), 'assignCells uint8');
    expectIdentical(cellsNative, assignCells(pixelLevels(pixels.subarray(0, 300 * d)), 300, native, { native: false }), 'assignCells levels');
  });

  it('kMeans on float32 rows (all rows and a subsample, k up to 13): native and JS give the identical model', () => {
    for (const [n, d, k, clusters] of [
      [1500, 64, 13, 9],
      [3001, 37, 5, 5],
      [400, 3072, 9, 4],
    ] as const) {
      const data = clustered(n, d, clusters, n + d);
      const sub = Int32Array.from({ length: Math.floor(n / 2) }, (_, i) => (i * 7919) % n);
      for (const rows of [undefined, sub]) {
        const opts = { seed: 3, rows };
        const native = kMeans(data, n, d, k, opts);
        expectSameModel(native, kMeans(data, n, d, k, { ...opts, native: false }), `float32 n=${n} d=${d} k=${k} rows=${rows ? 'sub' : 'all'}`);
        expect(native.iterations).toBeGreaterThan(0);
        const points = data.subarray(0, 200 * d);
        expectIdentical(assignCells(points, 200, native), assignCells(points, 200, native, { native: false }), `assignCells n=${n}`);
      }
    }
  });
});
