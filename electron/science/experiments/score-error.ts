/**
 * Score error against the number of training points (docs/math.md §4, figure §7): for the target
 * N(mu, c^2 I) in 2-D, the empirical score s_N of N training points against the exact score,
 *   err(N) = (1/K) sum_k E_{x ~ p_{t_k}} ||s_N(t_k, x) - grad log p_{t_k}(x)||^2,  t_k = k h, k = 1..T/h,
 * averaged over independent training sets; fresh x ~ p_t = N(m_t mu, (m_t^2 c^2 + s_t^2) I) at
 * every time. The error falls like 1/N (log-log slope about -0.98): the score is L2-accurate,
 * yet the sampler it drives only copies training points.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../job-context';
import { ou } from '../forward-process';
import { createNoise, noiseStreams } from '../noise';
import { empiricalScore } from '../scores/empirical';
import { isotropicGaussianScore } from '../scores/gaussian';

export interface ScoreErrorParams {
  /** Training-set sizes (default 100, 200, ..., 2000). */
  Ns?: number[];
  /** Independent training sets per size (default 10). */
  sets?: number;
  /** Horizon (default 5) and time step of the averaging grid (default 0.02). */
  T?: number;
  h?: number;
  /** Fresh x ~ p_t per time (default 1000). */
  samplesPerTime?: number;
  mean?: [number, number];
  variance?: number;
  seed?: number;
}

export interface ScoreErrorResult {
  params: Required<ScoreErrorParams>;
  Ns: number[];
  /** Mean over training sets of the time-averaged squared error, per N. */
  meanError: number[];
  /** Standard error of that mean over the training sets, per N. */
  standardError: number[];
  /** errors[i][j]: training set j of size Ns[i]. */
  errors: number[][];
  /** Least-squares fit log(meanError) = intercept + slope log(N). */
  slope: number;
  intercept: number;
  seconds: number;
}

export function resolveScoreErrorParams(p: ScoreErrorParams = {}): Required<ScoreErrorParams> {
  const out: Required<ScoreErrorParams> = {
    Ns: p.Ns ?? Array.from({ length: 20 }, (_, i) => 100 * (i + 1)),
    sets: p.sets ?? 10,
    T: p.T ?? 5,
    h: p.h ?? 0.02,
    samplesPerTime: p.samplesPerTime ?? 1000,
    mean: p.mean ?? [-5, 5],
    variance: p.variance ?? 10,
    seed: p.seed ?? 0,
  };
  if (out.Ns.length < 1 || !out.Ns.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error(`scoreErrorVsN: Ns must be positive integers, got [${out.Ns.join(', ')}]`);
  }
  if (!Number.isInteger(out.sets) || out.sets < 1) throw new Error(`scoreErrorVsN: sets must be a positive integer, got ${out.sets}`);
  if (!(out.h > 0) || !(out.T >= out.h)) throw new Error(`scoreErrorVsN: expected 0 < h <= T, got h = ${out.h}, T = ${out.T}`);
  if (!Number.isInteger(out.samplesPerTime) || out.samplesPerTime < 1) {
    throw new Error(`scoreErrorVsN: samplesPerTime must be a positive integer, got ${out.samplesPerTime}`);
  }
  return out;
}

/** Least-squares line through (x, y): returns slope and intercept. */
export function fitLine(x: number[], y: number[]): { slope: number; intercept: number } {
  const n = x.length;
  if (n < 2) return { slope: NaN, intercept: NaN };
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export async function scoreErrorVsN(params: ScoreErrorParams = {}, ctx?: JobContext): Promise<ScoreErrorResult> {
  const started = performance.now();
  const p = resolveScoreErrorParams(params);
  const K = Math.round(p.T / p.h);
  const times = Array.from({ length: K }, (_, k) => (k + 1) * p.h);
  const c = Math.sqrt(p.variance);
  const exact = isotropicGaussianScore(p.mean, c);
  const mean = tf.tensor2d([p.mean], [1, 2]);
  const B = p.samplesPerTime;
  const errors: number[][] = [];
  const totalUnits = p.Ns.length * p.sets * K;
  let done = 0;
  try {
    for (const N of p.Ns) {
      const perSet: number[] = [];
      for (let set = 0; set < p.sets; set++) {
        const train = createNoise(p.seed, noiseStreams.data, N, set).normalArray(N * 2);
        for (let i = 0; i < N; i++) {
          train[2 * i] = p.mean[0] + c * train[2 * i]!;
          train[2 * i + 1] = p.mean[1] + c * train[2 * i + 1]!;
        }
        const fresh = createNoise(p.seed, noiseStreams.picks, N, set);
        const score = empiricalScore({ values: train, rows: N, cols: 2 });
        let sum = 0;
        try {
          for (const t of times) {
            ctx?.throwIfCancelled();
            const m = ou.mean(t);
            const spread = Math.sqrt(m * m * p.variance + ou.variance(t));
            const squared = tf.tidy(() => {
              const x = tf.add(tf.mul(mean, m), tf.mul(fresh.normal([B, 2]), spread)) as tf.Tensor2D;
              const diff = tf.sub(score.at(t, x), exact.at(t, x));
              return tf.div(tf.sum(tf.square(diff)), B);
            });
            sum += squared.dataSync()[0]!;
            squared.dispose();
            done++;
            if (done % 50 === 0) ctx?.progress(done / totalUnits, `N = ${N}, training set ${set + 1}/${p.sets}`);
          }
        } finally {
          score.dispose();
        }
        perSet.push(sum / K);
      }
      errors.push(perSet);
    }
  } finally {
    exact.dispose();
    mean.dispose();
  }
  const meanError = errors.map((e) => e.reduce((a, b) => a + b, 0) / e.length);
  const standardError = errors.map((e, i) => {
    if (e.length < 2) return NaN;
    const v = e.reduce((a, b) => a + (b - meanError[i]!) ** 2, 0) / (e.length - 1);
    return Math.sqrt(v / e.length);
  });
  const { slope, intercept } = fitLine(p.Ns.map(Math.log), meanError.map(Math.log));
  ctx?.progress(1, 'done');
  return { params: p, Ns: p.Ns, meanError, standardError, errors, slope, intercept, seconds: (performance.now() - started) / 1000 };
}
