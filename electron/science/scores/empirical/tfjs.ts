/**
 * The empirical optimal score s_N of docs/math.md §3 on tfjs (empiricalScore in index.ts picks
 * this or the native denoiser): the exact score of the Gaussian KDE
 *   p_t^N = (1/N) sum_i N(m_t y_i, s_t^2 I),
 *   s_N(t, x) = (m_t ybar(t, x) - x) / s_t^2,   ybar = sum_i w_i y_i,
 *   w = softmax_i( -||x - m_t y_i||^2 / (2 s_t^2) ).
 *
 * How it is computed (why each choice):
 * - Chunks of the training set and a log-sum-exp shifted by the max: raw Gaussian densities
 *   underflow for small t or large D. The weighted mean takes two passes (logits and the exact
 *   max, then weights), keeping at most `logitBudget` logits; log-density and top-k stream with a
 *   running max and rescaled sums. Knowing the exact max lets the second pass skip chunks whose
 *   weights are all 0 and gather the few weighted points when the softmax is nearly one-hot
 *   (small t), so the second product then costs almost nothing.
 * - ||x - m y||^2 = ||x||^2 - 2 m x.y + m^2 ||y||^2: the ||x||^2 term is the same for every i and
 *   cancels in the softmax, so the logits are ONE product with an extra ||y||^2 column, and a
 *   ones column/row makes the softmax normaliser come out of the weighted-sum product.
 * - The data are centred on their mean (distances are translation invariant): smaller
 *   magnitudes, less float32 cancellation in the expansion above.
 * - Operand orientation (measured on tfjs-wasm/XNNPACK, where the RIGHT operand of a product is
 *   packed on every call, and cached, a second copy, when the tensor persists):
 *   'data-left' (large D, images): logits^T [n_c, B] = [Y, ||y||^2] @ [alpha x^T; -beta], then
 *   acc [D+1, B] = [Y^T; 1] @ w^T. The big training matrix streams as the left operand in both
 *   products, never transposed (transposeA/B products ran ~10x slower), ~1.5x faster than
 *   x @ Y^T with Y^T as the right operand, and without the packed copy.
 *   'query-left' (small D, e.g. 2-D experiments with B = 1000 queries): logits [B, n_c] =
 *   [alpha x, -beta] @ [Y^T; ||y||^2] with a fused row softmax, then [B, D+1] = w @ [Y, 1];
 *   4-6x faster there because the data operands are tiny and no reduction needs a transpose.
 * - Logits more than 87 below the max get weight exactly 0 (e^-87 ~ smallest normal float32):
 *   subnormal weights make the weighted-sum product several times slower (docs/math.md §7).
 */
import * as tf from '@tensorflow/tfjs-core';
import { columnMeans, toDataMatrix, type DataMatrix } from '../../data-matrix';
import { tweedieScore } from '../score';
import {
  checkQueries, logDensityConstant, ouCoefficients, veCoefficients,
  type EmpiricalScore, type EmpiricalScoreOptions, type Orientation,
} from './types';

/** Weights below e^{-87} relative to the largest are set to exactly 0 (no subnormals). */
const LOG_WEIGHT_FLOOR = 87;

/**
 * One chunk of centred training points ytilde = y - mean, in the layout of the orientation:
 * data-left:  withNorms [n_c, D+1] = [Y, ||y||^2],   withOnes [D+1, n_c] = [Y^T; 1]
 * query-left: withNorms [D+1, n_c] = [Y^T; ||y||^2], withOnes [n_c, D+1] = [Y, 1]
 */
interface Chunk {
  offset: number;
  size: number;
  withNorms: tf.Tensor2D;
  withOnes: tf.Tensor2D;
}

/** Builds one chunk in JS (float64 norms) so the device sees exactly two uploads. */
function buildChunk(m: DataMatrix, mean: Float64Array, offset: number, size: number, orientation: Orientation): Chunk {
  const D = m.cols;
  const rowMajor = new Float32Array(size * (D + 1)); // [n, D+1]
  const colMajor = new Float32Array((D + 1) * size); // [D+1, n]
  const dataLeft = orientation === 'data-left';
  for (let i = 0; i < size; i++) {
    const src = (offset + i) * D;
    let norm = 0;
    for (let d = 0; d < D; d++) {
      const v = m.values[src + d]! - mean[d]!;
      norm += v * v;
      rowMajor[i * (D + 1) + d] = v;
      colMajor[d * size + i] = v;
    }
    rowMajor[i * (D + 1) + D] = dataLeft ? norm : 1;
    colMajor[D * size + i] = dataLeft ? 1 : norm;
  }
  const rows = tf.tensor2d(rowMajor, [size, D + 1]);
  const cols = tf.tensor2d(colMajor, [D + 1, size]);
  return dataLeft ? { offset, size, withNorms: rows, withOnes: cols } : { offset, size, withNorms: cols, withOnes: rows };
}

/** s_N on tfjs (docs/math.md §3; the notes at the top of this file). */
export function tfjsEmpiricalScore(data: tf.Tensor2D | DataMatrix, options: EmpiricalScoreOptions = {}): EmpiricalScore {
  const matrix = toDataMatrix(data, 'empiricalScore');
  const N = matrix.rows;
  const D = matrix.cols;
  if (N < 1 || D < 1) throw new Error(`empiricalScore: the training set is empty ([${N}, ${D}])`);
  const orientation: Orientation = options.orientation ?? (D < 64 ? 'query-left' : 'data-left');
  const dataLeft = orientation === 'data-left';
  const chunkSize = options.chunkSize ?? (dataLeft ? 1024 : 8192);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`empiricalScore: chunkSize must be a positive integer, got ${chunkSize}`);
  // logits kept between the two passes of the weighted mean: 8M floats = 32 MB
  const logitBudget = options.logitBudget ?? 8 * 1024 * 1024;

  const meanValues = columnMeans(matrix);
  const mean = tf.tensor2d(Float32Array.from(meanValues), [1, D]);
  const chunks: Chunk[] = [];
  try {
    for (let offset = 0; offset < N; offset += chunkSize) {
      chunks.push(buildChunk(matrix, meanValues, offset, Math.min(chunkSize, N - offset), orientation));
    }
  } catch (e) {
    for (const c of chunks) tf.dispose([c.withNorms, c.withOnes]);
    mean.dispose();
    throw e;
  }
  let disposed = false;

  function check(x: tf.Tensor2D, what: string): void {
    if (disposed) throw new Error(`empiricalScore.${what}: the score was disposed`);
    checkQueries(x, D, what);
  }

  /**
   * The query operand for centred queries q [B, D], so that logits_i = alpha q.y_i - beta ||y_i||^2:
   * data-left [alpha q^T; -beta] [D+1, B]; query-left [alpha q, -beta] [B, D+1].
   */
  function queryOperand(q: tf.Tensor2D, alpha: number, beta: number): tf.Tensor2D {
    const B = q.shape[0];
    return tf.tidy(() =>
      dataLeft
        ? (tf.concat([tf.mul(tf.transpose(q), alpha), tf.fill([1, B], -beta)], 0) as tf.Tensor2D)
        : (tf.concat([tf.mul(q, alpha), tf.fill([B, 1], -beta)], 1) as tf.Tensor2D),
    );
  }

  /** Logits of one chunk as [B, n_c], whatever the orientation (for the non-hot paths). */
  function rowLogits(c: Chunk, operand: tf.Tensor2D): tf.Tensor2D {
    return dataLeft ? (tf.transpose(chunkLogits(c, operand)) as tf.Tensor2D) : chunkLogits(c, operand);
  }

  /** The training axis of a chunk's logits: data-left [n_c, B] (0), query-left [B, n_c] (1). */
  const trainingAxis = dataLeft ? 0 : 1;

  /** Logits of one chunk in the orientation's layout. */
  function chunkLogits(c: Chunk, operand: tf.Tensor2D): tf.Tensor2D {
    return dataLeft ? tf.matMul(c.withNorms, operand) : tf.matMul(operand, c.withNorms);
  }

  /**
   * sum_i w_i ytilde_i over the training set; returns [B, D] (centred). Queries are split into
   * row blocks so the logits kept between the two passes stay under `logitBudget` floats.
   */
  function weightedMean(q: tf.Tensor2D, alpha: number, beta: number): tf.Tensor2D {
    const B = q.shape[0];
    const rowsPerBlock = Math.max(1, Math.floor(logitBudget / N));
    if (B <= rowsPerBlock) return weightedMeanBlock(q, alpha, beta);
    const parts: tf.Tensor2D[] = [];
    try {
      for (let r = 0; r < B; r += rowsPerBlock) {
        const rows = tf.slice(q, [r, 0], [Math.min(rowsPerBlock, B - r), D]);
        try {
          parts.push(weightedMeanBlock(rows, alpha, beta));
        } finally {
          rows.dispose();
        }
      }
      return tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  }

  /** Adds `part` into `acc` (disposing both inputs) and returns the new sum. */
  function accumulate(acc: tf.Tensor2D | undefined, part: tf.Tensor2D): tf.Tensor2D {
    if (!acc) return part;
    const sum = tf.add(acc, part) as tf.Tensor2D;
    tf.dispose([acc, part]);
    return sum;
  }

  /**
   * The two-pass weighted mean of one block of queries, in either orientation: pass 1 keeps every
   * chunk's logits and the exact maximum over the training set; pass 2 forms w = exp(l - max),
   * exactly 0 below max - 87, skips chunks where every weight is 0, and sums [Y, 1] weighted (the
   * ones column gives the softmax normaliser).
   */
  function weightedMeanBlock(q: tf.Tensor2D, alpha: number, beta: number): tf.Tensor2D {
    const B = q.shape[0];
    const operand = queryOperand(q, alpha, beta);
    const held: tf.Tensor[] = [operand];
    let acc: tf.Tensor2D | undefined;
    try {
      if (!dataLeft && chunks.length === 1) {
        // one chunk: the fused row softmax does max, exp and normalisation in one kernel
        const c = chunks[0]!;
        return tf.tidy(() => {
          const w = tf.softmax(tf.matMul(operand, c.withNorms)) as tf.Tensor2D;
          return tf.slice(tf.matMul(w, c.withOnes), [0, 0], [B, D]) as tf.Tensor2D;
        });
      }
      const logits: tf.Tensor2D[] = [];
      const maxima: tf.Tensor2D[] = [];
      for (const c of chunks) {
        const [l, mx] = tf.tidy(() => {
          const l = chunkLogits(c, operand);
          return [l, tf.max(l, trainingAxis, true) as tf.Tensor2D];
        });
        logits.push(l);
        maxima.push(mx);
        held.push(l, mx);
      }
      const chunkMax = tf.concat(maxima, trainingAxis); // data-left [chunks, B]; query-left [B, chunks]
      const rowMax = tf.max(chunkMax, trainingAxis, true);
      held.push(chunkMax, rowMax);
      const maxValues = chunkMax.dataSync();
      const best = rowMax.dataSync();
      const chunkCount = chunks.length;
      const maxOf = dataLeft ? (ci: number, b: number) => maxValues[ci * B + b]! : (ci: number, b: number) => maxValues[b * chunkCount + ci]!;

      for (let ci = 0; ci < chunkCount; ci++) {
        let live = false;
        for (let b = 0; b < B && !live; b++) live = maxOf(ci, b) - best[b]! >= -LOG_WEIGHT_FLOOR;
        if (!live) continue; // every weight in this chunk is exactly 0
        const part = tf.tidy(() => {
          const z = tf.sub(logits[ci]!, rowMax);
          const w = tf.mul(tf.exp(z), tf.step(tf.add(z, LOG_WEIGHT_FLOOR))) as tf.Tensor2D;
          return dataLeft ? sparseOrDenseProduct(chunks[ci]!, w, B) : (tf.matMul(w, chunks[ci]!.withOnes) as tf.Tensor2D);
        });
        acc = accumulate(acc, part);
      }
      const sums = acc!;
      return tf.tidy(() =>
        dataLeft
          ? (tf.transpose(tf.div(tf.slice(sums, [0, 0], [D, B]), tf.slice(sums, [D, 0], [1, B]))) as tf.Tensor2D)
          : (tf.div(tf.slice(sums, [0, 0], [B, D]), tf.slice(sums, [0, D], [B, 1])) as tf.Tensor2D),
      );
    } finally {
      tf.dispose(held);
      acc?.dispose();
    }
  }

  /**
   * [Y_c^T; 1] @ w for one data-left chunk. When few training points carry weight (a quarter of
   * the chunk or less), gather just those columns first: the product shrinks from n_c to u columns.
   */
  function sparseOrDenseProduct(c: Chunk, w: tf.Tensor2D, B: number): tf.Tensor2D {
    if (c.size < 64) return tf.matMul(c.withOnes, w);
    const values = w.dataSync();
    const used: number[] = [];
    for (let i = 0; i < c.size; i++) {
      for (let b = 0; b < B; b++) {
        if (values[i * B + b] !== 0) {
          used.push(i);
          break;
        }
      }
      if (used.length * 4 > c.size) return tf.matMul(c.withOnes, w);
    }
    if (used.length === 0) return tf.zeros([D + 1, B]);
    const rows = new Float32Array(used.length * B);
    for (let u = 0; u < used.length; u++) rows.set(values.subarray(used[u]! * B, used[u]! * B + B), u * B);
    const columns = tf.gather(c.withOnes, tf.tensor1d(used, 'int32'), 1); // [D+1, u]
    return tf.matMul(columns, tf.tensor2d(rows, [used.length, B]));
  }

  /**
   * Row log-sum-exp of the logits [B] with a running max and rescaled sums; the visitor sees each
   * chunk's logits as [B, n_c] (inside a tidy: it must not keep them).
   */
  function logSumExp(q: tf.Tensor2D, alpha: number, beta: number, visit?: (c: Chunk, logits: tf.Tensor2D) => void): tf.Tensor1D {
    const operand = queryOperand(q, alpha, beta);
    let runMax: tf.Tensor2D | undefined; // [B, 1]
    let runSum: tf.Tensor2D | undefined;
    try {
      for (const c of chunks) {
        const [nextSum, nextMax] = tf.tidy(() => {
          const logits = rowLogits(c, operand);
          visit?.(c, logits);
          const chunkMax = tf.max(logits, 1, true);
          const newMax = runMax ? tf.maximum(runMax, chunkMax) : chunkMax;
          const part = tf.sum(tf.exp(tf.sub(logits, newMax)), 1, true);
          const total = runSum && runMax ? tf.add(tf.mul(runSum, tf.exp(tf.sub(runMax, newMax))), part) : part;
          return [total as tf.Tensor2D, newMax as tf.Tensor2D];
        });
        runSum?.dispose();
        runMax?.dispose();
        runSum = nextSum;
        runMax = nextMax;
      }
      const s = runSum!;
      const mx = runMax!;
      return tf.tidy(() => tf.reshape(tf.add(tf.log(s), mx), [-1]) as tf.Tensor1D);
    } finally {
      tf.dispose([operand, ...(runSum ? [runSum] : []), ...(runMax ? [runMax] : [])]);
    }
  }

  /** The k largest logits per row (with training indices, best first) and the row log-sum-exp. */
  function topLogits(q: tf.Tensor2D, alpha: number, beta: number, k: number, what: string) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`empiricalScore.${what}: k must be a positive integer, got ${k}`);
    const kk = Math.min(k, N);
    const B = q.shape[0];
    // candidates per row: (logit, index), merged across chunks in JS (k per chunk is small)
    const candidates: { logit: number; index: number }[][] = Array.from({ length: B }, () => []);
    const lseTensor = logSumExp(q, alpha, beta, (c, logits) => {
      const kc = Math.min(kk, c.size);
      const { values, indices } = tf.topk(logits, kc); // [B, kc]
      const v = values.dataSync();
      const ix = indices.dataSync();
      for (let b = 0; b < B; b++) {
        const row = candidates[b]!;
        for (let j = 0; j < kc; j++) row.push({ logit: v[b * kc + j]!, index: c.offset + ix[b * kc + j]! });
        row.sort((p, r) => r.logit - p.logit || p.index - r.index);
        row.length = Math.min(row.length, kk);
      }
    });
    const lse = lseTensor.dataSync();
    lseTensor.dispose();
    return { rows: B, k: kk, candidates, lse };
  }

  /** mean + weightedMean(x - shift * mean): the posterior mean in data coordinates. */
  function posteriorMean(x: tf.Tensor2D, shift: number, alpha: number, beta: number): tf.Tensor2D {
    const q = tf.tidy(() => tf.sub(x, tf.mul(mean, shift)) as tf.Tensor2D);
    let centred: tf.Tensor2D | undefined;
    try {
      centred = weightedMean(q, alpha, beta);
      const c = centred;
      return tf.tidy(() => tf.add(c, mean) as tf.Tensor2D);
    } finally {
      q.dispose();
      centred?.dispose();
    }
  }

  const denoise = (t: number, x: tf.Tensor2D): tf.Tensor2D => {
    check(x, 'denoise');
    const { m, alpha, beta } = ouCoefficients(t, 'denoise');
    return posteriorMean(x, m, alpha, beta);
  };
  const tweedie = tweedieScore(denoise);

  return {
    name: 'empirical',
    kernel: 'tfjs',
    size: N,
    dimension: D,

    at(t, x) {
      check(x, 'at');
      ouCoefficients(t, 'at');
      return tweedie(t, x);
    },

    denoise,

    denoiseVE(sigma, x) {
      check(x, 'denoiseVE');
      const { alpha, beta } = veCoefficients(sigma);
      return posteriorMean(x, 1, alpha, beta);
    },

    logDensity(t, x) {
      check(x, 'logDensity');
      const { m, s2, alpha, beta } = ouCoefficients(t, 'logDensity');
      const q = tf.tidy(() => tf.sub(x, tf.mul(mean, m)) as tf.Tensor2D);
      let lse: tf.Tensor1D | undefined;
      try {
        lse = logSumExp(q, alpha, beta);
        const l = lse;
        // log p = lse(logits) - ||q||^2/(2 s^2) - log N - (D/2) log(2 pi s^2)
        return tf.tidy(() => {
          const qNorm = tf.sum(tf.square(q), 1);
          const constant = logDensityConstant(N, D, s2);
          return tf.add(tf.sub(l, tf.mul(qNorm, 1 / (2 * s2))), constant) as tf.Tensor1D;
        });
      } finally {
        q.dispose();
        lse?.dispose();
      }
    },

    topWeights(t, x, k) {
      check(x, 'topWeights');
      const { m, alpha, beta } = ouCoefficients(t, 'topWeights');
      const q = tf.tidy(() => tf.sub(x, tf.mul(mean, m)) as tf.Tensor2D);
      try {
        const { rows, k: kk, candidates, lse } = topLogits(q, alpha, beta, k, 'topWeights');
        const indices = new Int32Array(rows * kk);
        const weights = new Float32Array(rows * kk);
        for (let b = 0; b < rows; b++) {
          for (let j = 0; j < kk; j++) {
            const c = candidates[b]![j]!;
            indices[b * kk + j] = c.index;
            weights[b * kk + j] = Math.exp(c.logit - lse[b]!);
          }
        }
        return { rows, k: kk, indices, weights };
      } finally {
        q.dispose();
      }
    },

    dispose() {
      if (disposed) return;
      disposed = true;
      for (const c of chunks) tf.dispose([c.withNorms, c.withOnes]);
      mean.dispose();
    },
  };
}
