/**
 * The LS local score machine (scores/local-patch.ts, docs/math.md §6) against its definition:
 * - a window covering the whole image from every pixel (k >= 2 max(H, W) - 1) gives s_N's denoiser;
 * - a float64 brute force of the definition (zero-padded k x k patches) at k = 1, 3, 5;
 * - small chunks equal one chunk; small t at x = m y_j copies y_j; Tweedie consistency;
 * - no leaked tensors; refusals.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { createNoise } from '../../electron/science/noise';
import { ou } from '../../electron/science/forward-process';
import { tfjsEmpiricalScore } from '../../electron/science/scores/empirical';
import { fullPatch, localPatchScore } from '../../electron/science/scores/local-patch';
import { scoreFromDenoised } from '../../electron/science/scores/score';

beforeAll(async () => {
  await useTestBackend();
});

const SHAPE = [6, 5, 3] as const;
const [H, W, C] = SHAPE;
const D = H * W * C;

function images(rows: number, seed: number): { values: Float32Array; rows: number; cols: number } {
  const values = createNoise(seed, 3).normalArray(rows * D);
  for (let i = 0; i < values.length; i++) values[i] = Math.tanh(0.8 * values[i]!);
  return { values, rows, cols: D };
}

/** The definition in float64: per pixel, softmax over n of -||P_p(x) - m P_p(y_n)||^2 / (2 s^2), zero padding. */
function bruteForceDenoise(t: number, x: Float32Array, B: number, data: { values: Float32Array; rows: number }, k: number): Float64Array {
  const m = ou.mean(t);
  const s2 = ou.variance(t);
  const r = (k - 1) / 2;
  const out = new Float64Array(B * D);
  const logits = new Float64Array(data.rows);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        for (let n = 0; n < data.rows; n++) {
          let sq = 0;
          for (let di = -r; di <= r; di++) {
            for (let dj = -r; dj <= r; dj++) {
              const ii = i + di;
              const jj = j + dj;
              if (ii < 0 || ii >= H || jj < 0 || jj >= W) continue;
              for (let c = 0; c < C; c++) {
                const at = (ii * W + jj) * C + c;
                const diff = x[b * D + at]! - m * data.values[n * D + at]!;
                sq += diff * diff;
              }
            }
          }
          logits[n] = -sq / (2 * s2);
        }
        let top = -Infinity;
        for (const l of logits) top = Math.max(top, l);
        let total = 0;
        const sums = new Float64Array(C);
        for (let n = 0; n < data.rows; n++) {
          const w = Math.exp(logits[n]! - top);
          total += w;
          for (let c = 0; c < C; c++) sums[c] = sums[c]! + w * data.values[n * D + (i * W + j) * C + c]!;
        }
        for (let c = 0; c < C; c++) out[b * D + (i * W + j) * C + c] = sums[c]! / total;
      }
    }
  }
  return out;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Queries at time t: OU states of random training images plus noise, x = m y + s z. */
function queries(t: number, B: number, data: { values: Float32Array; rows: number }, seed: number): Float32Array {
  const z = createNoise(seed, 5).normalArray(B * D);
  const m = ou.mean(t);
  const s = Math.sqrt(ou.variance(t));
  const x = new Float32Array(B * D);
  for (let b = 0; b < B; b++) {
    const n = (7 * b + 3) % data.rows;
    for (let d = 0; d < D; d++) x[b * D + d] = m * data.values[n * D + d]! + s * z[b * D + d]!;
  }
  return x;
}

describe('local patch score (LS)', () => {
  const data = images(20, 1);
  const B = 4;

  it('with a window covering the whole image from every pixel equals the s_N denoiser', () => {
    const k = fullPatch(SHAPE);
    expect(k).toBe(11);
    const local = localPatchScore(data, SHAPE, { patch: k });
    const empirical = tfjsEmpiricalScore(data);
    try {
      for (const t of [0.05, 0.3, 1.5]) {
        const x = tf.tensor2d(queries(t, B, data, 2), [B, D]);
        const a = local.denoise(t, x);
        const e = empirical.denoise(t, x);
        expect(maxAbsDifference(a.dataSync(), e.dataSync()), `t = ${t}`).toBeLessThan(2e-5);
        tf.dispose([x, a, e]);
      }
    } finally {
      local.dispose();
      empirical.dispose();
    }
  });

  it('matches a float64 brute force of the definition (k = 1, 3, 5; several t)', () => {
    for (const k of [1, 3, 5]) {
      const score = localPatchScore(data, SHAPE, { patch: k });
      try {
        for (const t of [0.02, 0.2, 1]) {
          const xv = queries(t, B, data, 3 + k);
          const x = tf.tensor2d(xv, [B, D]);
          const got = score.denoise(t, x);
          const want = bruteForceDenoise(t, xv, B, data, k);
          expect(maxAbsDifference(got.dataSync(), want), `k = ${k}, t = ${t}`).toBeLessThan(2e-5);
          tf.dispose([x, got]);
        }
      } finally {
        score.dispose();
      }
    }
  });

  it('gives the same denoiser with small chunks of training images as with one chunk', () => {
    const one = localPatchScore(data, SHAPE, { patch: 3, chunkSize: 64 });
    const small = localPatchScore(data, SHAPE, { patch: 3, chunkSize: 3 });
    const x = tf.tensor2d(queries(0.1, B, data, 9), [B, D]);
    const a = one.denoise(0.1, x);
    const b = small.denoise(0.1, x);
    expect(maxAbsDifference(a.dataSync(), b.dataSync())).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
    one.dispose();
    small.dispose();
  });

  it('copies y_j at small t from x = m y_j, and `at` is the Tweedie score of `denoise`', () => {
    const score = localPatchScore(data, SHAPE, { patch: 3 });
    const t = 0.001;
    const m = ou.mean(t);
    const rows = [0, 5, 19];
    const xv = new Float32Array(rows.length * D);
    rows.forEach((j, b) => { for (let d = 0; d < D; d++) xv[b * D + d] = m * data.values[j * D + d]!; });
    const x = tf.tensor2d(xv, [rows.length, D]);
    const ybar = score.denoise(t, x);
    const want = new Float32Array(rows.length * D);
    rows.forEach((j, b) => want.set(data.values.subarray(j * D, (j + 1) * D), b * D));
    expect(maxAbsDifference(ybar.dataSync(), want)).toBeLessThan(1e-5);

    const t2 = 0.4;
    const x2 = tf.tensor2d(queries(t2, B, data, 11), [B, D]);
    const s = score.at(t2, x2);
    const d2 = score.denoise(t2, x2);
    const tweedie = scoreFromDenoised(x2, d2, ou.mean(t2), ou.variance(t2));
    expect(maxAbsDifference(s.dataSync(), tweedie.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, ybar, x2, s, d2, tweedie]);
    score.dispose();
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const score = localPatchScore(data, SHAPE, { patch: 5, chunkSize: 7 });
    const x = tf.tensor2d(queries(0.3, B, data, 13), [B, D]);
    for (let i = 0; i < 3; i++) {
      tf.dispose([score.denoise(0.3, x), score.at(0.3, x)]);
    }
    x.dispose();
    score.dispose();
    score.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses vectors, even or out-of-range patches, wrong row sizes and disposed use', () => {
    expect(() => localPatchScore(data, [D], { patch: 3 })).toThrow(/works on images \[H, W, C\]/);
    expect(() => localPatchScore(data, SHAPE, { patch: 4 })).toThrow(/patch must be an odd integer from 1 to 11 .* got 4/);
    expect(() => localPatchScore(data, SHAPE, { patch: 13 })).toThrow(/got 13/);
    expect(() => localPatchScore(data, SHAPE, { patch: 0 })).toThrow(/got 0/);
    expect(() => localPatchScore(data, [5, 5, 3], { patch: 3 })).toThrow(/rows have 90 values, but 5x5x3 images have 75/);
    const score = localPatchScore(data, SHAPE, { patch: 3 });
    score.dispose();
    const x = tf.zeros([1, D]) as tf.Tensor2D;
    expect(() => score.denoise(0.1, x)).toThrow(/disposed/);
    x.dispose();
  });
});
