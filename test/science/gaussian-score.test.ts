/**
 * Exact Gaussian scores (docs/math.md §1): X_t ~ N(m mu, m^2 Sigma + s^2 I), so
 * grad log p_t(x) = -(m^2 Sigma + s^2 I)^{-1} (x - m mu); isotropic: (m mu - x)/(s^2 + m^2 c^2).
 * References solve the linear system in float64 by Gaussian elimination.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { gaussianScore, isotropicGaussianScore, symmetricEigen, fitGaussian } from '../../electron/science/scores/gaussian';
import { createNoise } from '../../electron/science/noise';
import { ou } from '../../electron/science/forward-process';

beforeAll(async () => {
  await useTestBackend();
});

/** Solves A z = b (A row-major D x D) by Gaussian elimination with partial pivoting. */
function solve(A: number[], b: number[], D: number): number[] {
  const a = A.slice();
  const z = b.slice();
  for (let c = 0; c < D; c++) {
    let p = c;
    for (let r = c + 1; r < D; r++) if (Math.abs(a[r * D + c]!) > Math.abs(a[p * D + c]!)) p = r;
    for (let k = 0; k < D; k++) [a[c * D + k], a[p * D + k]] = [a[p * D + k]!, a[c * D + k]!];
    [z[c], z[p]] = [z[p]!, z[c]!];
    for (let r = c + 1; r < D; r++) {
      const f = a[r * D + c]! / a[c * D + c]!;
      for (let k = c; k < D; k++) a[r * D + k] = a[r * D + k]! - f * a[c * D + k]!;
      z[r] = z[r]! - f * z[c]!;
    }
  }
  for (let r = D - 1; r >= 0; r--) {
    let s = z[r]!;
    for (let k = r + 1; k < D; k++) s -= a[r * D + k]! * z[k]!;
    z[r] = s / a[r * D + r]!;
  }
  return z;
}

/** Reads a tensor into nested arrays and disposes it. */
function read(t: tf.Tensor2D): number[][] {
  const v = t.arraySync();
  t.dispose();
  return v;
}

function randomCovariance(D: number, seed: number): number[] {
  const A = Array.from(createNoise(seed, 3).normalArray(D * D));
  const S: number[] = [];
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      let v = i === j ? 0.1 : 0;
      for (let k = 0; k < D; k++) v += A[i * D + k]! * A[j * D + k]!;
      S.push(v);
    }
  }
  return S;
}

describe('Gaussian scores', () => {
  it('isotropic: (m mu - x) / (s^2 + m^2 c^2), and the denoiser mu + m c^2 (x - m mu)/(s^2 + m^2 c^2)', () => {
    const mu = [-5, 5];
    const score = isotropicGaussianScore(mu, Math.sqrt(10));
    const x = createNoise(1).normal([6, 2]) as tf.Tensor2D;
    const xv = x.arraySync();
    for (const t of [0, 0.01, 1, 5]) {
      const m = ou.mean(t);
      const v = ou.variance(t) + m * m * 10;
      const s = read(score.at(t, x));
      const d = read(score.denoise(t, x));
      for (let b = 0; b < 6; b++) {
        for (let j = 0; j < 2; j++) {
          expect(s[b]![j]!).toBeCloseTo((m * mu[j]! - xv[b]![j]!) / v, 5);
          expect(d[b]![j]!).toBeCloseTo(mu[j]! + (m * 10 * (xv[b]![j]! - m * mu[j]!)) / v, 4);
        }
      }
    }
    score.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });

  it('full covariance: -(m^2 Sigma + s^2 I)^{-1} (x - m mu), and its denoiser', () => {
    const D = 5;
    const Sigma = randomCovariance(D, 2);
    const mu = Array.from(createNoise(4).normalArray(D));
    const score = gaussianScore(mu, Sigma);
    const x = tf.tidy(() => tf.mul(createNoise(5).normal([4, D]), 3) as tf.Tensor2D);
    const xv = x.arraySync();
    for (const t of [0.001, 0.2, 2]) {
      const m = ou.mean(t);
      const s2 = ou.variance(t);
      const cov = Sigma.map((v, i) => m * m * v + (i % (D + 1) === 0 ? s2 : 0));
      const got = read(score.at(t, x));
      const den = read(score.denoise(t, x));
      for (let b = 0; b < 4; b++) {
        const r = xv[b]!.map((v, j) => v - m * mu[j]!);
        const z = solve(cov, r, D);
        for (let j = 0; j < D; j++) {
          expect(got[b]![j]! / -z[j]!).toBeCloseTo(1, 3);
          // E[X0 | x] = mu + m Sigma z
          let e = mu[j]!;
          for (let k = 0; k < D; k++) e += m * Sigma[j * D + k]! * z[k]!;
          expect(den[b]![j]!).toBeCloseTo(e, 3);
        }
      }
    }
    score.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });

  it('full covariance c^2 I agrees with the isotropic score', () => {
    const D = 3;
    const cov = [4, 0, 0, 0, 4, 0, 0, 0, 4];
    const full = gaussianScore([1, 2, 3], cov);
    const iso = isotropicGaussianScore([1, 2, 3], 2);
    const x = createNoise(6).normal([5, D]) as tf.Tensor2D;
    const a = full.at(0.3, x);
    const b = iso.at(0.3, x);
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    expect(err).toBeLessThan(1e-5);
    tf.dispose([a, b, x]);
    full.dispose();
    iso.dispose();
  });

  it('symmetricEigen reconstructs the matrix; fitGaussian recovers mean and covariance', () => {
    const D = 6;
    const S = randomCovariance(D, 8);
    const { values, vectors } = symmetricEigen(S, D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) {
        let v = 0;
        for (let k = 0; k < D; k++) v += vectors[i * D + k]! * values[k]! * vectors[j * D + k]!;
        expect(v).toBeCloseTo(S[i * D + j]!, 8);
      }
    }
    const fit = fitGaussian([1, 2, 3, 6, 5, 10], 3, 2);
    expect(Array.from(fit.mean)).toEqual([3, 6]);
    expect(fit.covariance[0]).toBeCloseTo(4, 12); // var(1, 3, 5)
    expect(fit.covariance[1]).toBeCloseTo(8, 12); // cov((1,3,5), (2,6,10))
    expect(() => gaussianScore([0, 0], [1, 2, 0, 1])).toThrow(/not symmetric/);
  });
});
