/**
 * I(index; X_t) of the empirical-score KDE (metrics/kde-mutual-information.ts) against closed
 * forms: two 1-D points by quadrature, well separated points (log N), a blurred set (0); the
 * native and tfjs log-densities agree on the same draws; no tensors leak.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { loadNativeKernels } from '../../electron/science/native/kernels';
import { tfjsEmpiricalScore, empiricalScore } from '../../electron/science/scores/empirical';
import { kdeMutualInformation, mutualInformationDraws } from '../../electron/science/metrics/kde-mutual-information';
import { createNoise } from '../../electron/science/noise';
import { ou } from '../../electron/science/forward-process';

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

describe('kdeMutualInformation', () => {
  it('two 1-D points: matches the quadrature of the KL integral within the Monte Carlo error', () => {
    const data = matrix([1, -1], 1);
    const score = tfjsEmpiricalScore(data);
    try {
      for (const t of [0.2, 0.7, 1.5]) {
        const r = kdeMutualInformation(score, data, t, 40_000, 1);
        const exact = twoPointQuadrature(t);
        expect(r.logN).toBeCloseTo(Math.log(2), 12);
        expect(r.standardError).toBeGreaterThan(0);
        expect(Math.abs(r.nats - exact)).toBeLessThan(4 * r.standardError + 1e-4);
      }
    } finally {
      score.dispose();
    }
  });

  it('well separated points reach log N; a blurred set gives 0; the curve falls with t on common draws', () => {
    const N = 10;
    const spaced = matrix(Array.from({ length: N }, (_, i) => [100 * i, 0]).flat(), 2);
    const far = tfjsEmpiricalScore(spaced);
    try {
      const r = kdeMutualInformation(far, spaced, 0.01, 256, 0);
      expect(r.nats).toBeCloseTo(Math.log(N), 6);
    } finally {
      far.dispose();
    }
    const cloud = matrix(createNoise(3, 3).normalArray(50 * 3), 3);
    const score = tfjsEmpiricalScore(cloud);
    try {
      const draws = mutualInformationDraws(50, 3, 2000, 7);
      const ts = [0.001, 0.01, 0.1, 0.5, 2, 8];
      const curve = ts.map((t) => kdeMutualInformation(score, cloud, t, draws).nats);
      for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeLessThan(curve[i - 1]! + 1e-9);
      expect(curve[0]!).toBeGreaterThan(0.99 * Math.log(50));
      expect(Math.abs(curve.at(-1)!)).toBeLessThan(1e-3);
    } finally {
      score.dispose();
    }
  });

  it('refuses t <= 0, too few draws and a score built from other data', () => {
    const data = matrix([1, -1], 1);
    const score = tfjsEmpiricalScore(data);
    try {
      expect(() => kdeMutualInformation(score, data, 0, 100)).toThrow(/t must be positive/);
      expect(() => kdeMutualInformation(score, data, 0.1, 1)).toThrow(/draws must be an integer >= 2/);
      expect(() => kdeMutualInformation(score, matrix([1, 2, 3], 1), 0.1, 100)).toThrow(/the score holds 2 x 1 points, the data 3 x 1/);
    } finally {
      score.dispose();
    }
  });

  it.skipIf(loadNativeKernels()?.denoise === undefined)('the native and tfjs log-densities give the same estimate on the same draws (D = 96)', () => {
    const N = 300;
    const D = 96;
    const data = matrix(createNoise(5, 3).normalArray(N * D), D);
    const draws = mutualInformationDraws(N, D, 200, 2);
    const native = empiricalScore(data, { backend: 'native' });
    const tfjs = tfjsEmpiricalScore(data);
    try {
      expect(native.kernel).not.toBe('tfjs');
      for (const t of [0.05, 0.3]) {
        const a = kdeMutualInformation(native, data, t, draws);
        const b = kdeMutualInformation(tfjs, data, t, draws);
        expect(Math.abs(a.nats - b.nats)).toBeLessThan(2e-3);
      }
    } finally {
      native.dispose();
      tfjs.dispose();
    }
  });

  it('releases every tensor it makes', () => {
    const data = matrix(createNoise(9, 3).normalArray(40 * 4), 4);
    const score = tfjsEmpiricalScore(data);
    const before = tf.memory().numTensors;
    kdeMutualInformation(score, data, 0.1, 300, 0);
    expect(tf.memory().numTensors).toBe(before);
    score.dispose();
  });
});
