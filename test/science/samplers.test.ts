/**
 * Samplers against closed forms (docs/math.md §2-3):
 * - the reverse SDE driven by s_N outputs the KDE p_delta^N = (1/N) sum_i N(e^{-delta} y_i, h^2 I):
 *   compared with direct KDE samples by a two-sample Kolmogorov–Smirnov test per axis;
 * - with the exact Gaussian score, samples at delta have mean e^{-delta} mu and variance
 *   e^{-2 delta} c^2 + 1 - e^{-2 delta} (tolerances from the sample size);
 * - EDM Heun with a Gaussian score returns N(mu, c^2) at sigma = 0;
 * - nothing leaks, also when a hook cancels mid-run.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { createNoise, noiseStreams } from '../../electron/science/noise';
import { geometricGrid, uniformGrid } from '../../electron/science/grids';
import { ou } from '../../electron/science/forward-process';
import { empiricalScore } from '../../electron/science/scores/empirical';
import { isotropicGaussianScore } from '../../electron/science/scores/gaussian';
import {
  sampleEulerMaruyama, sampleExponentialIntegrator, sampleOdeEuler, sampleOdeHeun, sampleEdmHeun, sampleKde,
  sampleCifarKde, scottBandwidth, edmSchedule, sample,
} from '../../electron/science/samplers';
import { JobCancelled } from '../../electron/science/job-context';

beforeAll(async () => {
  await useTestBackend();
});

/** Two-sample KS statistic sup |F_a - F_b|. */
function ks(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** KS critical value at level 1e-3: c(alpha) sqrt((n + m)/(n m)), c = sqrt(-ln(alpha/2)/2). */
function ksCritical(n: number, m: number): number {
  return Math.sqrt(-Math.log(0.0005) / 2) * Math.sqrt((n + m) / (n * m));
}

function column(values: ArrayLike<number>, D: number, j: number): number[] {
  const out: number[] = [];
  for (let i = j; i < values.length; i += D) out.push(values[i]!);
  return out;
}

function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

/** Samples of a sampler as plain arrays (disposes the tensor). */
function run(f: () => tf.Tensor2D): Float32Array {
  const t = f();
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

describe('samplers', () => {
  it('reverse SDE with s_N and many steps matches the direct KDE in distribution (2-D, KS per axis)', () => {
    const start = tf.memory().numTensors;
    const train = { values: Float32Array.from([-2, 0.5, 0, -1, 1.5, 1, 2.5, -0.5, 0.3, 2]), rows: 5, cols: 2 };
    const delta = 0.05;
    const n = 1500;
    const score = empiricalScore(train);
    const grid = geometricGrid(5, delta, 400);
    const y0 = createNoise(11, noiseStreams.initial).normal([n, 2]) as tf.Tensor2D;
    const em = run(() => sampleEulerMaruyama(score, y0, grid, createNoise(11, noiseStreams.sampler)));
    const ei = run(() => sampleExponentialIntegrator(score, y0, grid, createNoise(12, noiseStreams.sampler)));
    const kde = run(() => sampleKde(train, n, delta, createNoise(13, noiseStreams.picks)));
    const critical = ksCritical(n, n);
    for (const j of [0, 1]) {
      expect(ks(column(em, 2, j), column(kde, 2, j)), `EM axis ${j}`).toBeLessThan(critical);
      expect(ks(column(ei, 2, j), column(kde, 2, j)), `EI axis ${j}`).toBeLessThan(critical);
    }
    // and the KDE is what the formula says: centres e^{-delta} y_i, spread h(delta)
    const centred = column(kde, 2, 0);
    expect(Math.min(...centred)).toBeLessThan(-2 * Math.exp(-delta) + 0.2);
    y0.dispose();
    score.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('exact Gaussian score: sample mean e^{-delta} mu and variance e^{-2 delta} c^2 + s_delta^2 (EM, EI, ODE Euler/Heun)', () => {
    const start = tf.memory().numTensors;
    const mu = [1, -2];
    const c2 = 4;
    const delta = 0.01;
    const n = 3000;
    const score = isotropicGaussianScore(mu, Math.sqrt(c2));
    const y0 = createNoise(21).normal([n, 2]) as tf.Tensor2D;
    const grid = uniformGrid(5, delta, 300);
    const m = ou.mean(delta);
    const variance = m * m * c2 + ou.variance(delta);
    const runs: [string, Float32Array, number][] = [
      ['sde', run(() => sampleEulerMaruyama(score, y0, grid, createNoise(22, 1))), 0.05],
      ['ei', run(() => sampleExponentialIntegrator(score, y0, grid, createNoise(23, 1))), 0.05],
      ['ode', run(() => sampleOdeEuler(score, y0, grid)), 0.05],
      ['heun', run(() => sampleOdeHeun(score, y0, geometricGrid(5, delta, 40))), 0.01],
    ];
    for (const [name, values, bias] of runs) {
      for (const j of [0, 1]) {
        const got = moments(column(values, 2, j));
        // sampling error (5 standard errors) + a discretisation allowance per method
        expect(Math.abs(got.mean - m * mu[j]!), `${name} mean axis ${j}`).toBeLessThan(5 * Math.sqrt(variance / n) + bias);
        expect(Math.abs(got.variance / variance - 1), `${name} variance axis ${j}`).toBeLessThan(5 * Math.sqrt(2 / n) + bias);
      }
    }
    y0.dispose();
    score.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('EDM Heun (VE form) with a Gaussian score returns N(mu, c^2) at sigma = 0 (fine grid)', () => {
    // 18 levels are ~5% off in std for c = 0.5 (checked by hand on the scalar linear ODE), so a
    // fine grid checks the algorithm, not the coarse schedule's error.
    const mu = [3, -1];
    const score = isotropicGaussianScore(mu, 0.5);
    const n = 3000;
    const y0 = createNoise(31).normal([n, 2]) as tf.Tensor2D;
    const values = run(() => sampleEdmHeun(score, y0, edmSchedule(120)));
    for (const j of [0, 1]) {
      const got = moments(column(values, 2, j));
      expect(Math.abs(got.mean - mu[j]!)).toBeLessThan(5 * Math.sqrt(0.25 / n) + 0.01);
      expect(Math.abs(got.variance / 0.25 - 1)).toBeLessThan(5 * Math.sqrt(2 / n) + 0.02);
    }
    y0.dispose();
    score.dispose();
  });

  it('EDM Heun with s_N stopped at small sigma lands next to a training point (distance ~ sigma sqrt(D))', () => {
    const D = 16;
    const train = { values: createNoise(41, noiseStreams.data).normalArray(20 * D), rows: 20, cols: D };
    const score = empiricalScore(train);
    const y0 = createNoise(42).normal([8, D]) as tf.Tensor2D;
    const schedule = edmSchedule(18, 0.002, 80, 7, 2);
    const values = run(() => sampleEdmHeun(score, y0, schedule));
    const sigma = schedule.at(-1)!;
    for (let b = 0; b < 8; b++) {
      let best = Infinity;
      for (let i = 0; i < 20; i++) {
        let d = 0;
        for (let j = 0; j < D; j++) d += (values[b * D + j]! - train.values[i * D + j]!) ** 2;
        best = Math.min(best, Math.sqrt(d));
      }
      expect(best).toBeLessThan(2 * sigma * Math.sqrt(D));
    }
    y0.dispose();
    score.dispose();
  });

  it('the paper CIFAR KDE: Scott bandwidth per coordinate, samples clipped to [0, 255]', () => {
    const pixels = { values: Uint8Array.from([0, 255, 10, 250, 20, 245, 30, 240]), rows: 4, cols: 2 };
    const bw = scottBandwidth(pixels);
    const sd0 = Math.sqrt(((0 - 15) ** 2 + (10 - 15) ** 2 + (20 - 15) ** 2 + (30 - 15) ** 2) / 3);
    expect(bw[0]!).toBeCloseTo(4 ** (-1 / 6) * sd0, 10);
    const values = run(() => sampleCifarKde(pixels, 500, createNoise(5, 2), { factor: 100 }));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(255);
    expect(values.some((v) => v === 0) && values.some((v) => v === 255)).toBe(true);
  });

  it('dispatcher: sample i does not depend on the batch size; samplerSeed changes only step noise', () => {
    const score = isotropicGaussianScore([0, 0, 0], 1);
    const spec = { sampler: 'sde' as const, n: 10, dimension: 3, seed: 4, T: 2, delta: 0.1, steps: 8 };
    const a = sample({ score }, { ...spec, batchSize: 10 });
    const b = sample({ score }, { ...spec, batchSize: 3 });
    expect(Array.from(b.samples)).toEqual(Array.from(a.samples));
    const c = sample({ score }, { ...spec, samplerSeed: 99 });
    expect(Array.from(c.samples)).not.toEqual(Array.from(a.samples));
    // the ODE uses no step noise, so only the initial noise matters
    const odeA = sample({ score }, { ...spec, sampler: 'heun' });
    const odeB = sample({ score }, { ...spec, sampler: 'heun', samplerSeed: 99 });
    expect(Array.from(odeB.samples)).toEqual(Array.from(odeA.samples));
    expect(a.scoreEvaluations).toBe(8);
    expect(odeA.scoreEvaluations).toBe(16);
    const kde = sample({ data: { values: Float32Array.from([0, 0, 0, 5, 5, 5]), rows: 2, cols: 3 } }, { ...spec, sampler: 'kde' });
    expect(kde.samples.length).toBe(30);
    expect(() => sample({}, spec)).toThrow(/score is required/);
    score.dispose();
  });

  it('no tensors leak across a run, including one cancelled by its hook', () => {
    const start = tf.memory().numTensors;
    const train = { values: createNoise(1, 3).normalArray(50 * 4), rows: 50, cols: 4 };
    const score = empiricalScore(train, { chunkSize: 16 });
    const spec = { n: 12, dimension: 4, seed: 1, T: 3, delta: 0.01, steps: 10, batchSize: 5 };
    for (const sampler of ['sde', 'ei', 'ode', 'heun', 'edm'] as const) {
      // edm: the 10 Karras levels of [0.002, 80] and then sigma = 0
      const edm = sampler === 'edm' ? { sigmas: edmSchedule(10) } : {};
      sample({ score }, { ...spec, sampler, ...edm });
      expect(tf.memory().numTensors, sampler).toBe(start + 4 * 2 + 1);
      let calls = 0;
      const cancelAtThree = { onStep: () => { if (++calls === 3) throw new JobCancelled(); } };
      expect(() => sample({ score }, { ...spec, sampler, ...edm }, cancelAtThree)).toThrow(JobCancelled);
      expect(tf.memory().numTensors, `${sampler} cancelled`).toBe(start + 4 * 2 + 1);
    }
    score.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
