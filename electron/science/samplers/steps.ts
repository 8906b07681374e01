/**
 * The loop every sampler shares: advance a state step by step inside tf.tidy, report each step,
 * and dispose the state if a step or a hook throws (a cancelled job leaks no tensors).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface StepHooks {
  /** Called after every step; throwing (e.g. JobCancelled) stops the sampler between steps. */
  onStep?(step: number, of: number): void;
}

/**
 * y_{n+1} = advance(y_n, n) for n = 0..steps-1, starting from a copy of y0 (the caller keeps y0).
 * Returns the final state; the caller disposes it.
 */
export function runSteps(
  y0: tf.Tensor2D,
  steps: number,
  advance: (y: tf.Tensor2D, n: number) => tf.Tensor2D,
  hooks: StepHooks = {},
): tf.Tensor2D {
  let y = tf.clone(y0);
  try {
    for (let n = 0; n < steps; n++) {
      const next = tf.tidy(() => advance(y, n));
      y.dispose();
      y = next;
      hooks.onStep?.(n + 1, steps);
    }
    return y;
  } catch (e) {
    y.dispose();
    throw e;
  }
}

/** Checks a time grid runs strictly downwards and returns its number of steps. */
export function gridSteps(name: string, grid: ArrayLike<number>): number {
  if (grid.length < 2) throw new Error(`${name}: the grid needs at least 2 points, got ${grid.length}`);
  for (let i = 0; i + 1 < grid.length; i++) {
    if (!(grid[i]! > grid[i + 1]!)) {
      throw new Error(`${name}: the grid must decrease strictly; grid[${i}] = ${grid[i]} and grid[${i + 1}] = ${grid[i + 1]}`);
    }
  }
  if (!(grid[grid.length - 1]! >= 0)) throw new Error(`${name}: the grid must end at a time >= 0, got ${grid[grid.length - 1]}`);
  return grid.length - 1;
}
