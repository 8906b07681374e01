/**
 * s_N of docs/math.md §3 against closed forms computed by brute force:
 *   log p_t^N(x) = log (1/N) sum_i N(x; m_t y_i, s_t^2 I)   and   s_N = grad_x log p_t^N (tf.grad).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// tf.grad's gradient registry comes with the engine's backend set-up (electron/science/tfjs-gradients.ts)
import { useTestBackend } from '../helpers/tf';
// the tfjs implementation explicitly: this file tests its chunking and orientations (the native
// denoiser, picked by empiricalScore for D >= 64, is tested in native-empirical.test.ts)
import { tfjsEmpiricalScore as empiricalScore } from '../../electron/science/scores/empirical';
import { createNoise } from '../../electron/science/noise';
import { ou } from '../../electron/science/forward-process';

beforeAll(async () => {
  await useTestBackend();
});

/** Brute-force log p_t^N(x) per row: logsumexp_i(-||x - m y_i||^2 / (2 s^2)) - log N - D/2 log(2 pi s^2). */
function bruteLogDensity(t: number, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  const m = ou.mean(t);
  const s2 = ou.variance(t);
  const [N, D] = y.shape;
  return tf.tidy(() => {
    const diff = tf.sub(tf.expandDims(x, 1), tf.expandDims(tf.mul(y, m), 0)); // [B, N, D]
    const logits = tf.mul(tf.sum(tf.square(diff), 2), -1 / (2 * s2));
    return tf.sub(tf.logSumExp(logits, 1), Math.log(N) + (D / 2) * Math.log(2 * Math.PI * s2)) as tf.Tensor1D;
  });
}

function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0]! / tf.norm(b).dataSync()[0]!);
}

function fixture(N: number, D: number, B: number, seed: number, spread = 1): { y: tf.Tensor2D; x: tf.Tensor2D } {
  const noise = createNoise(seed, 3);
  const y = tf.tidy(() => tf.mul(noise.normal([N, D]), spread) as tf.Tensor2D);
  const x = tf.tidy(() => tf.mul(noise.normal([B, D]), spread) as tf.Tensor2D);
  return { y, x };
}

describe('empirical score s_N', () => {
  it('equals the autodiff gradient of log p_t^N to 1e-4 relative', () => {
    const start = tf.memory().numTensors;
    const { y, x } = fixture(60, 3, 9, 1);
    for (const orientation of ['data-left', 'query-left'] as const) {
    const score = empiricalScore(y, { chunkSize: 16, orientation });
    for (const t of [0.02, 0.1, 0.5, 2, 5]) {
      const grad = tf.grad((z: tf.Tensor) => tf.sum(bruteLogDensity(t, z as tf.Tensor2D, y)));
      const expected = grad(x);
      const got = score.at(t, x);
      expect(relativeError(got, expected), `t = ${t}, ${orientation}`).toBeLessThan(1e-4);
      tf.dispose([expected, got]);
    }
    score.dispose();
    }
    tf.dispose([y, x]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('gives the same score, denoiser and log-density for any chunk size', () => {
    const { y, x } = fixture(257, 12, 7, 2);
    const whole = empiricalScore(y, { chunkSize: 10_000 });
    const variants = [1, 5, 64, 256].flatMap((chunkSize) =>
      (['data-left', 'query-left'] as const).map((orientation) => ({ chunkSize, orientation })),
    );
    for (const options of variants) {
      const chunked = empiricalScore(y, options);
      for (const t of [0.01, 0.3, 3]) {
        const a = chunked.at(t, x);
        const b = whole.at(t, x);
        expect(relativeError(a, b)).toBeLessThan(2e-5);
        const la = chunked.logDensity(t, x);
        const lb = whole.logDensity(t, x);
        expect(relativeError(la, lb)).toBeLessThan(1e-6);
        tf.dispose([a, b, la, lb]);
      }
      chunked.dispose();
    }
    whole.dispose();
    tf.dispose([y, x]);
  });

  it('two-pass weighted mean: sparse gather, skipped chunks and row blocks match brute force', () => {
    // clustered data so that at small t only a few points per query carry weight
    const { y, x } = fixture(600, 6, 40, 7, 4);
    const bruteMean = (t: number) => tf.tidy(() => {
      const m = ou.mean(t);
      const diff = tf.sub(tf.expandDims(x, 1), tf.expandDims(tf.mul(y, m), 0));
      const w = tf.softmax(tf.mul(tf.sum(tf.square(diff), 2), -1 / (2 * ou.variance(t))), 1);
      return tf.matMul(w, y);
    });
    const variants = [
      { chunkSize: 64 },
      { chunkSize: 128, logitBudget: 600 * 7 },
      { chunkSize: 600 },
      { chunkSize: 128, orientation: 'query-left' as const },
      { chunkSize: 600, orientation: 'query-left' as const, logitBudget: 600 * 9 },
    ];
    for (const options of variants) {
      const score = empiricalScore(y, options);
      for (const t of [0.002, 0.05, 0.5]) {
        const got = score.denoise(t, x);
        const expected = bruteMean(t);
        expect(relativeError(got, expected), `t = ${t}, ${JSON.stringify(options)}`).toBeLessThan(2e-5);
        tf.dispose([got, expected]);
      }
      score.dispose();
    }
    tf.dispose([y, x]);
  });

  it('logDensity matches the brute-force mixture density', () => {
    const { y, x } = fixture(40, 5, 6, 3);
    const score = empiricalScore(y, { chunkSize: 9 });
    for (const t of [0.05, 1]) {
      const got = score.logDensity(t, x);
      const expected = bruteLogDensity(t, x, y);
      expect(relativeError(got, expected)).toBeLessThan(1e-5);
      tf.dispose([got, expected]);
    }
    score.dispose();
    tf.dispose([y, x]);
  });

  it('denoiser: ybar is the softmax-weighted mean; Tweedie links it to the score; VE form agrees', () => {
    const { y, x } = fixture(30, 4, 5, 4);
    const score = empiricalScore(y, { chunkSize: 8 });
    const t = 0.4;
    const m = ou.mean(t);
    const s2 = ou.variance(t);
    const ybar = score.denoise(t, x);
    const expected = tf.tidy(() => {
      const diff = tf.sub(tf.expandDims(x, 1), tf.expandDims(tf.mul(y, m), 0));
      const w = tf.softmax(tf.mul(tf.sum(tf.square(diff), 2), -1 / (2 * s2)), 1); // [B, N]
      return tf.matMul(w, y);
    });
    expect(relativeError(ybar, expected)).toBeLessThan(1e-5);
    // D(x_VE; sigma) = ybar(t, m x_VE) with sigma = sigma(t)
    const xVE = tf.div(x, m) as tf.Tensor2D;
    const dVE = score.denoiseVE(ou.sigmaOfT(t), xVE);
    expect(relativeError(dVE, ybar)).toBeLessThan(1e-5);
    tf.dispose([ybar, expected, xVE, dVE]);
    score.dispose();
    tf.dispose([y, x]);
  });

  it('topWeights returns the largest softmax weights with their indices', () => {
    const { y, x } = fixture(50, 3, 4, 5);
    const score = empiricalScore(y, { chunkSize: 7 });
    const t = 0.2;
    const top = score.topWeights(t, x, 5);
    const m = ou.mean(t);
    const s2 = ou.variance(t);
    const w = tf.tidy(() => {
      const diff = tf.sub(tf.expandDims(x, 1), tf.expandDims(tf.mul(y, m), 0));
      return tf.softmax(tf.mul(tf.sum(tf.square(diff), 2), -1 / (2 * s2)), 1);
    });
    const all = w.arraySync() as number[][];
    for (let b = 0; b < 4; b++) {
      const order = all[b]!.map((v, i) => ({ v, i })).sort((p, q) => q.v - p.v).slice(0, 5);
      for (let j = 0; j < 5; j++) {
        expect(top.indices[b * 5 + j]).toBe(order[j]!.i);
        expect(top.weights[b * 5 + j]!).toBeCloseTo(order[j]!.v, 5);
      }
    }
    w.dispose();
    score.dispose();
    tf.dispose([y, x]);
  });

  it('at tiny t far points get weight exactly 0 and ybar is the nearest training point', () => {
    const { y, x } = fixture(200, 8, 6, 6, 3);
    const score = empiricalScore(y, { chunkSize: 32 });
    const t = 1e-4;
    const ybar = score.denoise(t, x);
    const nearest = tf.tidy(() => {
      const d = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(tf.mul(y, ou.mean(t)), 0))), 2);
      return tf.gather(y, tf.argMin(d, 1));
    });
    expect(relativeError(ybar, nearest)).toBeLessThan(1e-6);
    const s = score.at(t, x);
    expect(Array.from(s.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([ybar, nearest, s]);
    score.dispose();
    tf.dispose([y, x]);
  });

  it('accepts a plain matrix and rejects mismatched shapes with a clear message', () => {
    const score = empiricalScore({ values: new Float32Array([0, 0, 1, 1]), rows: 2, cols: 2 });
    const x = tf.zeros([1, 3]) as tf.Tensor2D;
    expect(() => score.at(0.1, x)).toThrow(/expected x of shape \[B, 2\], got \[1, 3\]/);
    expect(() => empiricalScore({ values: new Float32Array(3), rows: 2, cols: 2 })).toThrow(/3 values/);
    x.dispose();
    score.dispose();
  });
});
