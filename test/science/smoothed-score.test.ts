/**
 * The smoothed closed-form score (scores/smoothed.ts, docs/math.md §6) against closed forms:
 * - N = 1 (and any Gaussian target): the score is linear in x, so antithetic perturbations leave
 *   it unchanged exactly;
 * - N = 2 in 1-D: E_eps[s_N(t, x + m_t sigma eps)] by a fine quadrature, within the Monte Carlo
 *   error of M draws;
 * - sigma -> 0 gives s_N; Tweedie consistency of `at` and `denoise`; one [M*B, D] inner call per
 *   evaluation; rows independent of their batch; no leaked tensors; refusals.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { createNoise } from '../../electron/science/noise';
import { ou } from '../../electron/science/forward-process';
import { empiricalScore } from '../../electron/science/scores/empirical';
import { isotropicGaussianScore } from '../../electron/science/scores/gaussian';
import { scoreFromDenoised, type DenoisingScore } from '../../electron/science/scores/score';
import { smoothedEmpiricalScore, smoothedScore } from '../../electron/science/scores/smoothed';
import { sample } from '../../electron/science/samplers/sample';
import { edmStepSigmas } from '../../electron/science/grids';

beforeAll(async () => {
  await useTestBackend();
});

function matrix(rows: number, cols: number, seed: number, spread = 1): { values: Float32Array; rows: number; cols: number } {
  const values = createNoise(seed, 3).normalArray(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = spread * values[i]!;
  return { values, rows, cols };
}

/** max_i |a_i - b_i| / max(1, max_i |b_i|) */
function maxRelativeDifference(a: tf.Tensor, b: tf.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < av.length; i++) {
    diff = Math.max(diff, Math.abs(av[i]! - bv[i]!));
    scale = Math.max(scale, Math.abs(bv[i]!));
  }
  return diff / scale;
}

/** s_N(t, z) for 1-D data y, in float64. */
function scoreN1d(t: number, z: number, y: number[]): number {
  const m = ou.mean(t);
  const s2 = ou.variance(t);
  const logits = y.map((v) => -((z - m * v) ** 2) / (2 * s2));
  const top = Math.max(...logits);
  const w = logits.map((l) => Math.exp(l - top));
  const total = w.reduce((a, b) => a + b, 0);
  const ybar = w.reduce((a, wi, i) => a + wi * y[i]!, 0) / total;
  return (m * ybar - z) / s2;
}

/** Mean and standard deviation of f(eps), eps ~ N(0, 1), by the trapezoid rule on [-12, 12] (spectrally accurate here). */
function gaussianMoments(f: (eps: number) => number): { mean: number; std: number } {
  const K = 12_000;
  const h = 24 / K;
  let m1 = 0;
  let m2 = 0;
  for (let k = 0; k <= K; k++) {
    const e = -12 + k * h;
    const w = (k === 0 || k === K ? 0.5 : 1) * h * Math.exp(-0.5 * e * e) / Math.sqrt(2 * Math.PI);
    const v = f(e);
    m1 += w * v;
    m2 += w * v * v;
  }
  return { mean: m1, std: Math.sqrt(Math.max(0, m2 - m1 * m1)) };
}

describe('smoothed empirical score', () => {
  it('equals s_N exactly for one training point (s_N is linear in x; antithetic draws cancel)', () => {
    const start = tf.memory().numTensors;
    const y = matrix(1, 3, 1, 2);
    const x = tf.tensor2d(matrix(7, 3, 2, 3).values, [7, 3]);
    const exact = empiricalScore(y);
    const smooth = smoothedEmpiricalScore(y, { smoothing: 1.5, draws: 8, seed: 0 });
    for (const t of [0.01, 0.1, 1, 4]) {
      const a = smooth.at(t, x);
      const b = exact.at(t, x);
      expect(maxRelativeDifference(a, b), `t = ${t}`).toBeLessThan(2e-6);
      const d = smooth.denoise(t, x);
      const dv = d.dataSync();
      for (let i = 0; i < 7; i++) for (let j = 0; j < 3; j++) expect(dv[i * 3 + j]!).toBeCloseTo(y.values[j]!, 5);
      tf.dispose([a, b, d]);
    }
    tf.dispose([x]);
    exact.dispose();
    smooth.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('matches E_eps[s_N(t, x + m_t sigma eps)] by quadrature for N = 2 in 1-D, within the Monte Carlo error (M = 4096)', () => {
    const y = [-1, 1.5];
    const sigma = 0.8;
    const M = 4096;
    const xs = [-1.2, -0.3, 0.2, 0.45, 1.1, 2];
    const x = tf.tensor2d(xs, [xs.length, 1]);
    const smooth = smoothedEmpiricalScore({ values: Float32Array.from(y), rows: 2, cols: 1 }, { smoothing: sigma, draws: M, seed: 5 });
    for (const t of [0.02, 0.1, 0.4]) {
      const got = smooth.at(t, x);
      const values = got.dataSync();
      got.dispose();
      const scale = ou.mean(t) * sigma;
      let worst = 0;
      let effect = 0;
      for (let i = 0; i < xs.length; i++) {
        const { mean, std } = gaussianMoments((e) => scoreN1d(t, xs[i]! + scale * e, y));
        // antithetic pairs: the estimate's std is at most sqrt(2) std / sqrt(M)
        const mcError = (Math.SQRT2 * std) / Math.sqrt(M);
        const z = Math.abs(values[i]! - mean) / (mcError + 1e-5 * Math.abs(mean));
        worst = Math.max(worst, z);
        effect = Math.max(effect, Math.abs(mean - scoreN1d(t, xs[i]!, y)) / mcError);
      }
      expect(worst, `t = ${t}`).toBeLessThan(4.5);
      // and the smoothing matters here: between the points the smoothed score is far from s_N
      expect(effect, `t = ${t}`).toBeGreaterThan(10);
    }
    x.dispose();
    smooth.dispose();
  });

  it('tends to s_N as sigma -> 0', () => {
    const y = matrix(20, 2, 3);
    const x = tf.tensor2d(matrix(9, 2, 4).values, [9, 2]);
    const exact = empiricalScore(y);
    const smooth = smoothedEmpiricalScore(y, { smoothing: 1e-6, draws: 4, seed: 0 });
    for (const t of [0.05, 0.5, 2]) {
      const a = smooth.at(t, x);
      const b = exact.at(t, x);
      expect(maxRelativeDifference(a, b), `t = ${t}`).toBeLessThan(1e-4);
      tf.dispose([a, b]);
    }
    tf.dispose(x);
    exact.dispose();
    smooth.dispose();
  });

  it('is Tweedie-consistent: at = (m_t denoise - x) / s_t^2, from the same perturbations (a fixed function of (t, x) per seed)', () => {
    const y = matrix(30, 2, 6);
    const x = tf.tensor2d(matrix(11, 2, 7).values, [11, 2]);
    const smooth = smoothedEmpiricalScore(y, { smoothing: 0.4, draws: 6, seed: 1 });
    const other = smoothedEmpiricalScore(y, { smoothing: 0.4, draws: 6, seed: 2 });
    for (const t of [0.03, 0.3]) {
      const s = smooth.at(t, x);
      const d = smooth.denoise(t, x);
      const tweedie = scoreFromDenoised(x, d, ou.mean(t), ou.variance(t));
      expect(maxRelativeDifference(s, tweedie)).toBeLessThan(1e-6);
      const again = smooth.at(t, x);
      expect(Array.from(again.dataSync())).toEqual(Array.from(s.dataSync()));
      const reseeded = other.at(t, x);
      expect(maxRelativeDifference(reseeded, s)).toBeGreaterThan(1e-4);
      tf.dispose([s, d, tweedie, again, reseeded]);
    }
    tf.dispose(x);
    smooth.dispose();
    other.dispose();
  });

  it('gives each row the same value whatever batch it is in', () => {
    for (const D of [2, 80]) {
      const y = matrix(40, D, 8);
      const rows = matrix(6, D, 9).values;
      const smooth = smoothedEmpiricalScore(y, { smoothing: 0.5, draws: 8, seed: 3 });
      const batch = tf.tensor2d(rows, [6, D]);
      const alone = tf.tensor2d(rows.slice(4 * D, 5 * D), [1, D]);
      const all = smooth.denoise(0.2, batch);
      const one = smooth.denoise(0.2, alone);
      expect(Array.from(one.dataSync()), `D = ${D}`).toEqual(Array.from(all.dataSync().slice(4 * D, 5 * D)));
      tf.dispose([batch, alone, all, one]);
      smooth.dispose();
    }
  });

  it('smooths any denoiser with one [M*B, D] inner call per evaluation; a Gaussian score stays exact', () => {
    const start = tf.memory().numTensors;
    const gaussian = isotropicGaussianScore([1, -2, 0.5], 1.3);
    const shapes: number[][] = [];
    let innerDisposed = false;
    const spy: DenoisingScore = {
      name: 'spy',
      at: (t, x) => gaussian.at(t, x),
      denoise: (t, x) => {
        shapes.push([...x.shape]);
        return gaussian.denoise(t, x);
      },
      dispose: () => {
        innerDisposed = true;
      },
    };
    const smooth = smoothedScore(spy, { smoothing: 0.7, draws: 10, seed: 0 });
    expect(smooth.name).toBe('smoothed-spy');
    const x = tf.tensor2d(matrix(5, 3, 10).values, [5, 3]);
    const a = smooth.at(0.3, x);
    const b = gaussian.at(0.3, x);
    expect(shapes).toEqual([[50, 3]]);
    expect(maxRelativeDifference(a, b)).toBeLessThan(2e-6);
    tf.dispose([a, b, x]);
    smooth.dispose();
    expect(innerDisposed).toBe(true);
    gaussian.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('drives every sampler (EDM Heun through denoise) without leaking tensors', () => {
    const start = tf.memory().numTensors;
    const y = matrix(25, 2, 11, 2);
    const smooth = smoothedEmpiricalScore(y, { smoothing: 0.5, draws: 4, seed: 0 });
    for (const sampler of ['sde', 'ei', 'heun', 'edm'] as const) {
      // edm: 19 Heun steps over Karras levels from sigma(5) down to sigma(0.01)
      const edm = sampler === 'edm' ? { sigmas: edmStepSigmas(19, ou.sigmaOfT(0.01), ou.sigmaOfT(5)) } : {};
      const r = sample({ score: smooth }, { sampler, n: 12, dimension: 2, seed: 0, batchSize: 5, T: 5, delta: 0.01, steps: 20, grid: 'geometric', ...edm });
      expect(r.samples.every(Number.isFinite), sampler).toBe(true);
    }
    smooth.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('refuses sigma <= 0, NaN or infinite, odd or too few draws, t <= 0, and use after dispose', () => {
    const start = tf.memory().numTensors;
    const y = matrix(5, 2, 12);
    for (const smoothing of [0, -1, NaN, Infinity]) {
      expect(() => smoothedEmpiricalScore(y, { smoothing, draws: 8, seed: 0 }), `sigma ${smoothing}`).toThrow(/smoothing \(sigma, data units\) must be positive and finite/);
    }
    for (const draws of [0, 1, 3, 7, 2.5]) {
      expect(() => smoothedEmpiricalScore(y, { smoothing: 1, draws, seed: 0 }), `draws ${draws}`).toThrow(/draws must be an even integer >= 2/);
    }
    // a refused smoothing releases the inner score it was given
    let released = false;
    const inner = isotropicGaussianScore([0, 0], 1);
    expect(() => smoothedScore({ name: 'g', at: inner.at, denoise: inner.denoise, dispose: () => { released = true; inner.dispose(); } }, { smoothing: NaN, draws: 2, seed: 0 })).toThrow();
    expect(released).toBe(true);
    const smooth = smoothedEmpiricalScore(y, { smoothing: 1, draws: 2, seed: 0 });
    const x = tf.zeros([1, 2]) as tf.Tensor2D;
    expect(() => smooth.at(0, x)).toThrow(/t must be positive and finite/);
    expect(() => smooth.denoise(NaN, x)).toThrow(/t must be positive and finite/);
    smooth.dispose();
    expect(() => smooth.at(0.1, x)).toThrow(/disposed/);
    x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
