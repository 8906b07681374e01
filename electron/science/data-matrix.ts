/**
 * The engine's base data type: a training set (or any batch of points) as a plain row-major
 * float32 matrix, already scaled (docs/math.md §10). Plain arrays, not tensors, so the native
 * kernels, the samplers and the metrics share one copy without a device round trip.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface DataMatrix {
  values: Float32Array;
  rows: number;
  cols: number;
}

/** A DataMatrix from a float32 [N, D] tensor (read once) or a checked DataMatrix; `what` names the caller in errors. */
export function toDataMatrix(data: tf.Tensor2D | DataMatrix, what: string): DataMatrix {
  if (data instanceof tf.Tensor) {
    if (data.rank !== 2) throw new Error(`${what}: expected training data of shape [N, D], got [${data.shape.join(', ')}]`);
    if (data.dtype !== 'float32') throw new Error(`${what}: expected float32 training data, got ${data.dtype}`);
    return { values: data.dataSync() as Float32Array, rows: data.shape[0], cols: data.shape[1] };
  }
  if (data.values.length !== data.rows * data.cols) {
    throw new Error(`${what}: ${data.values.length} values do not make a [${data.rows}, ${data.cols}] matrix`);
  }
  return data;
}

/**
 * Mean of every column, accumulated in float64, each column summed in row order; four rows per
 * pass (the same sums, fewer loads and stores of the running means: ~2x faster at N D = 1.5e8).
 */
export function columnMeans(m: DataMatrix): Float64Array {
  const { values, rows: N, cols: D } = m;
  const mean = new Float64Array(D);
  let i = 0;
  for (; i + 4 <= N; i += 4) {
    const a = i * D;
    const b = a + D;
    const c = b + D;
    const e = c + D;
    for (let d = 0; d < D; d++) mean[d] = mean[d]! + values[a + d]! + values[b + d]! + values[c + d]! + values[e + d]!;
  }
  for (; i < N; i++) for (let d = 0; d < D; d++) mean[d] = mean[d]! + values[i * D + d]!;
  for (let d = 0; d < D; d++) mean[d] = mean[d]! / N;
  return mean;
}

/**
 * ||y_i - mean||^2 of every row, in float64, each row summed in column order; four rows at once
 * (four independent add chains, the same sums).
 */
export function centredSquaredNorms(m: DataMatrix, mean: Float64Array): Float64Array {
  const { values, rows: N, cols: D } = m;
  const norms = new Float64Array(N);
  let i = 0;
  for (; i + 4 <= N; i += 4) {
    const a = i * D;
    const b = a + D;
    const c = b + D;
    const e = c + D;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let d = 0; d < D; d++) {
      const md = mean[d]!;
      const v0 = values[a + d]! - md;
      const v1 = values[b + d]! - md;
      const v2 = values[c + d]! - md;
      const v3 = values[e + d]! - md;
      s0 += v0 * v0;
      s1 += v1 * v1;
      s2 += v2 * v2;
      s3 += v3 * v3;
    }
    norms[i] = s0;
    norms[i + 1] = s1;
    norms[i + 2] = s2;
    norms[i + 3] = s3;
  }
  for (; i < N; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = values[i * D + d]! - mean[d]!;
      s += v * v;
    }
    norms[i] = s;
  }
  return norms;
}
