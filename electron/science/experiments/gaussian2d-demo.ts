/**
 * The core of the paper's 2-D experiment (docs/math.md §3-4): N training points from
 * N(mean, variance I), reverse-SDE Euler–Maruyama from N(0, I) driven by the empirical optimal
 * score s_N, stopped at delta. With small delta the samples collapse onto the training points.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Gaussian2dDemoRequest, Gaussian2dDemoResult } from '../../contract';
import type { JobContext } from '../job-context';
import { uniformGrid } from '../grids';
import { createNoise, noiseStreams } from '../noise';
import { empiricalScore } from '../scores/empirical';
import { sampleEulerMaruyama } from '../samplers';

function rows(t: tf.Tensor2D): [number, number][] {
  const v = t.dataSync();
  const out: [number, number][] = [];
  for (let i = 0; i < t.shape[0]; i++) out.push([v[2 * i]!, v[2 * i + 1]!]);
  return out;
}

export async function gaussian2dDemo(p: Gaussian2dDemoRequest, ctx?: JobContext): Promise<Gaussian2dDemoResult> {
  const started = performance.now();
  const dataNoise = createNoise(p.seed, noiseStreams.data);
  const initialNoise = createNoise(p.seed, noiseStreams.initial);
  const samplerNoise = createNoise(p.seed, noiseStreams.sampler);
  const train = tf.tidy(() =>
    tf.add(tf.mul(dataNoise.normal([p.nTrain, 2]), Math.sqrt(p.variance)), tf.tensor1d(p.mean)) as tf.Tensor2D,
  );
  const score = empiricalScore(train);
  const y0 = initialNoise.normal([p.nSamples, 2]) as tf.Tensor2D;
  try {
    const grid = uniformGrid(p.T, p.delta, p.steps);
    const samples = sampleEulerMaruyama(score, y0, grid, samplerNoise, {
      onStep(step: number, of: number) {
        ctx?.throwIfCancelled();
        ctx?.progress(step / of, `step ${step}/${of}`);
      },
    });
    const result: Gaussian2dDemoResult = {
      train: rows(train),
      samples: rows(samples),
      params: { ...p, sampler: 'sde-euler-maruyama', score: 'empirical', grid: 'uniform' },
      backend: tf.getBackend(),
      seconds: (performance.now() - started) / 1000,
    };
    samples.dispose();
    return result;
  } finally {
    y0.dispose();
    score.dispose();
    train.dispose();
  }
}
