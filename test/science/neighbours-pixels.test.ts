/**
 * Reference sets held as uint8 pixels (UnitRows): every search reads a byte v as fround(v / 255),
 * so nearest, self and ball-membership results must equal a float64 brute force over rows
 * converted here, independently, and equal the results of the float32 form, on tfjs and on the
 * native kernels. Pixel data has exact duplicates, so ties by the lower index are exercised too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { createNoise } from '../../electron/science/noise';
import { loadNativeKernels } from '../../electron/science/native/kernels';
import {
  createNativeNeighbourSearch,
  gatherUnitRows,
  pixelsToUnit,
  squaredDistancesToRows,
  squaredNorms,
  takeRows,
  tfjsNeighbourSearch,
  type NeighbourSearch,
} from '../../electron/science/neighbours';
import { bruteForce } from './fixtures/neighbour-references';
import { pixelLevels } from '../helpers/seeded';

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useTestBackend();
});


function pixelRows(n: number, d: number, seed: number): Uint8Array {
  const rng = createNoise(seed, 0);
  const out = Uint8Array.from(rng.uniformInt(256, n * d));
  out.copyWithin(7 * d, 3 * d, 4 * d); // rows 3 and 7 equal: exact ties
  out.copyWithin(40 * d, 3 * d, 4 * d);
  return out;
}

const searches: [string, NeighbourSearch | undefined][] = [
  ['tfjs', tfjsNeighbourSearch],
  ['native', loadNativeKernels() ? createNativeNeighbourSearch() : undefined],
];

describe.each(searches)('uint8 reference sets on %s', (_name, search) => {
  const run = search ? it : it.skip;
  const n = 203, d = 3 * 7 * 7, m = 19, k = 5;
  const pixels = pixelRows(n, d, 41);
  const unit = pixelLevels(pixels);
  const queryPixels = pixelRows(m, d, 42);
  queryPixels.set(pixels.subarray(3 * d, 4 * d), 2 * d); // a copy of the triplicated row
  const queries = pixelLevels(queryPixels);

  run('nearest and self equal a float64 brute force over the converted rows', async () => {
    const start = tf.memory().numTensors;
    const set = search!.createReference(pixels, n, d, { chunkSize: 64 });
    const float = search!.createReference(unit, n, d, { chunkSize: 64 });
    try {
      const got = await search!.nearest(queries, m, set, k, { queryChunk: 8 });
      const want = bruteForce(queries, m, unit, n, d, k);
      expect(Array.from(got.indices)).toEqual(want.indices);
      expect(Array.from(got.distances)).toEqual(want.distances);
      expect(got.distances[2 * k]).toBe(0);
      const same = await search!.nearest(queries, m, float, k, { queryChunk: 8 });
      expect(got.indices).toEqual(same.indices);
      expect(got.distances).toEqual(same.distances);

      const rows = [0, 3, 7, 40, 202];
      const self = await search!.self(set, 3, { rows });
      const wantSelf = bruteForce(pixelLevels(takeRows(pixels, d, rows)), rows.length, unit, n, d, 3, rows);
      expect(Array.from(self.indices)).toEqual(wantSelf.indices);
      expect(Array.from(self.distances)).toEqual(wantSelf.distances);
    } finally {
      set.dispose();
      float.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  run('ball membership is the same for the uint8 and the float32 form', async () => {
    const set = search!.createReference(pixels, n, d);
    const float = search!.createReference(unit, n, d);
    try {
      const radii = Float32Array.from({ length: n }, (_, i) => 4.0 + 0.1 * (i % 5)); // nearest distances here are 4.1 to 4.5
      const queryRadii = Float32Array.from({ length: m }, (_, i) => 4.1 + 0.15 * (i % 3));
      const a = await search!.ballMembership(queries, m, queryRadii, set, radii);
      const b = await search!.ballMembership(queries, m, queryRadii, float, radii);
      expect(a.queryInRef).toEqual(b.queryInRef);
      expect(a.refInQuery).toEqual(b.refInQuery);
      expect(a.queryInRef.some((v) => v === 1) && a.queryInRef.some((v) => v === 0)).toBe(true);
      expect(a.refInQuery.some((v) => v === 1) && a.refInQuery.some((v) => v === 0)).toBe(true);
    } finally {
      set.dispose();
      float.dispose();
    }
  });
});

describe('uint8 rows helpers', () => {
  it('squared norms and gathered rows of pixels equal those of the converted float32 rows', () => {
    const n = 11, d = 3072;
    const pixels = pixelRows(n, d, 43);
    const unit = pixelLevels(pixels);
    const want = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += unit[i * d + j]! * unit[i * d + j]!;
      return s;
    });
    expect(Array.from(squaredNorms(pixels, n, d))).toEqual(want);
    // the JS loops too (the native kernels answer above when loaded)
    expect(Array.from(squaredNorms(pixels, n, d, { native: false }))).toEqual(want);
    expect(Array.from(squaredNorms(unit, n, d, { native: false }))).toEqual(want);
    expect(gatherUnitRows(pixels, d, [4, 0, 4])).toEqual(Float32Array.from([...unit.subarray(4 * d, 5 * d), ...unit.subarray(0, d), ...unit.subarray(4 * d, 5 * d)]));
    expect(takeRows(pixels, d, [9])).toEqual(pixels.slice(9 * d, 10 * d));
    expect(pixelsToUnit(pixels, n, d)).toEqual(unit);
  });

  it('the re-rank distances (native when loaded) equal a float64 loop over the converted rows, bit for bit', () => {
    const n = 40, d = 3072, m = 3;
    const pixels = pixelRows(n, d, 44);
    const unit = pixelLevels(pixels);
    const queries = pixelLevels(pixelRows(m, d, 45));
    queries[5] = 0.123456789; // not a pixel level
    const rows = Int32Array.from([39, 0, 7, 3, 3, 17, 22, 1, 2, 5, 6, 8, 9, 10, 11, 12, 13, 30]);
    for (const ref of [pixels, unit]) {
      for (let q = 0; q < m; q++) {
        const got = new Float64Array(rows.length);
        squaredDistancesToRows(queries, q, ref, rows, d, got);
        const want = Array.from(rows, (r) => {
          let s = 0;
          for (let j = 0; j < d; j++) {
            const t = queries[q * d + j]! - unit[r * d + j]!;
            s += t * t;
          }
          return s;
        });
        expect(Array.from(got)).toEqual(want);
      }
    }
  });
});
