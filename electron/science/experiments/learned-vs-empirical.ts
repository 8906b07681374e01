/**
 * Learned against empirical score (the paper's thesis, docs/math.md §3): several scores drive the same
 * sampler from the SAME initial points and step noise (row-keyed, samplers/sample.ts), so any
 * difference in the samples is the score's. Also the relative L2 error of each score against an
 * exact score on fresh x ~ p_t, when the target is known (synthetic Gaussian data).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../job-context';
import { ou } from '../forward-process';
import { createNoise, noiseStreams } from '../noise';
import { hooksFromContext, sample } from '../samplers/sample';
import type { GridChoice, OuSamplerChoice } from '../../contract/sampling';
import type { Score } from '../scores/score';

export interface PairedSampling {
  sampler: OuSamplerChoice;
  n: number;
  steps: number;
  grid: GridChoice;
  delta: number;
  T: number;
  seed: number;
}

/**
 * Samples n points with each score from the same noise; returns them in data coordinates
 * (x = e^delta x_OU, as runs/draw-samples.ts stores samples). Progress spans [from, to].
 */
export function sampleWithEachScore(scores: { label: string; score: Score }[], dimension: number, spec: PairedSampling, ctx?: JobContext, from = 0, to = 1): Float32Array[] {
  const scale = ou.veScale(spec.delta);
  return scores.map(({ label, score }, k) => {
    const span = (to - from) / scores.length;
    const hooks = hooksFromContext(ctx, `${label} score, step`, from + k * span, from + (k + 1) * span);
    const out = sample({ score }, { ...spec, dimension, batchSize: Math.min(spec.n, 1024) }, hooks).samples;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
    return out;
  });
}

/**
 * Relative L2 error ||s - s_exact|| / ||s_exact|| of each score at each time, over `count` fresh
 * points x ~ p_t of the target N(mean, variance I) (exact OU marginal, docs/math.md §1). Seeded by
 * (seed, picks, time index): every score sees the same points.
 */
export function relativeScoreErrors(scores: Score[], exact: Score, mean: ArrayLike<number>, variance: number, times: number[], seed: number, count = 2000): number[][] {
  const D = mean.length;
  return times.map((t, k) => {
    const m = ou.mean(t);
    const std = Math.sqrt(ou.variance(t) + m * m * variance);
    const x = tf.tidy(() => tf.add(tf.mul(tf.tensor2d(Float32Array.from(mean), [1, D]), m), tf.mul(createNoise(seed, noiseStreams.picks, 0x657272, k).normal([count, D]), std)) as tf.Tensor2D);
    const reference = exact.at(t, x);
    try {
      const norm = tf.tidy(() => tf.norm(reference).dataSync()[0]!);
      return scores.map((s) => {
        const v = s.at(t, x);
        try {
          return tf.tidy(() => tf.norm(tf.sub(v, reference)).dataSync()[0]!) / norm;
        } finally {
          v.dispose();
        }
      });
    } finally {
      tf.dispose([x, reference]);
    }
  });
}
