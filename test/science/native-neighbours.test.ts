/**
 * The native k-NN kernels (native/, electron/science/native/kernels.ts) against a plain float64
 * brute force: identical indices (ties by the lower index) and distances, on data with duplicated
 * rows and exact ties, ragged tiles (M, N not multiples of 6 / 16, D not a multiple of 8), chunk
 * sizes that do not divide N, k up to 50, several threads, and the portable micro-kernel.
 * Skipped when the addon is not built (npm run build:native); CI builds it in `prepare`.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { createNoise } from '../../electron/science/noise';
import { bruteForce, copyRow, expectProgressAndCancellation, expectRescanOnWideTies, randomRows } from './fixtures/neighbour-references';
import { addonCandidates, loadNativeKernels, nativeKernelInfo } from '../../electron/science/native/kernels';
import {
  ballMembership,
  createNativeNeighbourSearch,
  createReferenceSet,
  expansionTolerance,
  nearestNeighbours,
  pixelsToUnit,
  selfNeighbours,
  squaredNorms,
  neighbourSearch,
  tfjsNeighbourSearch,
  type NeighbourSearch,
} from '../../electron/science/neighbours';

const kernels = loadNativeKernels();
const built = kernels !== undefined;

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useTestBackend();
});

/** Reference and queries with duplicated rows and queries that copy reference rows. */
function fixture(n: number, m: number, d: number, seed: number, levels: number) {
  const ref = randomRows(n, d, seed, levels);
  copyRow(ref, 3, ref, n - 1, d); // the duplicate sits in the last (ragged) tile and chunk
  copyRow(ref, 3, ref, Math.floor(n / 2), d);
  copyRow(ref, 17, ref, 18, d);
  const queries = randomRows(m, d, seed + 1, levels);
  copyRow(ref, 3, queries, 0, d);
  copyRow(ref, 18, queries, m - 1, d);
  copyRow(ref, n - 2, queries, 1, d);
  return { ref, queries };
}

function searchFor(options: { threads: number; portable: boolean }): NeighbourSearch {
  const search = createNativeNeighbourSearch(options);
  if (!search) throw new Error(`native kernels unavailable: ${nativeKernelInfo().why}`);
  return search;
}

const variants = [
  { threads: 1, portable: false },
  { threads: 3, portable: false },
  { threads: 2, portable: true },
];

describe.skipIf(!built)('native nearest neighbours', () => {
  it('reports which kernel it runs', () => {
    const info = nativeKernelInfo();
    expect(info.available).toBe(true);
    expect(['native-avx512', 'native-avx2', 'native-portable']).toContain(info.kernel);
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  it.each(variants)('equals brute force with duplicates, exact ties, ragged tiles and chunks (threads $threads, portable $portable)', async (variant) => {
    const search = searchFor(variant);
    // [n, m, d, grid levels, chunkSize, queryChunk, ks]: D = 2 and 7 on coarse grids (many exact
    // ties), D = 37 with chunks large enough to run in parallel, D = 3072 (CIFAR rows)
    const cases = [
      [999, 50, 2, 4, 250, 17, [1, 7, 50]],
      [1003, 61, 7, 4, 333, 25, [3, 50]],
      [2003, 131, 37, 0, 2003, 64, [5, 50]],
      [301, 23, 3072, 255, 150, 23, [1, 13]],
    ] as const;
    for (const [n, m, d, levels, chunkSize, queryChunk, ks] of cases) {
      const { ref, queries } = fixture(n, m, d, n + d, levels);
      const set = search.createReference(ref, n, d, { chunkSize });
      try {
        for (const k of ks) {
          const got = await search.nearest(queries, m, set, k, { queryChunk });
          const want = bruteForce(queries, m, ref, n, d, k);
          expect(Array.from(got.indices), `n=${n} d=${d} k=${k}`).toEqual(want.indices);
          expect(Array.from(got.distances), `n=${n} d=${d} k=${k}`).toEqual(want.distances);
          expect(got.kernel).toBe(variant.portable ? 'native-portable' : kernels!.kernel);
        }
      } finally {
        set.dispose();
      }
    }
  });

  it.each(variants)('self search equals brute force without the row itself (threads $threads, portable $portable)', async (variant) => {
    const search = searchFor(variant);
    const n = 1201, d = 19, k = 9;
    const { ref } = fixture(n, 2, d, 21, 3);
    const set = search.createReference(ref, n, d, { chunkSize: 1000 });
    try {
      const all = await search.self(set, k, { queryChunk: 500 });
      const want = bruteForce(ref, n, ref, n, d, k, Array.from({ length: n }, (_, i) => i));
      expect(Array.from(all.indices)).toEqual(want.indices);
      expect(Array.from(all.distances)).toEqual(want.distances);
      const chosen = [n - 1, 0, 3, 18, 17, 600];
      const some = await search.self(set, k, { rows: chosen });
      const queries = new Float32Array(chosen.length * d);
      chosen.forEach((r, i) => copyRow(ref, r, queries, i, d));
      const wantSome = bruteForce(queries, chosen.length, ref, n, d, k, chosen);
      expect(Array.from(some.indices)).toEqual(wantSome.indices);
      expect(Array.from(some.distances)).toEqual(wantSome.distances);
    } finally {
      set.dispose();
    }
  });

  it('rescans exactly when more rows tie with the k-th than the candidate list holds', async () => {
    await expectRescanOnWideTies((ref, n, d, opts) => searchFor({ threads: 2, portable: false }).createReference(ref, n, d, opts));
  });

  it('ball membership matches brute force both ways', async () => {
    const m = 37, n = 161, d = 9;
    const queries = randomRows(m, d, 7);
    const ref = randomRows(n, d, 8);
    const rng = createNoise(9, 0);
    const queryRadii = Float32Array.from({ length: m }, () => 0.3 + 0.5 * rng.uniform());
    const refRadii = Float32Array.from({ length: n }, () => 0.3 + 0.5 * rng.uniform());
    const exact = (i: number, j: number) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += (queries[i * d + c]! - ref[j * d + c]!) ** 2;
      return Math.fround(Math.sqrt(s));
    };
    refRadii[4] = exact(2, 4); // exactly on a boundary, in float32 terms
    queryRadii[6] = exact(6, 9);
    const wantQ = Array.from({ length: m }, (_, i) => (Array.from({ length: n }, (_, j) => exact(i, j) <= refRadii[j]!).some(Boolean) ? 1 : 0));
    const wantR = Array.from({ length: n }, (_, j) => (Array.from({ length: m }, (_, i) => exact(i, j) <= queryRadii[i]!).some(Boolean) ? 1 : 0));
    for (const variant of variants) {
      const set = searchFor(variant).createReference(ref, n, d, { chunkSize: 50 });
      const got = await ballMembership(queries, m, queryRadii, set, refRadii, { queryChunk: 10 });
      set.dispose();
      expect(Array.from(got.queryInRef)).toEqual(wantQ);
      expect(Array.from(got.refInQuery)).toEqual(wantR);
    }
    expect(wantQ.some((v) => v === 0) && wantQ.some((v) => v === 1)).toBe(true);
  });

  it('keeps the float32 expansion error on CIFAR-sized rows far inside the tolerance band', async () => {
    const m = 13, n = 70, d = 3072;
    const rng = createNoise(10, 0);
    const q = pixelsToUnit(Uint8Array.from(rng.uniformInt(256, m * d)), m, d);
    const y = pixelsToUnit(Uint8Array.from(rng.uniformInt(256, n * d)), n, d);
    const qn = squaredNorms(q, m, d);
    const yn = squaredNorms(y, n, d);
    const ref = kernels!.packReference(y, n, d, yn);
    const packed = kernels!.packQueries(q, m, d);
    try {
      for (const portable of [false, true]) {
        const products = new Float32Array(m * n);
        await kernels!.productsBlock(ref, packed, 0, n, products, { threads: 2, portable });
        let worst = 0;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let c = 0; c < d; c++) s += (q[i * d + c]! - y[j * d + c]!) ** 2;
            worst = Math.max(worst, Math.abs(qn[i]! + yn[j]! - 2 * products[i * n + j]! - s) / (qn[i]! + yn[j]!));
          }
        }
        expect(worst).toBeLessThan(expansionTolerance / 8);
      }
    } finally {
      kernels!.free(ref);
      kernels!.free(packed);
    }
  });

  it('is what createReferenceSet picks, holds no tensors, and mixes with tfjs reference sets', async () => {
    const n = 200, d = 11, m = 30, k = 4;
    const { ref, queries } = fixture(n, m, d, 31, 0);
    const start = tf.memory().numTensors;
    const set = createReferenceSet(ref, n, d);
    expect(set.kernel).toBe(kernels!.kernel);
    expect(tf.memory().numTensors).toBe(start); // no tfjs copy of the reference
    const viaTfjsSearch = await tfjsNeighbourSearch.nearest(queries, m, set, k);
    const tfjsSet = tfjsNeighbourSearch.createReference(ref, n, d, { chunkSize: 64 });
    const onTfjs = await nearestNeighbours(queries, m, tfjsSet, k);
    const selfOnTfjs = await selfNeighbours(tfjsSet, k);
    const radii = Float32Array.from({ length: Math.max(m, n) }, (_, i) => 0.8 + 0.01 * (i % 7));
    const ballsOnTfjs = await ballMembership(queries, m, radii.subarray(0, m), tfjsSet, radii.subarray(0, n));
    tfjsSet.dispose();
    expect(onTfjs.kernel).toBe('tfjs');
    expect(viaTfjsSearch.kernel).toBe(kernels!.kernel);
    const want = bruteForce(queries, m, ref, n, d, k);
    expect(Array.from(onTfjs.indices)).toEqual(want.indices);
    expect(Array.from(viaTfjsSearch.indices)).toEqual(want.indices);
    expect(Array.from(viaTfjsSearch.distances)).toEqual(Array.from(onTfjs.distances));
    const self = await tfjsNeighbourSearch.self(set, k);
    const wantSelf = bruteForce(ref, n, ref, n, d, k, Array.from({ length: n }, (_, i) => i));
    expect(Array.from(self.indices)).toEqual(wantSelf.indices);
    expect(Array.from(selfOnTfjs.indices)).toEqual(wantSelf.indices);
    const balls = await ballMembership(queries, m, radii.subarray(0, m), set, radii.subarray(0, n));
    expect(Array.from(balls.queryInRef)).toEqual(Array.from(ballsOnTfjs.queryInRef));
    expect(Array.from(balls.refInQuery)).toEqual(Array.from(ballsOnTfjs.refInQuery));
    set.dispose();
    await expect(nearestNeighbours(queries, m, set, k)).rejects.toThrow(/disposed/);
    await expect(selfNeighbours(set, k)).rejects.toThrow(/disposed/);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('reports progress per reference chunk, stops on cancellation, says what is wrong', async () => {
    const n = 100, d = 10, m = 40;
    const ref = randomRows(n, d, 5);
    const set = createReferenceSet(ref, n, d, { chunkSize: 10 });
    await expectProgressAndCancellation(set, ref, m, d);
    await expect(nearestNeighbours(new Float32Array(7), 2, set, 1)).rejects.toThrow(/expected 2 queries x 10 values = 20, found 7/);
    await expect(nearestNeighbours(new Float32Array(20), 2, set, 101)).rejects.toThrow(/k must be an integer in 1..100/);
    await expect(nearestNeighbours(new Float32Array(20), 2, set, 1, { queryChunk: 0 })).rejects.toThrow(/queryChunk must be a positive integer/);
    set.dispose();
    expect(() => createReferenceSet(new Float32Array(10), 3, 4)).toThrow(/expected 3 rows x 4 values = 12, found 10/);
    expect(() => createNativeNeighbourSearch({ threads: 0 })!.createReference(ref, n, d)).toThrow(/threads must be a positive integer/);
  });

  it('loads and runs inside worker threads, giving the main thread result', async () => {
    const file = addonCandidates().find((c) => existsSync(c))!;
    const n = 500, m = 20, d = 33, pool = 6;
    const { ref, queries } = fixture(n, m, d, 41, 0);
    const norms = squaredNorms(ref, n, d);
    const lists = { pool, scores: new Float64Array(m * pool), indices: new Int32Array(m * pool), counts: new Int32Array(m) };
    const packedRef = kernels!.packReference(ref, n, d, norms);
    const packedQueries = kernels!.packQueries(queries, m, d);
    await kernels!.nearestBlock(packedRef, packedQueries, 0, n, lists, undefined, { threads: 2, portable: false });
    kernels!.free(packedRef);
    kernels!.free(packedQueries);
    const source = `
      const { parentPort, workerData: w } = require('node:worker_threads');
      const addon = require(w.file);
      const ref = addon.packReference(w.ref, w.n, w.d, w.norms);
      const queries = addon.packQueries(w.queries, w.m, w.d);
      const indices = new Int32Array(w.m * w.pool);
      addon.nearestBlock(ref, queries, 0, w.n, w.pool, new Float64Array(w.m * w.pool), indices, new Int32Array(w.m), null, 2, false)
        .then(() => { addon.free(ref); addon.free(queries); parentPort.postMessage(Array.from(indices)); });
    `;
    const run = () =>
      new Promise<number[]>((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { file, ref, queries, norms, n, m, d, pool } });
        worker.once('message', (v: number[]) => {
          resolve(v);
          void worker.terminate();
        });
        worker.once('error', reject);
      });
    const [a, b] = await Promise.all([run(), run()]); // two workers at once: context-aware
    expect(a).toEqual(Array.from(lists.indices));
    expect(b).toEqual(Array.from(lists.indices));
  });
});
