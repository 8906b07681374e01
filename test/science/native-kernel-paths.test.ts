/**
 * Every native kernel path this CPU runs (AVX-512, AVX2+FMA, portable), each forced in turn,
 * against a float64 brute force: exact k-NN (identical indices and distances), the raw products
 * q.y, and the empirical-score denoiser. Shapes are ragged for the AVX-512 tiles (pairs of 6-row
 * query slivers and 16-row reference slivers): query and reference slivers in odd numbers, depths
 * that are not a multiple of the depth pass, more queries than one query block. A path the CPU
 * lacks is reported as skipped (never silently passed); SCORESCOPE_NATIVE_KERNEL is checked too.
 * Skipped when the addon is not built (npm run build:native).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bruteForce, copyRow, randomRows } from './fixtures/neighbour-references';
import { bruteDenoise, relErr } from './fixtures/brute-denoise';
import { loadNativeKernels, type NativeKernelName } from '../../electron/science/native/kernels';
import { createNativeNeighbourSearch } from '../../electron/science/neighbours';

const kernels = loadNativeKernels();
const allPaths: NativeKernelName[] = ['native-avx512', 'native-avx2', 'native-portable'];
const paths = allPaths.filter((p) => kernels?.supported.includes(p));
const missing = allPaths.filter((p) => !paths.includes(p));
if (kernels && missing.length > 0) console.log(`native kernel paths not run (this CPU lacks them): ${missing.join(', ')}`);

/** Reference and queries with duplicated rows (exact ties) and queries that copy reference rows. */
function fixture(n: number, m: number, d: number, seed: number, levels: number) {
  const ref = randomRows(n, d, seed, levels);
  copyRow(ref, 3, ref, n - 1, d);
  copyRow(ref, 17, ref, 18, d);
  const queries = randomRows(m, d, seed + 1, levels);
  copyRow(ref, 3, queries, 0, d);
  copyRow(ref, n - 2, queries, m - 1, d);
  return { ref, queries };
}

describe.skipIf(!kernels)('native kernel paths', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('lists the paths this CPU runs, fastest first, the default among them', () => {
    expect(kernels!.supported.at(-1)).toBe('native-portable');
    expect(kernels!.supported).toContain(kernels!.kernel);
  });

  it.each(paths)('%s: nearest neighbours equal a float64 brute force', async (path) => {
    for (const threads of [1, 2]) {
      const search = createNativeNeighbourSearch({ threads, kernel: path })!;
      expect(search.name).toBe(`${path}-exact`);
      // [n, m, d, grid levels, chunkSize, queryChunk, ks]: ties on a coarse grid; 250 queries (more
      // than one 192-row query block); depth 600 (two full passes and a ragged one); CIFAR rows
      const cases = [
        [1003, 61, 7, 4, 333, 61, [3, 20]],
        [2003, 250, 37, 0, 2003, 250, [5]],
        [517, 29, 600, 255, 517, 29, [1, 7]],
        [301, 23, 3072, 255, 150, 23, [5]],
      ] as const;
      for (const [n, m, d, levels, chunkSize, queryChunk, ks] of cases) {
        const { ref, queries } = fixture(n, m, d, n + d + threads, levels);
        const set = search.createReference(ref, n, d, { chunkSize });
        try {
          for (const k of ks) {
            const got = await search.nearest(queries, m, set, k, { queryChunk });
            const want = bruteForce(queries, m, ref, n, d, k);
            expect(got.kernel).toBe(path);
            expect(Array.from(got.indices), `${path} threads=${threads} n=${n} d=${d} k=${k}`).toEqual(want.indices);
            expect(Array.from(got.distances), `${path} threads=${threads} n=${n} d=${d} k=${k}`).toEqual(want.distances);
          }
        } finally {
          set.dispose();
        }
      }
    }
  });

  it.each(paths)('%s: products q.y match float64 dot products', async (path) => {
    // 3 reference and 5 query slivers, depth 300: single and paired tiles, a ragged depth pass
    const n = 45, m = 29, d = 300;
    const y = randomRows(n, d, 5);
    const q = randomRows(m, d, 6);
    const norms = new Float64Array(n);
    const ref = kernels!.packReference(y, n, d, norms);
    const packed = kernels!.packQueries(q, m, d);
    try {
      for (const [start, count] of [[0, n], [7, 33]] as const) {
        const out = new Float32Array(m * count);
        await kernels!.productsBlock(ref, packed, start, count, out, { threads: 2, portable: false, kernel: path });
        for (let r = 0; r < m; r++) {
          for (let c = 0; c < count; c++) {
            let s = 0;
            for (let k = 0; k < d; k++) s += q[r * d + k]! * y[(start + c) * d + k]!;
            expect(Math.abs(out[r * count + c]! - s), `${path} row ${r} col ${c}`).toBeLessThan(1e-5 * s);
          }
        }
      }
    } finally {
      kernels!.free(ref);
      kernels!.free(packed);
    }
  });

  it.each(paths)('%s: the denoiser matches a float64 softmax', (path) => {
    // B = 13 rows (3 query slivers), D = 37 (3 column slivers), N = 300 (a full and a partial block)
    const n = 300, d = 37, B = 13, m = 0.8;
    const y = randomRows(n, d, 11);
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] = mean[k]! + y[i * d + k]! / n;
    const norms = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) norms[i] = norms[i]! + (y[i * d + k]! - mean[k]!) ** 2;
    const x = randomRows(B, d, 12);
    const ref = kernels!.packReference(y, n, d, norms, mean);
    try {
      // s2 large: dense weights (the packed weighted sum); small: a few rows each (row updates)
      for (const s2 of [4, 0.05]) {
        const out = new Float32Array(B * d);
        kernels!.denoise!(ref, y, x, B, m, s2, out, undefined, { threads: 2, portable: false, kernel: path });
        expect(relErr(out, bruteDenoise(y, n, d, x, B, m, s2).out), `${path} s2=${s2}`).toBeLessThan(1e-5);
      }
    } finally {
      kernels!.free(ref);
    }
  });

  it('SCORESCOPE_NATIVE_KERNEL picks the default path; one the CPU lacks falls back with a reason', async () => {
    for (const path of paths) {
      vi.stubEnv('SCORESCOPE_NATIVE_KERNEL', path.replace('native-', ''));
      vi.resetModules();
      const fresh = await import('../../electron/science/native/kernels');
      expect(fresh.nativeKernelInfo().kernel).toBe(path);
      expect(fresh.loadNativeKernels()!.kernelFor(false)).toBe(path);
    }
    vi.stubEnv('SCORESCOPE_NATIVE_KERNEL', 'no-such-kernel');
    vi.resetModules();
    const fresh = await import('../../electron/science/native/kernels');
    expect(fresh.nativeKernelInfo().kernel).toBe(kernels!.supported[0]);
    expect(fresh.nativeKernelInfo().why).toMatch(/SCORESCOPE_NATIVE_KERNEL=no-such-kernel/);
  });

  it('refuses a path this CPU does not run', () => {
    for (const path of missing) expect(() => kernels!.kernelFor(false, path)).toThrow(/does not run/);
    if (missing.length === 0) console.log('every kernel path runs here: the refusal is checked on CPUs without AVX-512');
  });
});
