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
 * Two ways to get it, both avoiding the float32 error of the huge logits at small t:
 * - tfjs scores: from the score's top weights, where that error cancels (w_i ~ 1 when copying);
 *   only when i is not among the top ones (blurred kernels, small logits) from log p_t^N:
 *   log w_i = log N(x; m y_i, s^2 I) - log N - log p_t^N(x).
 * - native scores (nativeEvaluator): asking a native score for top weights would build a tfjs copy
 *   of the training set (seconds and 2 N D floats, the old first-delta cost), so the draws' nearest
 *   training rows in logit order come from the native k-NN kernel on a reference packed once per
 *   sweep, and log w_i = -log(1 + sum_{j != i} e^{l_j - l_i}) over them, each l_j - l_i in float64
 *   from the rows themselves; the rows not listed are bounded (every one ranks behind the listed
 *   ones, up to the float32 error of the search) and a draw is answered only when that bound is at
 *   most 2^-30 of the sum. Draws it cannot answer (weights spread over many rows, large t) take
 *   log p_t^N from the native denoiser's float64 log-sum-exp, as the tfjs path takes it from log p.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import { createNoise, noiseStreams } from '../noise';
import type { EmpiricalScore } from '../scores/empirical';
import type { PackedRows } from '../scores/empirical/types';
import { centredSquaredNorms, columnMeans, type DataMatrix } from '../data-matrix';
import { loadNativeKernels, type KernelChoice, type NativeKernelName, type NativeKernels, type PackedReference } from '../native/kernels';

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
/** Top weights searched for the draw's own training point (tfjs path). */
const TOP_K = 8;
/** Nearest rows listed per draw by the native search (the own row and its closest rivals). */
const NATIVE_POOL = 16;
/** Query rows per native search call. */
const NATIVE_BLOCK = 256;
/** Largest accepted bound on the unlisted rows' share of 1 + sum over listed rivals. */
const MAX_UNLISTED_SHARE = 2 ** -30;
/** float32 unit roundoff. */
const U32 = 2 ** -24;

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
 * The estimator for one score and one set of draws, at any t. Build it once per sweep: on a
 * native score it packs the training set for the search (about the set-up of the score itself).
 */
export interface MutualInformationEvaluator {
  /** 'top-weights' (the score's own top weights, tfjs) or 'native-search'. */
  readonly method: 'top-weights' | 'native-search';
  at(t: number): Promise<KdeMutualInformation>;
  dispose(): void;
}

/** The draws' OU outputs x = m y_i + s z for rows [first, first + rows), in float32 as the score sees them. */
function outputs(data: DataMatrix, draws: MutualInformationDraws, first: number, rows: number, m: number, s: number): Float32Array {
  const D = data.cols;
  const x = new Float32Array(rows * D);
  for (let r = 0; r < rows; r++) {
    const i = draws.index[first + r]!;
    for (let d = 0; d < D; d++) x[r * D + d] = m * data.values[i * D + d]! + s * draws.z[(first + r) * D + d]!;
  }
  return x;
}

function checkT(t: number): void {
  if (!(t > 0) || !Number.isFinite(t)) throw new Error(`kdeMutualInformation: t must be positive and finite, got ${t}`);
}

/** The same memory (one array, or two views of the same bytes). */
function sameRows(a: Float32Array, b: Float32Array): boolean {
  return a === b || (a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length);
}

/** The forward process at t (checked): x_t = m x_0 + s z, s2 = s^2. */
function noiseAt(t: number): { m: number; s2: number; s: number } {
  checkT(t);
  const s2 = ou.variance(t);
  return { m: ou.mean(t), s2, s: Math.sqrt(s2) };
}

/** Mean and standard error of log N + log w over the draws. */
function summarise(logW: Float64Array, N: number): KdeMutualInformation {
  const M = logW.length;
  let sum = 0;
  let sumSq = 0;
  for (let r = 0; r < M; r++) {
    const v = Math.log(N) + logW[r]!;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / M;
  const variance = Math.max(0, (sumSq - M * mean * mean) / (M - 1));
  return { nats: mean, standardError: Math.sqrt(variance / M), logN: Math.log(N), draws: M };
}

/** The tfjs path: top weights of the score itself (no extra copy on a tfjs score). */
function topWeightsEvaluator(score: EmpiricalScore, data: DataMatrix, draws: MutualInformationDraws): MutualInformationEvaluator {
  const N = data.rows;
  const D = data.cols;
  const M = draws.index.length;
  return {
    method: 'top-weights',
    async at(t) {
      const { m, s2, s } = noiseAt(t);
      // log N(x; m y_i, s^2 I) at x = m y_i + s z is -||z||^2 / 2 - (D/2) log(2 pi s^2) (fallback only)
      const kernelConstant = -(D / 2) * Math.log(2 * Math.PI * s2);
      const logW = new Float64Array(M).fill(NaN);
      for (let first = 0; first < M; first += BATCH) {
        const rows = Math.min(BATCH, M - first);
        const xt = tf.tensor2d(outputs(data, draws, first, rows, m, s), [rows, D]);
        try {
          const top = score.topWeights(t, xt, Math.min(N, TOP_K));
          for (let r = 0; r < rows; r++) {
            for (let j = 0; j < top.k; j++) {
              const w = top.weights[r * top.k + j]!;
              if (top.indices[r * top.k + j] === draws.index[first + r] && w > 0) logW[first + r] = Math.log(w);
            }
          }
          if (logW.subarray(first, first + rows).some(Number.isNaN)) {
            const lp = score.logDensity(t, xt);
            const logp = lp.dataSync();
            lp.dispose();
            for (let r = 0; r < rows; r++) {
              const b = first + r;
              if (Number.isNaN(logW[b]!)) logW[b] = Math.min(0, -draws.zNorm2[b]! / 2 + kernelConstant - Math.log(N) - logp[r]!);
            }
          }
        } finally {
          xt.dispose();
        }
      }
      return summarise(logW, N);
    },
    dispose() {},
  };
}

/** The native path (the notes at the top of this file). */
function nativeEvaluator(kernels: NativeKernels, choice: KernelChoice, data: DataMatrix, draws: MutualInformationDraws, shared?: PackedRows): MutualInformationEvaluator {
  const { values, rows: N, cols: D } = data;
  const M = draws.index.length;
  // the score's own packed rows when it has them (nothing to set up); else packed here, centred the
  // same way (smaller magnitudes, less float32 cancellation)
  const mean = shared?.mean ?? columnMeans(data);
  const norms = shared?.norms ?? centredSquaredNorms(data, mean);
  let maxNorm = 0;
  for (let i = 0; i < N; i++) maxNorm = Math.max(maxNorm, Math.sqrt(norms[i]!));
  const own = shared ? undefined : kernels.packReference(values, N, D, norms, mean);
  let handle: PackedReference | undefined = shared?.handle ?? own;
  const pool = Math.min(N, NATIVE_POOL);
  // a float32 dot of D terms errs by at most gamma_D sum |q_d y_d| (rounded operands add 2u more)
  const gamma = ((D + 4) * U32) / (1 - (D + 4) * U32);

  function packed(): PackedReference {
    if (!handle) throw new Error('kdeMutualInformation: the evaluator was disposed');
    return handle;
  }

  /** log w_i of draw b from the listed rows, or NaN when the unlisted ones may matter. */
  function fromCandidates(b: number, x: Float32Array, xr: number, listed: Int32Array, count: number, m: number, s2: number, beta: number, queryNorm: number): number {
    const i = draws.index[b]!;
    const yi = i * D;
    // l_j - l_i = -(m^2 ||y_j - y_i||^2 - 2 m e.(y_j - y_i)) / (2 s^2), e = x - m y_i: no large logit is formed
    let rivals = 0;
    let lowest = 0; // the smallest l_j - l_i over the listed rows (0 for the own row)
    let ownListed = false;
    for (let c = 0; c < count; c++) {
      const j = listed[c]!;
      if (j === i) {
        ownListed = true;
        continue;
      }
      const yj = j * D;
      let dist2 = 0;
      let cross = 0;
      for (let d = 0; d < D; d++) {
        const yid = values[yi + d]!;
        const delta = values[yj + d]! - yid;
        dist2 += delta * delta;
        cross += (x[xr + d]! - m * yid) * delta;
      }
      const gap = -(m * m * dist2 - 2 * m * cross) / (2 * s2);
      rivals += Math.exp(gap);
      lowest = Math.min(lowest, gap);
    }
    const unlisted = N - count - (ownListed ? 0 : 1);
    if (unlisted > 0) {
      // search scores ||y||^2 - 2 q.y (q = x/m - mean), logits -beta times them: two scores err by
      // at most 2 (2 (gamma + 2u) |q| max|y| + 2u max|y|^2), so an unlisted row's logit is at most
      // that (times beta) above the lowest listed one
      const slack = beta * 2 * (2 * (gamma + 2 * U32) * queryNorm * maxNorm + 2 * U32 * maxNorm * maxNorm);
      const bound = unlisted * Math.exp(lowest + slack);
      if (!(bound <= MAX_UNLISTED_SHARE * (1 + rivals))) return NaN;
    }
    return -Math.log1p(rivals);
  }

  return {
    method: 'native-search',
    async at(t) {
      const { m, s2, s } = noiseAt(t);
      const alpha = m / s2;
      const beta = (m * m) / (2 * s2);
      const logW = new Float64Array(M).fill(NaN);
      for (let first = 0; first < M; first += NATIVE_BLOCK) {
        const rows = Math.min(NATIVE_BLOCK, M - first);
        const x = outputs(data, draws, first, rows, m, s);
        // the search ranks by ||q - ytilde||^2 with q = x/m - mean: the logit order
        const q = new Float32Array(rows * D);
        const queryNorms = new Float64Array(rows);
        for (let r = 0; r < rows; r++) {
          let n2 = 0;
          for (let d = 0; d < D; d++) {
            const v = x[r * D + d]! / m - mean[d]!;
            q[r * D + d] = v;
            n2 += v * v;
          }
          queryNorms[r] = Math.sqrt(n2);
        }
        const lists = { pool, scores: new Float64Array(rows * pool), indices: new Int32Array(rows * pool), counts: new Int32Array(rows) };
        const queries = kernels.packQueries(q, rows, D);
        try {
          await kernels.nearestBlock(packed(), queries, 0, N, lists, undefined, choice);
        } finally {
          kernels.free(queries);
        }
        const undecided: number[] = [];
        for (let r = 0; r < rows; r++) {
          const listed = lists.indices.subarray(r * pool, (r + 1) * pool);
          const v = fromCandidates(first + r, x, r * D, listed, lists.counts[r]!, m, s2, beta, queryNorms[r]!);
          if (Number.isNaN(v)) undecided.push(r);
          else logW[first + r] = v;
        }
        if (undecided.length > 0) {
          // log w_i = l_i - lse(l), l_j = alpha q.ytilde_j - beta ||ytilde_j||^2 with q = x - m mean
          const B = undecided.length;
          const xs = new Float32Array(B * D);
          undecided.forEach((r, u) => xs.set(x.subarray(r * D, (r + 1) * D), u * D));
          const lse = new Float64Array(B);
          kernels.denoise!(packed(), values, xs, B, m, s2, new Float32Array(B * D), lse, choice);
          undecided.forEach((r, u) => {
            const i = draws.index[first + r]!;
            let dot = 0;
            for (let d = 0; d < D; d++) dot += (xs[u * D + d]! - m * mean[d]!) * (values[i * D + d]! - mean[d]!);
            logW[first + r] = Math.min(0, alpha * dot - beta * norms[i]! - lse[u]!);
          });
        }
      }
      return summarise(logW, N);
    },
    dispose() {
      if (own && handle) kernels.free(own);
      handle = undefined;
    },
  };
}

/**
 * The estimator of I(index; X_t) for `score` at any t > 0 on fixed draws. `data` must be the matrix
 * the score was built from (same rows, same units) and must not change while the evaluator lives.
 */
export function mutualInformationEvaluator(score: EmpiricalScore, data: DataMatrix, drawsOrCount: MutualInformationDraws | number, seed = 0): MutualInformationEvaluator {
  const N = data.rows;
  const D = data.cols;
  if (score.size !== N || score.dimension !== D) throw new Error(`kdeMutualInformation: the score holds ${score.size} x ${score.dimension} points, the data ${N} x ${D}`);
  const draws = typeof drawsOrCount === 'number' ? mutualInformationDraws(N, D, drawsOrCount, seed) : drawsOrCount;
  if (draws.z.length !== draws.index.length * D) throw new Error(`kdeMutualInformation: the draws hold ${draws.z.length} normals, not ${draws.index.length} x ${D}`);
  const kernels = score.kernel === 'tfjs' ? undefined : loadNativeKernels();
  if (kernels?.denoise) {
    const kernel = score.kernel as NativeKernelName;
    const shared = score.packedRows?.();
    const choice = { threads: kernels.hardwareThreads, portable: kernel === 'native-portable', kernel };
    return nativeEvaluator(kernels, choice, data, draws, shared && sameRows(shared.values, data.values) ? shared : undefined);
  }
  return topWeightsEvaluator(score, data, draws);
}

/**
 * I(index; X_t) for the empirical score's KDE at OU time t > 0, once. `data` must be the matrix the
 * score was built from (same rows, same units). For several t, build one mutualInformationEvaluator.
 */
export async function kdeMutualInformation(score: EmpiricalScore, data: DataMatrix, t: number, drawsOrCount: MutualInformationDraws | number, seed = 0): Promise<KdeMutualInformation> {
  checkT(t);
  const evaluator = mutualInformationEvaluator(score, data, drawsOrCount, seed);
  try {
    return await evaluator.at(t);
  } finally {
    evaluator.dispose();
  }
}
