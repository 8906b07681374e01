/** Exact distances in float64 from the raw rows: the final word on ranking and ties. */
import { loadNativeKernels } from '../native/kernels';
import { unitLevels } from './scale';
import type { UnitRows } from './types';

/**
 * Bound on |float32 expansion ||q||^2 + ||y||^2 - 2 q.y  -  exact ||q - y||^2| relative to
 * ||q||^2 + ||y||^2. Measured worst case on CIFAR-sized rows (D = 3072) is about 4e-7 (see
 * test/science/neighbours.test.ts); this leaves a margin of more than 100x.
 */
export const expansionTolerance = 2 ** -14;

/**
 * sum_j (a_j - b_j)^2 over rows a = A[ai], b = B[bi] of d values, accumulated in float64; a uint8
 * B is read through unitLevels, so the value is the one its float32 form gives.
 */
export function squaredDistance(a: Float32Array, ai: number, b: UnitRows, bi: number, d: number): number {
  if (b instanceof Uint8Array) return squaredDistanceToPixels(a, ai, b, bi, d);
  let s = 0;
  const ao = ai * d;
  const bo = bi * d;
  for (let j = 0; j < d; j++) {
    const t = a[ao + j]! - b[bo + j]!;
    s += t * t;
  }
  return s;
}

let queryRow = new Float64Array(0);

/**
 * out[c] = squaredDistance(queries, q, ref, rows[c], d) for every c < rows.length. On the native
 * kernels when loaded (centreDistances with the query as the one centre: (y - q)^2 = (q - y)^2
 * exactly, summed in the same order, so the values are bit-identical); JS row loops otherwise.
 */
export function squaredDistancesToRows(queries: Float32Array, q: number, ref: UnitRows, rows: Int32Array, d: number, out: Float64Array): void {
  const native = loadNativeKernels()?.centreDistances;
  if (!native) {
    for (let c = 0; c < rows.length; c++) out[c] = squaredDistance(queries, q, ref, rows[c]!, d);
    return;
  }
  if (queryRow.length !== d) queryRow = new Float64Array(d);
  queryRow.set(queries.subarray(q * d, (q + 1) * d));
  native(ref, d, rows, queryRow, 1, out, { threads: 1, portable: false });
}

function squaredDistanceToPixels(a: Float32Array, ai: number, b: Uint8Array, bi: number, d: number): number {
  let s = 0;
  const ao = ai * d;
  const bo = bi * d;
  for (let j = 0; j < d; j++) {
    const t = a[ao + j]! - unitLevels[b[bo + j]!]!;
    s += t * t;
  }
  return s;
}

/**
 * ||row||^2 of every row of [n, d] data, in float64 (uint8 rows through unitLevels), each row summed
 * in order; on the native kernels when loaded (the same sums: bit-identical), unless
 * `opts.native` is false (tests of the JS loops).
 */
export function squaredNorms(data: UnitRows, n: number, d: number, opts: { native?: boolean } = {}): Float64Array {
  const native = opts.native === false ? undefined : loadNativeKernels()?.squaredNorms;
  if (native) {
    const out = new Float64Array(n);
    native(data, n, d, out);
    return out;
  }
  if (data instanceof Uint8Array) return pixelSquaredNorms(data, n, d);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = data[o + j]!;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** The float64 square of each float32 level (exact: 24-bit mantissas), summed in row order. */
const levelSquares = Float64Array.from(unitLevels, (v) => v * v);

function pixelSquaredNorms(data: Uint8Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += levelSquares[data[o + j]!]!;
    out[i] = s;
  }
  return out;
}
