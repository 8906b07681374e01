/**
 * What an empirical optimal score s_N (docs/math.md §3) offers, whichever implementation computes
 * it (tfjs.ts or native.ts), and the checks both apply to every call.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ou } from '../../forward-process';
import type { NativeKernelName, PackedReference } from '../../native/kernels';
import type { DenoisingScore } from '../score';

export type Orientation = 'data-left' | 'query-left';

export interface EmpiricalScoreOptions {
  /** Training points per chunk (default 1024 for data-left, tuned at D = 3072; 8192 for query-left). */
  chunkSize?: number;
  /** Most logits (rows x N) kept at once by the two-pass weighted mean; larger batches are split. */
  logitBudget?: number;
  /** Product orientation; default 'query-left' for D < 64, else 'data-left'. */
  orientation?: Orientation;
  /**
   * 'auto' (default): the native denoiser (native.ts) when the addon is built and D >= 64, unless
   * SCORESCOPE_NATIVE=0; 'tfjs' forces the tfjs implementation (e.g. for autodiff-based checks);
   * 'native' requires the addon.
   */
  backend?: 'auto' | 'native' | 'tfjs';
  /** Native only: threads per call (default every hardware thread). */
  threads?: number;
}

/** The k largest softmax weights per query row, best first. */
export interface TopWeights {
  rows: number;
  k: number;
  /** Row-major [rows, k] training indices. */
  indices: Int32Array;
  /** Row-major [rows, k] softmax weights (sum over all N is 1). */
  weights: Float32Array;
}

export interface EmpiricalScore extends DenoisingScore {
  /** What computes the denoiser: 'tfjs' or the native micro-kernel. */
  readonly kernel: 'tfjs' | NativeKernelName;
  /** N, the number of training points. */
  readonly size: number;
  /** D, the dimension of a point. */
  readonly dimension: number;
  /** The ideal denoiser ybar(t, x) = E[X_0 | X_t = x] under the empirical prior (OU coordinates). */
  denoise(t: number, x: tf.Tensor2D): tf.Tensor2D;
  /** VE/EDM denoiser D(x; sigma) = sum_i softmax_i(-||x - y_i||^2 / (2 sigma^2)) y_i. */
  denoiseVE(sigma: number, x: tf.Tensor2D): tf.Tensor2D;
  /** log p_t^N(x) per row, including the Gaussian normalising constant. */
  logDensity(t: number, x: tf.Tensor2D): tf.Tensor1D;
  /** The k largest weights w_i(t, x) per row of x, with their training indices. */
  topWeights(t: number, x: tf.Tensor2D, k: number): TopWeights;
  /**
   * Native scores only: the training rows as the score packed them (centred on `mean`, with the
   * centred squared norms), for other native computations on the same rows (the mutual
   * information's search). Owned by the score: never freed by the caller, dead once it is disposed.
   */
  packedRows?(): PackedRows;
}

/** A native score's packed training rows (see EmpiricalScore.packedRows). */
export interface PackedRows {
  handle: PackedReference;
  /** The rows packed (the score's matrix values): a caller with other rows must not use the handle. */
  values: Float32Array;
  mean: Float64Array;
  norms: Float64Array;
}

/** The OU coefficients of the logits at time t: w = softmax(alpha q.y - beta ||y||^2), q = x - m mean. */
export interface OuCoefficients {
  m: number;
  s2: number;
  alpha: number;
  beta: number;
}

export function ouCoefficients(t: number, what: string): OuCoefficients {
  if (!(t > 0) || !Number.isFinite(t)) throw new Error(`empiricalScore.${what}: t must be positive and finite, got ${t}`);
  const m = ou.mean(t);
  const s2 = ou.variance(t);
  return { m, s2, alpha: m / s2, beta: (m * m) / (2 * s2) };
}

/** The same coefficients for the VE noise level sigma (m = 1, s^2 = sigma^2). */
export function veCoefficients(sigma: number): OuCoefficients {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`empiricalScore.denoiseVE: sigma must be positive and finite, got ${sigma}`);
  const s2 = sigma * sigma;
  return { m: 1, s2, alpha: 1 / s2, beta: 1 / (2 * s2) };
}

/** Queries must be [B, D] rows of the score's dimension. */
export function checkQueries(x: tf.Tensor2D, D: number, what: string): void {
  if (x.rank !== 2 || x.shape[1] !== D) {
    throw new Error(`empiricalScore.${what}: expected x of shape [B, ${D}], got [${x.shape.join(', ')}]`);
  }
}

/** log N(x; .) normalising terms of p_t^N: -log N - (D/2) log(2 pi s^2). */
export function logDensityConstant(N: number, D: number, s2: number): number {
  return -Math.log(N) - (D / 2) * Math.log(2 * Math.PI * s2);
}
