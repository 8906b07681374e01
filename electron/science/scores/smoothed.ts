/**
 * The smoothed closed-form score of docs/math.md §6 (Scarvelis, Sáez de Ocáriz Borde & Solomon,
 * "Closed-form diffusion models"): the empirical optimal score s_N averaged over Gaussian
 * perturbations of its argument,
 *   s_smooth(t, x) = E_eps[ s_N(t, x + m_t sigma eps) ] ~ (1/M) sum_m s_N(t, x + m_t sigma eps_m),
 * eps_m ~ N(0, I). sigma is in DATA units at every t: OU states are data shrunk by m_t = e^{-t}
 * (training points sit at m_t y_i), so the perturbation is m_t sigma in OU coordinates, which is
 * exactly sigma in the VE/EDM coordinates x / m_t the EDM sampler works in. Averaging the score
 * over a neighbourhood of radius ~sigma pulls samples toward barycentres of the training points
 * within ~sigma of each other instead of onto single points: new samples, where s_N memorises.
 *
 * How it is computed (why each choice):
 * - Tweedie: s_N(t, x') = (m_t ybar(t, x') - x') / s_t^2, and with antithetic pairs (eps, -eps)
 *   the perturbations sum to exactly 0, so the average is (m_t mean_m ybar(t, x + m_t sigma eps_m)
 *   - x) / s_t^2: `denoise` is the mean of the inner denoiser over the M perturbed points and `at`
 *   is its Tweedie score (score.ts), consistent by construction; EDM Heun uses `denoise`. The
 *   linear part of s_N cancels exactly (no Monte Carlo error from it: for N = 1 the smoothed
 *   score IS s_N).
 * - All M perturbations of a batch [B, D] go to the inner score as ONE [M*B, D] call: fewer,
 *   larger products are faster on every backend (and the native kernel threads over rows).
 * - The perturbations are drawn afresh at every call, from a generator keyed by (seed, stream
 *   `picks`, a sub-key of this file, t and the float32 bits of the row): a different (t, x) gets
 *   independent draws, the same (t, x) the same ones. So the smoothed score is a (random but
 *   fixed) function of (t, x), `at` and `denoise` agree on it, and sample i depends only on its
 *   own trajectory, not on the batch it was drawn in (as with the other scores), as long as the
 *   inner score computes each row independently of the others (both s_N paths do).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import { createNoise, noiseStreams } from '../noise';
import { empiricalScore, type EmpiricalScoreOptions } from './empirical';
import type { DataMatrix } from '../data-matrix';
import { tweedieScore, type DenoisingScore } from './score';

/** Sub-key of the perturbation generators within stream `picks` ('smth'). */
const SMOOTHING_KEY = 0x736d7468;

export interface SmoothingOptions {
  /** sigma: standard deviation of the perturbations, data units (> 0). */
  smoothing: number;
  /** M: perturbations per evaluation, an even number >= 2 (antithetic pairs). */
  draws: number;
  /** Seed of the perturbations (stream `picks`). */
  seed: number;
}

export interface SmoothedScore extends DenoisingScore {
  /** sigma, data units. */
  readonly smoothing: number;
  /** M, perturbations per evaluation. */
  readonly draws: number;
}

/** Refuses what would not define a smoothed score; messages name the option. */
export function checkSmoothingOptions(o: SmoothingOptions): void {
  if (!(o.smoothing > 0) || !Number.isFinite(o.smoothing)) throw new Error(`smoothed score: smoothing (sigma, data units) must be positive and finite, got ${o.smoothing}`);
  if (!Number.isInteger(o.draws) || o.draws < 2 || o.draws % 2 !== 0) {
    throw new Error(`smoothed score: draws must be an even integer >= 2 (antithetic pairs eps, -eps), got ${o.draws}`);
  }
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new Error(`smoothed score: seed must be a non-negative integer, got ${o.seed}`);
}

/** murmur3's finaliser: spreads every input bit over the 32 output bits. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two independent 32-bit hashes of (t, row bits): the row's generator key (64 bits: no collisions in practice). */
function rowKey(tBits: Uint32Array, words: Uint32Array, from: number, to: number): [number, number] {
  let h1 = 0x9747b28c ^ tBits[0]!;
  let h2 = 0x1b873593 ^ tBits[1]!;
  for (let j = from; j < to; j++) {
    const w = words[j]!;
    h1 = Math.imul(h1 ^ w, 0xcc9e2d51);
    h1 = ((h1 << 15) | (h1 >>> 17)) + 0x6b64e654;
    h2 = Math.imul(h2 ^ w, 0x85ebca6b);
    h2 = ((h2 << 13) | (h2 >>> 19)) + h1;
  }
  return [fmix32(h1 ^ (to - from)), fmix32(h2 ^ h1)];
}

/**
 * Smooths any denoising score over Gaussian perturbations of its argument (see the notes above);
 * takes ownership of `inner` (dispose releases it).
 */
export function smoothedScore(inner: DenoisingScore, options: SmoothingOptions): SmoothedScore {
  try {
    checkSmoothingOptions(options);
  } catch (e) {
    inner.dispose();
    throw e;
  }
  const { smoothing: sigma, draws: M, seed } = options;
  const half = M / 2;
  let disposed = false;
  const tBits = new Uint32Array(new Float64Array(1).buffer);
  const tValue = new Float64Array(tBits.buffer);

  /** The M perturbed copies of the rows of x, stacked [M*B, D]: block k holds x + m sigma eps_k, block k + M/2 x - m sigma eps_k. */
  function perturb(t: number, x: tf.Tensor2D): tf.Tensor2D {
    const [B, D] = x.shape;
    const values = x.dataSync() as Float32Array;
    const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const scale = ou.mean(t) * sigma;
    tValue[0] = t;
    const out = new Float32Array(M * B * D);
    for (let i = 0; i < B; i++) {
      const row = i * D;
      const eps = createNoise(seed, noiseStreams.picks, SMOOTHING_KEY, ...rowKey(tBits, words, row, row + D)).normalArray(half * D);
      for (let k = 0; k < half; k++) {
        const plus = (k * B + i) * D;
        const minus = ((k + half) * B + i) * D;
        for (let d = 0; d < D; d++) {
          const e = scale * eps[k * D + d]!;
          out[plus + d] = values[row + d]! + e;
          out[minus + d] = values[row + d]! - e;
        }
      }
    }
    return tf.tensor2d(out, [M * B, D]);
  }

  function check(t: number, x: tf.Tensor2D, what: string): void {
    if (disposed) throw new Error(`smoothedScore.${what}: the score was disposed`);
    if (x.rank !== 2) throw new Error(`smoothedScore.${what}: expected x of shape [B, D], got [${x.shape.join(', ')}]`);
    if (!(t > 0) || !Number.isFinite(t)) throw new Error(`smoothedScore.${what}: t must be positive and finite, got ${t}`);
  }

  function denoise(t: number, x: tf.Tensor2D): tf.Tensor2D {
    check(t, x, 'denoise');
    const [B, D] = x.shape;
    const perturbed = perturb(t, x);
    let denoised: tf.Tensor2D | undefined;
    try {
      denoised = inner.denoise(t, perturbed);
      const d = denoised;
      return tf.tidy(() => tf.mean(tf.reshape(d, [M, B, D]), 0) as tf.Tensor2D);
    } finally {
      perturbed.dispose();
      denoised?.dispose();
    }
  }

  return {
    name: `smoothed-${inner.name}`,
    smoothing: sigma,
    draws: M,
    denoise,
    at: tweedieScore(denoise),
    dispose() {
      if (disposed) return;
      disposed = true;
      inner.dispose();
    },
  };
}

/**
 * The smoothed s_N of the rows of `data` (already scaled), on ONE empirical score (the native
 * denoiser for D >= 64 when built, else tfjs; `empirical` passes options through).
 */
export function smoothedEmpiricalScore(data: tf.Tensor2D | DataMatrix, options: SmoothingOptions, empirical: EmpiricalScoreOptions = {}): SmoothedScore {
  checkSmoothingOptions(options);
  return smoothedScore(empiricalScore(data, empirical), options);
}
