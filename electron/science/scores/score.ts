/**
 * A score s(t, x) ~ grad_x log p_t(x) of the OU forward process (docs/math.md §1), on a batch [B, D].
 * Implementations: empirical (KDE, docs/math.md §3), gaussian (closed form), learned (a trained network),
 * smoothed and local patch (docs/math.md §6).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';

export interface Score {
  readonly name: string;
  /** Score at OU time t for the rows of x; returns a new tensor the caller disposes. */
  at(t: number, x: tf.Tensor2D): tf.Tensor2D;
  /** Releases tensors the score holds (e.g. the training set on the device). */
  dispose(): void;
}

/**
 * A score that also knows its ideal denoiser E[X_0 | X_t = x] (posterior mean), which the
 * VE/EDM sampler uses directly: D(x_VE; sigma) = denoise(t(sigma), x_VE / e^t).
 */
export interface DenoisingScore extends Score {
  /** Posterior mean of X_0 given X_t = x (OU coordinates). New tensor, caller disposes. */
  denoise(t: number, x: tf.Tensor2D): tf.Tensor2D;
}

export function hasDenoiser(score: Score): score is DenoisingScore {
  return typeof (score as Partial<DenoisingScore>).denoise === 'function';
}

/** Tweedie: s(t, x) = (m_t xhat0 - x) / s_t^2, for any denoiser xhat0. */
export function scoreFromDenoised(x: tf.Tensor2D, denoised: tf.Tensor2D, m: number, s2: number): tf.Tensor2D {
  return tf.tidy(() => tf.sub(tf.mul(denoised, m / s2), tf.mul(x, 1 / s2)));
}

/** s(t, x) from a denoiser by Tweedie, releasing the denoised batch: `at` of denoiser-first scores. */
export function tweedieScore(denoise: (t: number, x: tf.Tensor2D) => tf.Tensor2D): (t: number, x: tf.Tensor2D) => tf.Tensor2D {
  return (t, x) => {
    const ybar = denoise(t, x);
    try {
      return scoreFromDenoised(x, ybar, ou.mean(t), ou.variance(t));
    } finally {
      ybar.dispose();
    }
  };
}
