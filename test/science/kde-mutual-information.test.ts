/**
 * I(index; X_t) of the empirical-score KDE (metrics/kde-mutual-information.ts) against closed
 * forms: two 1-D points by quadrature, well separated points (log N), a blurred set (0); against
 * a float64 brute force of the same Monte Carlo sum on the same draws (tfjs top weights and the
 * native search, from copies through rivals to blur); the native and tfjs paths agree on the same
 * draws; the native path builds no tfjs copy; no tensors leak.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { loadNativeKernels } from '../../electron/science/native/kernels';
import { tfjsEmpiricalScore, empiricalScore } from '../../electron/science/scores/empirical';
import { kdeMutualInformation, mutualInformationDraws, mutualInformationEvaluator } from '../../electron/science/metrics/kde-mutual-information';
import { createNoise } from '../../electron/science/noise';
import { ou } from '../../electron/science/forward-process';
import { bruteForceMI } from './fixtures/brute-mutual-information';

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useTestBackend();
});

const matrix = (values: number[] | Float32Array, cols: number) => ({ values: Float32Array.from(values), rows: values.length / cols, cols });

/** I for centres +-m with variance s^2 (1-D): integral of phi_+ log(phi_+ / (phi_+ + phi_-)/2), midpoint rule. */
function twoPointQuadrature(t: number): number {
  const m = ou.mean(t);
  const s = ou.std(t);
  const phi = (x: number, c: number) => Math.exp(-((x - c) ** 2) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI));
  const lo = m - 12 * s;
  const hi = m + 12 * s;
  const steps = 200_000;
  const dx = (hi - lo) / steps;
  let sum = 0;
  for (let k = 0; k < steps; k++) {
    const x = lo + (k + 0.5) * dx;
    const p = phi(x, m);
    if (p > 0) sum += p * Math.log(p / (0.5 * p + 0.5 * phi(x, -m))) * dx;
  }
  return sum;
}

/**
 * Clustered rows (D = 96): `clusters` centres 6 apart in most directions, each with `per` members
 * at distance ~0.3: at small t each draw copies its own row, at middle t it shares weight with its
 * cluster mates (the rivals sum), at large t the weights spread over everything (the fallback).
 */
function clusteredData(clusters: number, per: number, D: number, seed: number) {
  const centres = createNoise(seed, 3).normalArray(clusters * D);
  const offsets = createNoise(seed + 1, 3).normalArray(clusters * per * D);
  const values = new Float32Array(clusters * per * D);
  for (let c = 0; c < clusters; c++) {
    for (let k = 0; k < per; k++) {
      const row = c * per + k;
      for (let d = 0; d < D; d++) values[row * D + d] = 0.6 * centres[c * D + d]! + 0.03 * offsets[row * D + d]!;
    }
  }
  return { values, rows: clusters * per, cols: D };
}

describe('kdeMutualInformation', () => {
  it('two 1-D points: matches the quadrature of the KL integral within the Monte Carlo error', async () => {
    const data = matrix([1, -1], 1);
    const score = tfjsEmpiricalScore(data);
    try {
      for (const t of [0.2, 0.7, 1.5]) {
        const r = await kdeMutualInformation(score, data, t, 40_000, 1);
        const exact = twoPointQuadrature(t);
        expect(r.logN).toBeCloseTo(Math.log(2), 12);
        expect(r.standardError).toBeGreaterThan(0);
        expect(Math.abs(r.nats - exact)).toBeLessThan(4 * r.standardError + 1e-4);
      }
    } finally {
      score.dispose();
    }
  });

  it('well separated points reach log N; a blurred set gives 0; the curve falls with t on common draws', async () => {
    const N = 10;
    const spaced = matrix(Array.from({ length: N }, (_, i) => [100 * i, 0]).flat(), 2);
    const far = tfjsEmpiricalScore(spaced);
    try {
      const r = await kdeMutualInformation(far, spaced, 0.01, 256, 0);
      expect(r.nats).toBeCloseTo(Math.log(N), 6);
    } finally {
      far.dispose();
    }
    const cloud = matrix(createNoise(3, 3).normalArray(50 * 3), 3);
    const score = tfjsEmpiricalScore(cloud);
    try {
      const draws = mutualInformationDraws(50, 3, 2000, 7);
      const ts = [0.001, 0.01, 0.1, 0.5, 2, 8];
      const curve: number[] = [];
      for (const t of ts) curve.push((await kdeMutualInformation(score, cloud, t, draws)).nats);
      for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeLessThan(curve[i - 1]! + 1e-9);
      expect(curve[0]!).toBeGreaterThan(0.99 * Math.log(50));
      expect(Math.abs(curve.at(-1)!)).toBeLessThan(1e-3);
    } finally {
      score.dispose();
    }
  });

  it('refuses t <= 0, too few draws and a score built from other data', async () => {
    const data = matrix([1, -1], 1);
    const score = tfjsEmpiricalScore(data);
    try {
      await expect(kdeMutualInformation(score, data, 0, 100)).rejects.toThrow(/t must be positive/);
      await expect(kdeMutualInformation(score, data, 0.1, 1)).rejects.toThrow(/draws must be an integer >= 2/);
      await expect(kdeMutualInformation(score, matrix([1, 2, 3], 1), 0.1, 100)).rejects.toThrow(/the score holds 2 x 1 points, the data 3 x 1/);
    } finally {
      score.dispose();
    }
  });

  it.skipIf(loadNativeKernels()?.denoise === undefined)('the native and tfjs log-densities give the same estimate on the same draws (D = 96)', async () => {
    const N = 300;
    const D = 96;
    const data = matrix(createNoise(5, 3).normalArray(N * D), D);
    const draws = mutualInformationDraws(N, D, 200, 2);
    const native = empiricalScore(data, { backend: 'native' });
    const tfjs = tfjsEmpiricalScore(data);
    try {
      expect(native.kernel).not.toBe('tfjs');
      for (const t of [0.05, 0.3]) {
        const a = await kdeMutualInformation(native, data, t, draws);
        const b = await kdeMutualInformation(tfjs, data, t, draws);
        expect(Math.abs(a.nats - b.nats)).toBeLessThan(2e-3);
      }
    } finally {
      native.dispose();
      tfjs.dispose();
    }
  });

  it('tfjs top weights: equal to the float64 brute force on the same draws, from copies to blur (D = 96)', async () => {
    const data = clusteredData(30, 10, 96, 11);
    const draws = mutualInformationDraws(data.rows, data.cols, 128, 4);
    const score = tfjsEmpiricalScore(data);
    try {
      for (const t of [0.001, 0.005, 0.02, 0.1, 0.5, 3]) {
        const r = await kdeMutualInformation(score, data, t, draws);
        // float32 logits in tfjs: their rounding (measured up to 3e-5 here) is all that may differ
        expect(Math.abs(r.nats - bruteForceMI(data, draws, t))).toBeLessThan(2e-4);
      }
    } finally {
      score.dispose();
    }
  });

  it.skipIf(loadNativeKernels()?.denoise === undefined)('native search: equal to the float64 brute force on the same draws, from copies to blur (D = 96)', async () => {
    const data = clusteredData(30, 10, 96, 11);
    const draws = mutualInformationDraws(data.rows, data.cols, 128, 4);
    const score = empiricalScore(data, { backend: 'native' });
    const tensors = tf.memory().numTensors;
    const estimator = mutualInformationEvaluator(score, data, draws);
    try {
      expect(estimator.method).toBe('native-search');
      for (const t of [0.001, 0.005, 0.02, 0.1, 0.2, 0.5, 1, 3]) {
        const r = await estimator.at(t);
        // listed rivals in float64 (copies, clusters): as exact as the brute force (measured
        // <= 2e-15); spread weights (t >= 0.5) from the denoiser's float32 logits (measured 2e-7)
        expect(Math.abs(r.nats - bruteForceMI(data, draws, t))).toBeLessThan(t >= 0.5 ? 2e-6 : 1e-12);
      }
      // no tfjs copy of the training set (the old first-delta cost)
      expect(tf.memory().numTensors).toBe(tensors);
      // other rows than the score's (a copy): packed by the evaluator itself, the same numbers
      const own = mutualInformationEvaluator(score, { ...data, values: data.values.slice() }, draws);
      try {
        for (const t of [0.005, 1]) expect((await own.at(t)).nats).toBe((await estimator.at(t)).nats);
      } finally {
        own.dispose();
      }
      // the score's packed rows, shared by the estimator, outlive it
      estimator.dispose();
      const x = tf.tensor2d(data.values.slice(0, 2 * data.cols), [2, data.cols]);
      const y = score.denoise(0.1, x);
      expect(y.shape).toEqual([2, data.cols]);
      tf.dispose([x, y]);
    } finally {
      estimator.dispose();
      score.dispose();
    }
    await expect(estimator.at(0.1)).rejects.toThrow(/disposed/);
  });

  it('releases every tensor it makes', async () => {
    const data = matrix(createNoise(9, 3).normalArray(40 * 4), 4);
    const score = tfjsEmpiricalScore(data);
    const before = tf.memory().numTensors;
    await kdeMutualInformation(score, data, 0.1, 300, 0);
    expect(tf.memory().numTensors).toBe(before);
    score.dispose();
  });
});
