/**
 * EDM (Karras et al. 2022) deterministic Heun sampler in the VE form (docs/math.md §3), on a noise
 * grid sigma_0 > sigma_1 > ... > sigma_K >= 0:
 *   d = (x - D(x; sigma_i)) / sigma_i,   x' = x + (sigma_{i+1} - sigma_i) d,
 *   if sigma_{i+1} > 0:  d' = (x' - D(x'; sigma_{i+1})) / sigma_{i+1},
 *                        x  <- x + (sigma_{i+1} - sigma_i) (d + d') / 2.
 * Starts at x = sigma_0 y0 with y0 ~ N(0, I) and returns x in data (VE) coordinates.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import { edmSigmas } from '../grids';
import type { Score } from '../scores/score';
import { hasDenoiser } from '../scores/score';
import { runSteps, type StepHooks } from './steps';

/** A score that can denoise directly in VE coordinates (the empirical score can). */
interface VeDenoiser {
  denoiseVE(sigma: number, x: tf.Tensor2D): tf.Tensor2D;
}

function hasVeDenoiser(score: Score): score is Score & VeDenoiser {
  return typeof (score as Partial<VeDenoiser>).denoiseVE === 'function';
}

/**
 * D(x; sigma) from any OU score. With t = 0.5 ln(1 + sigma^2), m = e^{-t}, x_OU = m x:
 * D = E[X_0 | X_t = m x] (denoiser if the score has one), else Tweedie D = x + sigma^2 m s(t, m x).
 */
export function veDenoiser(score: Score): (sigma: number, x: tf.Tensor2D) => tf.Tensor2D {
  if (hasVeDenoiser(score)) return (sigma, x) => score.denoiseVE(sigma, x);
  if (hasDenoiser(score)) {
    return (sigma, x) => tf.tidy(() => {
      const t = ou.tOfSigma(sigma);
      return score.denoise(t, tf.mul(x, ou.mean(t)) as tf.Tensor2D);
    });
  }
  return (sigma, x) => tf.tidy(() => {
    const t = ou.tOfSigma(sigma);
    const m = ou.mean(t);
    return tf.add(x, tf.mul(score.at(t, tf.mul(x, m) as tf.Tensor2D), sigma * sigma * m)) as tf.Tensor2D;
  });
}

/**
 * The EDM noise levels for a run: `levels` Karras levels (edmSigmas) then 0, with the last
 * `stopEarly` steps dropped. levels = 18, stopEarly = 2 ends at sigma_16 = 0.00753 (docs/math.md §4).
 */
export function edmSchedule(levels = 18, sigmaMin = 0.002, sigmaMax = 80, rho = 7, stopEarly = 0): Float64Array {
  if (!Number.isInteger(stopEarly) || stopEarly < 0 || stopEarly >= levels) {
    throw new Error(`edmSchedule: stopEarly must be an integer in 0..${levels - 1}, got ${stopEarly}`);
  }
  const full = new Float64Array(levels + 1);
  full.set(edmSigmas(levels, sigmaMin, sigmaMax, rho));
  full[levels] = 0;
  return full.slice(0, levels + 1 - stopEarly);
}

export function sampleEdmHeun(score: Score, y0: tf.Tensor2D, sigmas: ArrayLike<number>, hooks: StepHooks = {}): tf.Tensor2D {
  if (sigmas.length < 2) throw new Error(`sampleEdmHeun: need at least 2 noise levels, got ${sigmas.length}`);
  for (let i = 0; i + 1 < sigmas.length; i++) {
    if (!(sigmas[i]! > sigmas[i + 1]!) || !(sigmas[i + 1]! >= 0)) {
      throw new Error(`sampleEdmHeun: noise levels must decrease strictly to >= 0; got ${sigmas[i]} then ${sigmas[i + 1]}`);
    }
  }
  const denoise = veDenoiser(score);
  const start = tf.tidy(() => tf.mul(y0, sigmas[0]!) as tf.Tensor2D);
  try {
    return runSteps(start, sigmas.length - 1, (x, i) => {
      const sigma = sigmas[i]!;
      const sigmaNext = sigmas[i + 1]!;
      const d = tf.div(tf.sub(x, denoise(sigma, x)), sigma);
      const euler = tf.add(x, tf.mul(d, sigmaNext - sigma)) as tf.Tensor2D;
      if (sigmaNext === 0) return euler;
      const dNext = tf.div(tf.sub(euler, denoise(sigmaNext, euler)), sigmaNext);
      return tf.add(x, tf.mul(tf.add(d, dNext), (sigmaNext - sigma) / 2)) as tf.Tensor2D;
    }, hooks);
  } finally {
    start.dispose();
  }
}
