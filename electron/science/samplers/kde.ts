/**
 * Direct samplers of Gaussian kernel density estimates (no score, no time stepping).
 * - `sampleKde`: the KDE that the exact reverse process with s_N outputs at early-stopping time
 *   delta (docs/math.md §3): pick i uniformly, output e^{-delta} y_i + h(delta) z, h = sqrt(1 - e^{-2 delta}).
 * - `sampleCifarKde`: the paper's pixel-space KDE (docs/math.md §4): pixels in [0, 255], random training
 *   image + N(0, H), H = diag((N^{-1/(D+4)} std_j)^2) * factor (Scott's rule per coordinate),
 *   clipped to [0, 255].
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import type { NoiseSource } from '../noise';
import type { DataMatrix } from '../data-matrix';

/** Any row-major numeric matrix (float32 scaled data, or uint8 pixels). */
export interface NumericMatrix {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
}

function checkMatrix(name: string, m: NumericMatrix): void {
  if (m.rows < 1 || m.cols < 1 || m.values.length !== m.rows * m.cols) {
    throw new Error(`${name}: expected a non-empty [N, D] matrix, got ${m.values.length} values for [${m.rows}, ${m.cols}]`);
  }
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: the number of samples must be a positive integer, got ${n}`);
}

/** e^{-delta} y_I + h(delta) z with I uniform on the training set; returns [n, D]. */
export function sampleKde(data: DataMatrix | NumericMatrix, n: number, delta: number, noise: NoiseSource): tf.Tensor2D {
  checkMatrix('sampleKde', data);
  checkCount('sampleKde', n);
  if (!(delta > 0) || !Number.isFinite(delta)) throw new Error(`sampleKde: delta must be positive and finite, got ${delta}`);
  const D = data.cols;
  const shrink = ou.mean(delta);
  const h = ou.bandwidth(delta);
  const picks = noise.uniformInt(data.rows, n);
  const out = noise.normalArray(n * D);
  for (let r = 0; r < n; r++) {
    const src = picks[r]! * D;
    for (let d = 0; d < D; d++) out[r * D + d] = shrink * data.values[src + d]! + h * out[r * D + d]!;
  }
  return tf.tensor2d(out, [n, D]);
}

/** Per-coordinate Scott bandwidth (standard deviations) N^{-1/(D+4)} std_j (std with N - 1). */
export function scottBandwidth(data: NumericMatrix): Float64Array {
  checkMatrix('scottBandwidth', data);
  const { rows: N, cols: D, values } = data;
  if (N < 2) throw new Error(`scottBandwidth: need at least 2 training points, got ${N}`);
  const mean = new Float64Array(D);
  const sq = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) mean[d] = mean[d]! + values[i * D + d]!;
  for (let d = 0; d < D; d++) mean[d] = mean[d]! / N;
  for (let i = 0; i < N; i++) {
    for (let d = 0; d < D; d++) {
      const v = values[i * D + d]! - mean[d]!;
      sq[d] = sq[d]! + v * v;
    }
  }
  const scale = Math.pow(N, -1 / (D + 4));
  const bw = new Float64Array(D);
  for (let d = 0; d < D; d++) bw[d] = scale * Math.sqrt(sq[d]! / (N - 1));
  return bw;
}

export interface CifarKdeOptions {
  /** Multiplies the Scott covariance H (0.1 .. 100 in the paper); default 1. */
  factor?: number;
  /** Precomputed scottBandwidth(pixels), to avoid recomputing it per batch. */
  bandwidth?: Float64Array;
}

/** y_I + sqrt(factor) * bw_j z_j, clipped to [0, 255]; `pixels` in [0, 255]; returns [n, D] float32. */
export function sampleCifarKde(pixels: NumericMatrix, n: number, noise: NoiseSource, options: CifarKdeOptions = {}): tf.Tensor2D {
  checkMatrix('sampleCifarKde', pixels);
  checkCount('sampleCifarKde', n);
  const factor = options.factor ?? 1;
  if (!(factor > 0) || !Number.isFinite(factor)) throw new Error(`sampleCifarKde: factor must be positive, got ${factor}`);
  const D = pixels.cols;
  const bw = options.bandwidth ?? scottBandwidth(pixels);
  if (bw.length !== D) throw new Error(`sampleCifarKde: bandwidth has ${bw.length} entries, expected ${D}`);
  const root = Math.sqrt(factor);
  const picks = noise.uniformInt(pixels.rows, n);
  const out = noise.normalArray(n * D);
  for (let r = 0; r < n; r++) {
    const src = picks[r]! * D;
    for (let d = 0; d < D; d++) {
      const v = pixels.values[src + d]! + root * bw[d]! * out[r * D + d]!;
      out[r * D + d] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return tf.tensor2d(out, [n, D]);
}
