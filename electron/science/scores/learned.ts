/**
 * A learned score: a trained network (networks/: an MLP for vectors, a U-Net for images) used as a
 * denoiser D(x_t) = E[y | x_t] through its preconditioning (networks/preconditioning.ts) and as a
 * score by Tweedie, s(t, x) = (m_t D(x) - x) / s_t^2 (OU process of docs/math.md §1; for noise
 * prediction this is -eps_theta(x, t) / s_t), so every sampler, EDM Heun included, can use it.
 *
 * The network sees the engine's model space (images in [-1, 1], vectors in data units, not
 * standardised): the samplers start from N(0, I) at T there, so a score that standardised
 * internally would describe another process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import { noisePredictor, preconditioningOf, type NetworkArchitecture, type NetworkModel } from '../networks';
import { denoiserCoefficients } from '../networks/preconditioning';
import { timeFeatureCount, writeTimeFeatures } from '../networks/time-features';
import { scoreFromDenoised, type DenoisingScore } from './score';

/** A learned score also exposes its noise prediction eps_theta (tests, diagnostics). */
export interface LearnedScore extends DenoisingScore {
  readonly architecture: NetworkArchitecture;
  /** eps_theta(x, t) for the rows of x. New tensor, caller disposes. */
  noise(t: number, x: tf.Tensor2D): tf.Tensor2D;
}

export function learnedScore(model: NetworkModel): LearnedScore {
  const net = noisePredictor(model);
  const a = model.architecture;
  const preconditioning = preconditioningOf(a);
  const F = timeFeatureCount(a.frequencies);
  const features = new Float32Array(F);
  const check = (name: string, t: number) => {
    if (!(t > 0) || !Number.isFinite(t)) throw new Error(`learnedScore.${name}: t must be finite and > 0 (s_t = 0 at t = 0), got ${t}`);
  };
  /** D(x_t) = fromX x_t + fromF F(inputScale x_t, f(t)): the posterior mean of y. */
  const denoise = (t: number, x: tf.Tensor2D): tf.Tensor2D => {
    writeTimeFeatures(t, a.frequencies, features);
    const c = denoiserCoefficients(preconditioning, t);
    return tf.tidy(() => {
      const out = net.predict(c.inputScale === 1 ? x : (tf.mul(x, c.inputScale) as tf.Tensor2D), tf.tensor2d(features, [1, F]));
      return tf.add(tf.mul(x, c.fromX), tf.mul(out, c.fromF)) as tf.Tensor2D;
    });
  };
  const score = (t: number, x: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => {
    const d = denoise(t, x);
    return scoreFromDenoised(x, d, ou.mean(t), ou.variance(t));
  });
  return {
    name: 'learned',
    architecture: a,
    noise(t, x) {
      check('noise', t);
      // eps = (x - m_t D) / s_t = -s_t score
      return tf.tidy(() => tf.mul(score(t, x), -ou.std(t)) as tf.Tensor2D);
    },
    at(t, x) {
      check('at', t);
      return score(t, x);
    },
    denoise(t, x) {
      check('denoise', t);
      return denoise(t, x);
    },
    dispose() {
      net.dispose();
    },
  };
}
