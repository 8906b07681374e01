/** Exact distances in float64 from the raw float32 rows: the final word on ranking and ties. */

/**
 * Bound on |float32 expansion ||q||^2 + ||y||^2 - 2 q.y  -  exact ||q - y||^2| relative to
 * ||q||^2 + ||y||^2. Measured worst case on CIFAR-sized rows (D = 3072) is about 4e-7 (see
 * test/science/neighbours.test.ts); this leaves a margin of more than 100x.
 */
export const expansionTolerance = 2 ** -14;

/** sum_j (a_j - b_j)^2 over rows a = A[ai], b = B[bi] of d values, accumulated in float64. */
export function squaredDistance(a: Float32Array, ai: number, b: Float32Array, bi: number, d: number): number {
  let s = 0;
  const ao = ai * d;
  const bo = bi * d;
  for (let j = 0; j < d; j++) {
    const t = a[ao + j]! - b[bo + j]!;
    s += t * t;
  }
  return s;
}

/** ||row||^2 of every row of [n, d] data, in float64. */
export function squaredNorms(data: Float32Array, n: number, d: number): Float64Array {
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
