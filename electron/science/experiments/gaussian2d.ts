/**
 * The paper's 2-D experiment (docs/math.md §4, reference figures §7): N = 100 training points from
 * N((-5, 5), 10 I); 1000 samples by reverse-SDE Euler–Maruyama from N(0, I), T = 5, h = 0.0005
 * (10 000 steps), driven once by the empirical score s_N and once by the exact Gaussian score,
 * from the SAME initial points and the SAME step noise. The empirical run copies training points
 * (memorised fraction ~96%), the Gaussian run does not (~13%).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../job-context';
import { createNoise, noiseStreams } from '../noise';
import { empiricalScore } from '../scores/empirical';
import { isotropicGaussianScore } from '../scores/gaussian';
import type { Score } from '../scores/score';
import { sampleEulerMaruyama, sampleExponentialIntegrator } from '../samplers/sde';
import { hooksFromContext } from '../samplers/sample';
import { axisVariance, exactNearestTwo } from './nearest';
import { summarizeNearest, type NearestSummary } from '../metrics/memorization';
import { firstTwo } from '../points';

export interface Gaussian2dParams {
  /** Training points (default 100). */
  nTrain?: number;
  /** Target mean (default [-5, 5]) and per-axis variance c^2 (default 10). */
  mean?: [number, number];
  variance?: number;
  /** Samples (default 1000). */
  nSamples?: number;
  /** Horizon (default 5). */
  T?: number;
  /** Step size (default 0.0005); ignored when `steps` is given. */
  h?: number;
  /** Number of steps; default round((T - delta) / h) = 10 000. */
  steps?: number;
  /** Early stopping time (default 0: the last step lands on t = 0; the score is only evaluated at t > 0). */
  delta?: number;
  /** 'sde' (Euler–Maruyama: default, as the authors) or 'ei' (exponential integrator). */
  sampler?: 'sde' | 'ei';
  /** Seed of the training set, initial points and step noise (default 0). */
  seed?: number;
}

export interface Gaussian2dRun extends NearestSummary {
  samples: [number, number][];
  /** Per-axis sample variance (population). */
  variance: [number, number];
  /** Per-axis sample mean. */
  sampleMean: [number, number];
}

export interface Gaussian2dResult {
  params: Required<Gaussian2dParams>;
  train: [number, number][];
  empirical: Gaussian2dRun;
  gaussian: Gaussian2dRun;
  seconds: number;
}

export function resolveGaussian2dParams(p: Gaussian2dParams = {}): Required<Gaussian2dParams> {
  const T = p.T ?? 5;
  const delta = p.delta ?? 0;
  const h = p.h ?? 0.0005;
  const steps = p.steps ?? Math.round((T - delta) / h);
  const out: Required<Gaussian2dParams> = {
    nTrain: p.nTrain ?? 100,
    mean: p.mean ?? [-5, 5],
    variance: p.variance ?? 10,
    nSamples: p.nSamples ?? 1000,
    T,
    h: (T - delta) / steps,
    steps,
    delta,
    sampler: p.sampler ?? 'sde',
    seed: p.seed ?? 0,
  };
  if (!Number.isInteger(out.nTrain) || out.nTrain < 2) throw new Error(`gaussian2d: nTrain must be an integer >= 2, got ${out.nTrain}`);
  if (!Number.isInteger(out.nSamples) || out.nSamples < 1) throw new Error(`gaussian2d: nSamples must be a positive integer, got ${out.nSamples}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`gaussian2d: steps must be a positive integer, got ${steps}`);
  if (!(delta >= 0) || !(T > delta)) throw new Error(`gaussian2d: expected 0 <= delta < T, got delta = ${delta}, T = ${T}`);
  if (!(out.variance > 0)) throw new Error(`gaussian2d: variance must be positive, got ${out.variance}`);
  return out;
}

/** Uniform grid T = t_0 > ... > t_K = delta, allowing delta = 0 (never evaluated by EM/EI). */
function grid(T: number, delta: number, steps: number): Float64Array {
  const g = new Float64Array(steps + 1);
  for (let n = 0; n <= steps; n++) g[n] = T - ((T - delta) * n) / steps;
  g[steps] = delta;
  return g;
}

/** N points of N(mean, variance I) in 2-D, from the data stream of `seed`. */
export function gaussian2dTrainingSet(nTrain: number, mean: [number, number], variance: number, seed: number): Float32Array {
  const z = createNoise(seed, noiseStreams.data).normalArray(nTrain * 2);
  const c = Math.sqrt(variance);
  for (let i = 0; i < nTrain; i++) {
    z[2 * i] = mean[0] + c * z[2 * i]!;
    z[2 * i + 1] = mean[1] + c * z[2 * i + 1]!;
  }
  return z;
}

export async function gaussian2d(params: Gaussian2dParams = {}, ctx?: JobContext): Promise<Gaussian2dResult> {
  const started = performance.now();
  const p = resolveGaussian2dParams(params);
  const train = gaussian2dTrainingSet(p.nTrain, p.mean, p.variance, p.seed);
  const nearest = exactNearestTwo({ values: train, rows: p.nTrain, cols: 2 });
  const times = grid(p.T, p.delta, p.steps);
  const run = (score: Score, part: number): Gaussian2dRun => {
    // same seed and streams for both runs: identical initial points and step noise
    const y0 = createNoise(p.seed, noiseStreams.initial).normal([p.nSamples, 2]) as tf.Tensor2D;
    const stepNoise = createNoise(p.seed, noiseStreams.sampler);
    const hooks = hooksFromContext(ctx, part === 0 ? 'empirical score, step' : 'Gaussian score, step', part / 2, (part + 1) / 2);
    let out: tf.Tensor2D | undefined;
    try {
      out = p.sampler === 'ei'
        ? sampleExponentialIntegrator(score, y0, times, stepNoise, hooks)
        : sampleEulerMaruyama(score, y0, times, stepNoise, hooks);
      const values = out.dataSync() as Float32Array;
      const summary = summarizeNearest(nearest(values, p.nSamples));
      const variance = axisVariance(values, p.nSamples, 2);
      let mx = 0;
      let my = 0;
      for (let i = 0; i < p.nSamples; i++) {
        mx += values[2 * i]!;
        my += values[2 * i + 1]!;
      }
      return {
        ...summary,
        samples: firstTwo(values, p.nSamples, 2),
        variance: [variance[0]!, variance[1]!],
        sampleMean: [mx / p.nSamples, my / p.nSamples],
      };
    } finally {
      y0.dispose();
      out?.dispose();
    }
  };
  const empirical = empiricalScore({ values: train, rows: p.nTrain, cols: 2 });
  const exact = isotropicGaussianScore(p.mean, Math.sqrt(p.variance));
  try {
    ctx?.throwIfCancelled();
    const empiricalRun = run(empirical, 0);
    const gaussianRun = run(exact, 1);
    return {
      params: p,
      train: firstTwo(train, p.nTrain, 2),
      empirical: empiricalRun,
      gaussian: gaussianRun,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    empirical.dispose();
    exact.dispose();
  }
}
