/**
 * Stochastic samplers of the reverse OU SDE (docs/math.md §2), in reversed time from t_0 = T to t_K:
 *   dY = [Y + 2 s(t, Y)] dtau + sqrt(2) dB.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NoiseSource } from '../noise';
import { ou } from '../forward-process';
import type { Score } from '../scores/score';
import { gridSteps, runSteps, type StepHooks } from './steps';

/** Euler–Maruyama: Y <- Y + h (Y + 2 s(t_n, Y)) + sqrt(2 h) xi,  h = t_n - t_{n+1}. */
export function sampleEulerMaruyama(
  score: Score,
  y0: tf.Tensor2D,
  grid: ArrayLike<number>,
  noise: NoiseSource,
  hooks: StepHooks = {},
): tf.Tensor2D {
  return scoreSteps('sampleEulerMaruyama', score, y0, grid, hooks, (y, s, h) => {
    const drift = tf.add(y, tf.mul(s, 2));
    return tf.add(tf.add(y, tf.mul(drift, h)), tf.mul(noise.normal(y.shape), Math.sqrt(2 * h))) as tf.Tensor2D;
  });
}

/**
 * Exponential integrator (exact for the linear part, score frozen over the step):
 *   Y <- e^h Y + 2 (e^h - 1) s(t_n, Y) + sqrt(e^{2h} - 1) xi.
 */
export function sampleExponentialIntegrator(
  score: Score,
  y0: tf.Tensor2D,
  grid: ArrayLike<number>,
  noise: NoiseSource,
  hooks: StepHooks = {},
): tf.Tensor2D {
  return scoreSteps('sampleExponentialIntegrator', score, y0, grid, hooks, (y, s, h) => {
    const deterministic = tf.add(tf.mul(y, Math.exp(h)), tf.mul(s, 2 * Math.expm1(h)));
    // the noise of an OU step of length h is sigma(h) = sqrt(e^{2h} - 1) in the reverse-time scaling
    return tf.add(deterministic, tf.mul(noise.normal(y.shape), ou.sigmaOfT(h))) as tf.Tensor2D;
  });
}

/** Runs `update(y, s(t_n, y), h)` over the grid steps, h = t_n - t_{n+1}: what both SDE steps share. */
function scoreSteps(
  name: string,
  score: Score,
  y0: tf.Tensor2D,
  grid: ArrayLike<number>,
  hooks: StepHooks,
  update: (y: tf.Tensor2D, s: tf.Tensor2D, h: number) => tf.Tensor2D,
): tf.Tensor2D {
  const steps = gridSteps(name, grid);
  return runSteps(y0, steps, (y, n) => {
    const t = grid[n]!;
    return update(y, score.at(t, y), t - grid[n + 1]!);
  }, hooks);
}
