/**
 * Mutual information between the training index and the KDE's output (docs/math.md §5, the authors'
 * later experiment): at OU time t the empirical-score model outputs X = m y_I + s Z, I uniform on
 * the N training points, Z ~ N(0, I). Then
 *   I(I; X) = E_i KL( N(m y_i, s^2 I) || p_t^N ) = E[ log N(X; m y_I, s^2 I) - log p_t^N(X) ],
 * which lies in [0, log N]: log N when every output reveals its training point (copies), 0 when
 * the kernels blur the set into one blob. Monte Carlo over `draws` pairs (i, z), the same pairs
 * at every t (common random numbers, so curves over delta are smooth).
 *
 * Each draw contributes log N + log w_i(x), w_i the softmax weight of its own training point.
 * It is read from the score's top weights, where the float32 error of the huge logits at small t
 * cancels (w_i ~ 1 when copying); only when i is not among the top ones (blurred kernels, small
 * logits) does it come from log p_t^N: log w_i = log N(x; m y_i, s^2 I) - log N - log p_t^N(x).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import { createNoise, noiseStreams } from '../noise';
import type { EmpiricalScore } from '../scores/empirical';
import type { DataMatrix } from '../data-matrix';

export interface KdeMutualInformation {
  /** Estimate in nats. */
  nats: number;
  /** Monte Carlo standard error of the estimate (nats). */
  standardError: number;
  /** The ceiling log N (nats). */
  logN: number;
  draws: number;
}

/** Sub-key of the picks stream for these draws (distinct from other uses of the stream). */
const MI_SUBKEY = 0x4d49;
const BATCH = 64;
/** Top weights searched for the draw's own training point. */
const TOP_K = 8;

/** Fixed draws (indices and unit normals) reused at every t. */
export interface MutualInformationDraws {
  index: Int32Array;
  /** Row-major [draws, D] standard normals. */
  z: Float32Array;
  /** ||z_b||^2 per draw, in float64. */
  zNorm2: Float64Array;
}

export function mutualInformationDraws(N: number, D: number, draws: number, seed: number): MutualInformationDraws {
  if (!Number.isInteger(draws) || draws < 2) throw new Error(`kdeMutualInformation: draws must be an integer >= 2, got ${draws}`);
  const noise = createNoise(seed, noiseStreams.picks, MI_SUBKEY);
  const index = noise.uniformInt(N, draws);
  const z = noise.normalArray(draws * D);
  const zNorm2 = new Float64Array(draws);
  for (let b = 0; b < draws; b++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += z[b * D + d]! ** 2;
    zNorm2[b] = s;
  }
  return { index, z, zNorm2 };
}

/**
 * I(index; X_t) for the empirical score's KDE at OU time t > 0. `data` must be the matrix the
 * score was built from (same rows, same units).
 */
export function kdeMutualInformation(score: EmpiricalScore, data: DataMatrix, t: number, drawsOrCount: MutualInformationDraws | number, seed = 0): KdeMutualInformation {
  if (!(t > 0) || !Number.isFinite(t)) throw new Error(`kdeMutualInformation: t must be positive and finite, got ${t}`);
  const N = data.rows;
  const D = data.cols;
  if (score.size !== N || score.dimension !== D) throw new Error(`kdeMutualInformation: the score holds ${score.size} x ${score.dimension} points, the data ${N} x ${D}`);
  const draws = typeof drawsOrCount === 'number' ? mutualInformationDraws(N, D, drawsOrCount, seed) : drawsOrCount;
  const M = draws.index.length;
  const m = ou.mean(t);
  const s2 = ou.variance(t);
  const s = Math.sqrt(s2);
  // log N(x; m y_i, s^2 I) at x = m y_i + s z is -||z||^2 / 2 - (D/2) log(2 pi s^2) (fallback only)
  const kernelConstant = -(D / 2) * Math.log(2 * Math.PI * s2);
  let sum = 0;
  let sumSq = 0;
  for (let first = 0; first < M; first += BATCH) {
    const rows = Math.min(BATCH, M - first);
    const x = new Float32Array(rows * D);
    for (let r = 0; r < rows; r++) {
      const i = draws.index[first + r]!;
      for (let d = 0; d < D; d++) x[r * D + d] = m * data.values[i * D + d]! + s * draws.z[(first + r) * D + d]!;
    }
    const xt = tf.tensor2d(x, [rows, D]);
    const logW = new Float64Array(rows).fill(NaN);
    try {
      const top = score.topWeights(t, xt, Math.min(N, TOP_K));
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < top.k; j++) {
          const w = top.weights[r * top.k + j]!;
          if (top.indices[r * top.k + j] === draws.index[first + r] && w > 0) logW[r] = Math.log(w);
        }
      }
      if (logW.some(Number.isNaN)) {
        const lp = score.logDensity(t, xt);
        const logp = lp.dataSync();
        lp.dispose();
        for (let r = 0; r < rows; r++) {
          if (Number.isNaN(logW[r]!)) logW[r] = Math.min(0, -draws.zNorm2[first + r]! / 2 + kernelConstant - Math.log(N) - logp[r]!);
        }
      }
    } finally {
      xt.dispose();
    }
    for (let r = 0; r < rows; r++) {
      const v = Math.log(N) + logW[r]!;
      sum += v;
      sumSq += v * v;
    }
  }
  const mean = sum / M;
  const variance = Math.max(0, (sumSq - M * mean * mean) / (M - 1));
  return { nats: mean, standardError: Math.sqrt(variance / M), logN: Math.log(N), draws: M };
}
