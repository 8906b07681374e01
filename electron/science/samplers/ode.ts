/**
 * Deterministic samplers of the probability-flow ODE (docs/math.md §2), reversed time:
 *   dY = [Y + s(t, Y)] dtau,  from t_0 = T down to t_K.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Score } from '../scores/score';
import { gridSteps, runSteps, type StepHooks } from './steps';

/** The probability-flow velocity f(t, y) = y + s(t, y) (in reversed time). */
function velocity(score: Score, t: number, y: tf.Tensor2D): tf.Tensor2D {
  return tf.add(y, score.at(t, y)) as tf.Tensor2D;
}

/** Euler: Y <- Y + h (Y + s(t_n, Y)). */
export function sampleOdeEuler(score: Score, y0: tf.Tensor2D, grid: ArrayLike<number>, hooks: StepHooks = {}): tf.Tensor2D {
  const steps = gridSteps('sampleOdeEuler', grid);
  return runSteps(y0, steps, (y, n) => {
    const h = grid[n]! - grid[n + 1]!;
    return tf.add(y, tf.mul(velocity(score, grid[n]!, y), h)) as tf.Tensor2D;
  }, hooks);
}

/**
 * Heun (explicit trapezoid): Y' = Y + h f(t_n, Y);  Y <- Y + h/2 (f(t_n, Y) + f(t_{n+1}, Y')).
 * Two score evaluations per step; if the grid ends at t = 0 the last step is plain Euler
 * (the score is singular there).
 */
export function sampleOdeHeun(score: Score, y0: tf.Tensor2D, grid: ArrayLike<number>, hooks: StepHooks = {}): tf.Tensor2D {
  const steps = gridSteps('sampleOdeHeun', grid);
  return runSteps(y0, steps, (y, n) => {
    const t = grid[n]!;
    const tNext = grid[n + 1]!;
    const h = t - tNext;
    const f = velocity(score, t, y);
    const predicted = tf.add(y, tf.mul(f, h)) as tf.Tensor2D;
    if (tNext <= 0) return predicted;
    const fNext = velocity(score, tNext, predicted);
    return tf.add(y, tf.mul(tf.add(f, fNext), h / 2)) as tf.Tensor2D;
  }, hooks);
}
