/**
 * Exact k-NN (docs/math.md §5) against a plain float64 brute force: same indices (ties by the lower
 * index) and the same distances, on data with duplicated rows and exact ties, chunk sizes that
 * do not divide N, and without leaking tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { createNoise } from '../../electron/science/noise';
import { bruteForce, copyRow, expectProgressAndCancellation, expectRescanOnWideTies, randomRows } from './fixtures/neighbour-references';
import {
  ballMembership,
  createReferenceSet,
  expansionTolerance,
  nearestNeighbours,
  pixelRowsToUnit,
  pixelsToUnit,
  selfNeighbours,
  tfjsNeighbourSearch,
} from '../../electron/science/neighbours';

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useTestBackend();
});

describe('nearestNeighbours', () => {
  it('equals brute force on random data with duplicated rows; chunks that do not divide N', async () => {
    const n = 157, d = 37, m = 23, k = 6;
    const ref = randomRows(n, d, 1);
    copyRow(ref, 3, ref, 90, d); // duplicate rows: exact ties at any query
    copyRow(ref, 3, ref, 140, d);
    copyRow(ref, 50, ref, 51, d);
    const queries = randomRows(m, d, 2);
    copyRow(ref, 3, queries, 0, d); // exact copy of a triplicated row
    copyRow(ref, 51, queries, 5, d);
    copyRow(ref, 156, queries, 22, d); // last row, in the ragged last chunk
    const start = tf.memory().numTensors;
    for (const [chunkSize, queryChunk] of [[16, 7], [157, 23], [1000, 1], [50, 5]] as const) {
      const set = createReferenceSet(ref, n, d, { chunkSize });
      const got = await nearestNeighbours(queries, m, set, k, { queryChunk });
      set.dispose();
      const want = bruteForce(queries, m, ref, n, d, k);
      expect(Array.from(got.indices)).toEqual(want.indices);
      expect(Array.from(got.distances)).toEqual(want.distances);
      expect(got.exactFallbacks).toBe(0); // the float32 candidate lists were provably complete
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it('rescans exactly when more rows tie with the k-th than the candidate list holds', async () => {
    await expectRescanOnWideTies(createReferenceSet);
  });

  it('breaks exact ties by the lower index (grid data, exact arithmetic)', async () => {
    // values in {0, 0.25, ..., 1}: every distance is exact, so many are exactly equal
    const n = 200, d = 8, m = 30, k = 7;
    const rng = createNoise(3, 0);
    const grid = (count: number) => Float32Array.from(rng.uniformInt(5, count), (v) => v / 4);
    const ref = grid(n * d);
    const queries = grid(m * d);
    const set = createReferenceSet(ref, n, d, { chunkSize: 33 });
    const got = await nearestNeighbours(queries, m, set, k, { queryChunk: 8 });
    set.dispose();
    const want = bruteForce(queries, m, ref, n, d, k);
    expect(Array.from(got.indices)).toEqual(want.indices);
    expect(Array.from(got.distances)).toEqual(want.distances);
    // there really were ties to break
    let ties = 0;
    for (let i = 0; i < m * k - 1; i++) if ((i + 1) % k !== 0 && got.distances[i] === got.distances[i + 1]) ties++;
    expect(ties).toBeGreaterThan(10);
  });

  it('finds exact copies of CIFAR-sized rows at distance 0 with the right index', async () => {
    const n = 300, d = 3072, m = 12;
    const rng = createNoise(4, 0);
    const pixels = Uint8Array.from(rng.uniformInt(256, n * d));
    const ref = pixelsToUnit(pixels, n, d, 64);
    copyRow(ref, 7, ref, 250, d); // a training duplicate: lower index wins
    const rows = [0, 7, 42, 299, 123, 250, 1, 2, 3, 4, 5, 6];
    const queries = new Float32Array(m * d);
    rows.forEach((r, i) => copyRow(ref, r, queries, i, d));
    const set = createReferenceSet(ref, n, d, { chunkSize: 128 });
    const got = await tfjsNeighbourSearch.nearest(queries, m, set, 3, { queryChunk: 5 });
    set.dispose();
    rows.forEach((r, i) => {
      expect(got.distances[i * 3]).toBe(0);
      expect(got.indices[i * 3]).toBe(r === 250 ? 7 : r);
      expect(got.distances[i * 3 + 1]).toBeGreaterThan(r === 7 || r === 250 ? -1 : 1);
    });
    expect(got.indices[5 * 3 + 1]).toBe(250); // the duplicate's second neighbour is itself, at 0
    expect(got.distances[5 * 3 + 1]).toBe(0);
    const want = bruteForce(queries, m, ref, n, d, 3);
    expect(Array.from(got.indices)).toEqual(want.indices);
    expect(Array.from(got.distances)).toEqual(want.distances);
  });

  it('reports progress, stops on cancellation and leaks nothing', async () => {
    const n = 100, d = 10, m = 40;
    const ref = randomRows(n, d, 5);
    const start = tf.memory().numTensors;
    const set = createReferenceSet(ref, n, d, { chunkSize: 10 });
    await expectProgressAndCancellation(set, ref, m, d);
    set.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('says what is wrong with bad shapes and arguments', async () => {
    expect(() => createReferenceSet(new Float32Array(10), 3, 4)).toThrow(/expected 3 rows x 4 values = 12, found 10/);
    const set = createReferenceSet(new Float32Array(12), 3, 4);
    await expect(nearestNeighbours(new Float32Array(7), 2, set, 1)).rejects.toThrow(/expected 2 queries x 4 values = 8, found 7/);
    await expect(nearestNeighbours(new Float32Array(8), 2, set, 4)).rejects.toThrow(/k must be an integer in 1..3/);
    await expect(selfNeighbours(set, 3)).rejects.toThrow(/k must be an integer in 1..2/);
    set.dispose();
    await expect(nearestNeighbours(new Float32Array(8), 2, set, 1)).rejects.toThrow(/disposed/);
  });
});

describe('selfNeighbours', () => {
  it('equals brute force without the row itself, for all rows and for chosen rows', async () => {
    const n = 90, d = 13, k = 4;
    const ref = randomRows(n, d, 6);
    copyRow(ref, 10, ref, 11, d); // a duplicate is another row: found at distance 0
    const set = createReferenceSet(ref, n, d, { chunkSize: 17 });
    const all = await selfNeighbours(set, k, { queryChunk: 25 });
    const want = bruteForce(ref, n, ref, n, d, k, Array.from({ length: n }, (_, i) => i));
    expect(Array.from(all.indices)).toEqual(want.indices);
    expect(Array.from(all.distances)).toEqual(want.distances);
    expect(all.indices[10 * k]).toBe(11);
    expect(all.distances[10 * k]).toBe(0);
    const rows = [11, 0, 89, 10];
    const some = await selfNeighbours(set, k, { rows });
    set.dispose();
    const queries = new Float32Array(rows.length * d);
    rows.forEach((r, i) => copyRow(ref, r, queries, i, d));
    const wantSome = bruteForce(queries, rows.length, ref, n, d, k, rows);
    expect(Array.from(some.indices)).toEqual(wantSome.indices);
    expect(Array.from(some.distances)).toEqual(wantSome.distances);
  });
});

describe('ballMembership', () => {
  it('matches brute force both ways, with the k-th neighbour on the boundary counted inside', async () => {
    const m = 37, n = 61, d = 9;
    const queries = randomRows(m, d, 7);
    const ref = randomRows(n, d, 8);
    const rng = createNoise(9, 0);
    const queryRadii = Float32Array.from({ length: m }, () => 0.3 + 0.5 * rng.uniform());
    const refRadii = Float32Array.from({ length: n }, () => 0.3 + 0.5 * rng.uniform());
    // put one pair exactly on a boundary, in float32 terms
    const exact = (a: Float32Array, i: number, b: Float32Array, j: number) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += (a[i * d + c]! - b[j * d + c]!) ** 2;
      return Math.fround(Math.sqrt(s));
    };
    refRadii[4] = exact(queries, 2, ref, 4);
    queryRadii[6] = exact(queries, 6, ref, 9);
    const start = tf.memory().numTensors;
    const set = createReferenceSet(ref, n, d, { chunkSize: 16 });
    const got = await ballMembership(queries, m, queryRadii, set, refRadii, { queryChunk: 10 });
    set.dispose();
    expect(tf.memory().numTensors).toBe(start);
    const wantQ = Array.from({ length: m }, (_, i) => (Array.from({ length: n }, (_, j) => exact(queries, i, ref, j) <= refRadii[j]!).some(Boolean) ? 1 : 0));
    const wantR = Array.from({ length: n }, (_, j) => (Array.from({ length: m }, (_, i) => exact(queries, i, ref, j) <= queryRadii[i]!).some(Boolean) ? 1 : 0));
    expect(Array.from(got.queryInRef)).toEqual(wantQ);
    expect(Array.from(got.refInQuery)).toEqual(wantR);
    expect(wantQ.some((v) => v === 0) && wantQ.some((v) => v === 1)).toBe(true);
  });

  it('the float32 expansion error on CIFAR-sized rows stays far inside the tolerance band', () => {
    const m = 20, n = 200, d = 3072;
    const rng = createNoise(10, 0);
    const q = pixelsToUnit(Uint8Array.from(rng.uniformInt(256, m * d)), m, d);
    const y = pixelsToUnit(Uint8Array.from(rng.uniformInt(256, n * d)), n, d);
    const products = tf.tidy(() => tf.matMul(tf.tensor2d(q, [m, d]), tf.tensor2d(y, [n, d]), false, true).dataSync());
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let qn = 0, yn = 0, s = 0;
        for (let c = 0; c < d; c++) {
          qn += q[i * d + c]! ** 2;
          yn += y[j * d + c]! ** 2;
          s += (q[i * d + c]! - y[j * d + c]!) ** 2;
        }
        worst = Math.max(worst, Math.abs(qn + yn - 2 * products[i * n + j]! - s) / (qn + yn));
      }
    }
    expect(worst).toBeLessThan(expansionTolerance / 8);
  });
});

describe('pixel scaling', () => {
  it('maps bytes v to v / 255 as float32, whole or by rows', () => {
    const px = Uint8Array.from([0, 1, 128, 254, 255, 17]);
    const all = pixelsToUnit(px, 3, 2, 2);
    expect(Array.from(all)).toEqual(Array.from(px, (v) => Math.fround(v / 255)));
    expect(Array.from(pixelRowsToUnit(px, 2, 1, 2))).toEqual(Array.from(all.subarray(2, 6)));
    expect(() => pixelsToUnit(px, 4, 2)).toThrow(/expected 4 x 2 = 8 pixels, found 6/);
  });
});
