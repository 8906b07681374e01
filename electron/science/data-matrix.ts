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

/** Mean of every column, accumulated in float64. */
export function columnMeans(m: DataMatrix): Float64Array {
  const mean = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    for (let d = 0; d < m.cols; d++) mean[d] = mean[d]! + m.values[base + d]!;
  }
  for (let d = 0; d < m.cols; d++) mean[d] = mean[d]! / m.rows;
  return mean;
}

/** ||y_i - mean||^2 of every row, in float64. */
export function centredSquaredNorms(m: DataMatrix, mean: Float64Array): Float64Array {
  const norms = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    let s = 0;
    for (let d = 0; d < m.cols; d++) {
      const v = m.values[base + d]! - mean[d]!;
      s += v * v;
    }
    norms[i] = s;
  }
  return norms;
}
