/**
 * Exact scores of Gaussian targets under the OU forward process (docs/math.md §1):
 * if X_0 ~ N(mu, Sigma) then X_t ~ N(m_t mu, m_t^2 Sigma + s_t^2 I), so
 *   grad log p_t(x) = -(m_t^2 Sigma + s_t^2 I)^{-1} (x - m_t mu),
 * and the posterior mean (ideal denoiser) is
 *   E[X_0 | X_t = x] = mu + m_t Sigma (m_t^2 Sigma + s_t^2 I)^{-1} (x - m_t mu).
 * Isotropic case Sigma = c^2 I: score (m_t mu - x) / (s_t^2 + m_t^2 c^2).
 * The full-covariance score diagonalises Sigma = Q diag(lambda) Q^T once (Jacobi, float64), so
 * every evaluation is two products with fixed matrices and a per-t diagonal.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import type { DenoisingScore } from './score';

function checkX(name: string, x: tf.Tensor2D, D: number): void {
  if (x.rank !== 2 || x.shape[1] !== D) throw new Error(`${name}: expected x of shape [B, ${D}], got [${x.shape.join(', ')}]`);
}

function checkT(name: string, t: number): void {
  if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`${name}: t must be finite and >= 0, got ${t}`);
}

/** Exact score of p* = N(mu, c^2 I). */
export function isotropicGaussianScore(mu: ArrayLike<number>, c: number): DenoisingScore {
  if (!(c > 0)) throw new Error(`isotropicGaussianScore: c must be positive, got ${c}`);
  const D = mu.length;
  const mean = tf.tensor2d(Float32Array.from(mu), [1, D]);
  const c2 = c * c;
  return {
    name: 'gaussian-isotropic',
    at(t, x) {
      checkX('isotropicGaussianScore.at', x, D);
      checkT('isotropicGaussianScore.at', t);
      const m = ou.mean(t);
      const v = ou.variance(t) + m * m * c2;
      return tf.tidy(() => tf.mul(tf.sub(tf.mul(mean, m), x), 1 / v) as tf.Tensor2D);
    },
    denoise(t, x) {
      checkX('isotropicGaussianScore.denoise', x, D);
      checkT('isotropicGaussianScore.denoise', t);
      const m = ou.mean(t);
      const gain = (m * c2) / (ou.variance(t) + m * m * c2);
      return tf.tidy(() => tf.add(mean, tf.mul(tf.sub(x, tf.mul(mean, m)), gain)) as tf.Tensor2D);
    },
    dispose() {
      mean.dispose();
    },
  };
}

/** Symmetric eigendecomposition by cyclic Jacobi rotations (float64). Fine for D up to a few hundred. */
export function symmetricEigen(matrix: ArrayLike<number>, D: number): { values: Float64Array; vectors: Float64Array } {
  if (matrix.length !== D * D) throw new Error(`symmetricEigen: expected ${D * D} entries for a ${D}x${D} matrix, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(D * D);
  for (let i = 0; i < D; i++) v[i * D + i] = 1;
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < i; j++) {
      const gap = Math.abs(a[i * D + j]! - a[j * D + i]!);
      if (gap > 1e-9 * (Math.abs(a[i * D + j]!) + 1)) throw new Error(`symmetricEigen: matrix is not symmetric at (${i}, ${j})`);
    }
  }
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < D; p++) for (let q = p + 1; q < D; q++) off += a[p * D + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < D; p++) {
      for (let q = p + 1; q < D; q++) {
        const apq = a[p * D + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * D + q]! - a[p * D + p]!) / (2 * apq);
        const tt = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(tt * tt + 1);
        const sn = tt * cs;
        for (let k = 0; k < D; k++) {
          const akp = a[k * D + p]!;
          const akq = a[k * D + q]!;
          a[k * D + p] = cs * akp - sn * akq;
          a[k * D + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < D; k++) {
          const apk = a[p * D + k]!;
          const aqk = a[q * D + k]!;
          a[p * D + k] = cs * apk - sn * aqk;
          a[q * D + k] = sn * apk + cs * aqk;
        }
        for (let k = 0; k < D; k++) {
          const vkp = v[k * D + p]!;
          const vkq = v[k * D + q]!;
          v[k * D + p] = cs * vkp - sn * vkq;
          v[k * D + q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  const values = new Float64Array(D);
  for (let i = 0; i < D; i++) values[i] = a[i * D + i]!;
  return { values, vectors: v }; // column j of `vectors` is the eigenvector of values[j]
}

/** Exact score of p* = N(mu, Sigma), Sigma symmetric positive semi-definite, row-major [D, D]. */
export function gaussianScore(mu: ArrayLike<number>, covariance: ArrayLike<number>): DenoisingScore {
  const D = mu.length;
  const { values, vectors } = symmetricEigen(covariance, D);
  for (let i = 0; i < D; i++) {
    if (values[i]! < -1e-9 * Math.max(1, Math.abs(values[0]!))) {
      throw new Error(`gaussianScore: covariance is not positive semi-definite (eigenvalue ${values[i]})`);
    }
    values[i] = Math.max(0, values[i]!);
  }
  const Q = Float32Array.from(vectors);
  const QT = new Float32Array(D * D);
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) QT[j * D + i] = vectors[i * D + j]!;
  const mean = tf.tensor2d(Float32Array.from(mu), [1, D]);
  const basis = tf.tensor2d(Q, [D, D]);
  const basisT = tf.tensor2d(QT, [D, D]);

  /** (x - m mu) Q diag(f(lambda)) Q^T for a per-eigenvalue factor. */
  function apply(t: number, x: tf.Tensor2D, factor: (lambda: number, m: number, s2: number) => number): tf.Tensor2D {
    const m = ou.mean(t);
    const s2 = ou.variance(t);
    const diag = new Float32Array(D);
    for (let i = 0; i < D; i++) diag[i] = factor(values[i]!, m, s2);
    return tf.tidy(() => {
      const centred = tf.sub(x, tf.mul(mean, m));
      const rotated = tf.matMul(centred as tf.Tensor2D, basis);
      return tf.matMul(tf.mul(rotated, tf.tensor2d(diag, [1, D])) as tf.Tensor2D, basisT);
    });
  }

  return {
    name: 'gaussian',
    at(t, x) {
      checkX('gaussianScore.at', x, D);
      checkT('gaussianScore.at', t);
      return apply(t, x, (lambda, m, s2) => {
        const v = m * m * lambda + s2;
        if (!(v > 0)) throw new Error(`gaussianScore.at: singular covariance at t = ${t}; use t > 0`);
        return -1 / v;
      });
    },
    denoise(t, x) {
      checkX('gaussianScore.denoise', x, D);
      checkT('gaussianScore.denoise', t);
      const gain = apply(t, x, (lambda, m, s2) => {
        const v = m * m * lambda + s2;
        return v > 0 ? (m * lambda) / v : 0;
      });
      return tf.tidy(() => {
        const out = tf.add(mean, gain) as tf.Tensor2D;
        gain.dispose();
        return out;
      });
    },
    dispose() {
      tf.dispose([mean, basis, basisT]);
    },
  };
}

/** Sample mean and (unbiased) covariance of the rows of a [N, D] matrix, in float64. */
export function fitGaussian(values: ArrayLike<number>, rows: number, cols: number): { mean: Float64Array; covariance: Float64Array } {
  if (rows < 2) throw new Error(`fitGaussian: need at least 2 rows, got ${rows}`);
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let d = 0; d < cols; d++) mean[d] = mean[d]! + values[i * cols + d]!;
  for (let d = 0; d < cols; d++) mean[d] = mean[d]! / rows;
  const cov = new Float64Array(cols * cols);
  const centred = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let d = 0; d < cols; d++) centred[d] = values[i * cols + d]! - mean[d]!;
    for (let p = 0; p < cols; p++) {
      const cp = centred[p]!;
      for (let q = p; q < cols; q++) cov[p * cols + q] = cov[p * cols + q]! + cp * centred[q]!;
    }
  }
  for (let p = 0; p < cols; p++) {
    for (let q = p; q < cols; q++) {
      const v = cov[p * cols + q]! / (rows - 1);
      cov[p * cols + q] = v;
      cov[q * cols + p] = v;
    }
  }
  return { mean, covariance: cov };
}
