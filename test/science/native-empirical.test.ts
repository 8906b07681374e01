/**
 * The native denoiser of the empirical score (native/src/denoise.cc, scores/empirical/native.ts)
 * against the tfjs score and a float64 brute-force softmax: at(), denoise(), denoiseVE() and
 * logDensity() at small t (near one-hot weights, the 87 clamp), moderate and large t; D not a
 * multiple of 8 or 16, N not a multiple of the blocks; B = 1, 70 and 100 (two 96-row passes);
 * one thread vs all threads; the portable micro-kernel. Skipped when the addon is not built.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { xorshiftUniform } from './fixtures/xorshift';
import { bruteDenoise, relErr } from './fixtures/brute-denoise';
import { loadNativeKernels } from '../../electron/science/native/kernels';
import { empiricalScore, nativeEmpiricalScore, tfjsEmpiricalScore, type EmpiricalScore } from '../../electron/science/scores/empirical';
import { ou } from '../../electron/science/forward-process';

const kernels = loadNativeKernels();
const available = kernels?.denoise !== undefined;
let tf: typeof tfType;

beforeAll(async () => {
  tf = await useTestBackend();
});

function values(t: tfType.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

describe.skipIf(!available)('native empirical score', () => {
  const n = 1037; // not a multiple of 16 or 256: a ragged last block and sliver
  const d = 75; // not a multiple of 8
  const y = xorshiftUniform(n * d, 7);
  // queries near training points (noisy copies at the OU scale) so small t is near one-hot
  function queries(B: number, t: number, seed: number): Float32Array {
    const noise = xorshiftUniform(B * d, seed);
    const x = new Float32Array(B * d);
    const m = ou.mean(t);
    const s = Math.sqrt(ou.variance(t));
    for (let b = 0; b < B; b++) {
      const i = (b * 97) % n;
      for (let k = 0; k < d; k++) x[b * d + k] = m * y[i * d + k]! + s * 1.7 * noise[b * d + k]!;
    }
    return x;
  }

  it('picks native for D >= 64 and tfjs when asked or for small D', () => {
    const s = empiricalScore({ values: y, rows: n, cols: d });
    const t = empiricalScore({ values: y, rows: n, cols: d }, { backend: 'tfjs' });
    const small = empiricalScore({ values: y.subarray(0, 100 * 8), rows: 100, cols: 8 });
    try {
      expect(s.kernel).toBe(kernels!.kernel);
      expect(t.kernel).toBe('tfjs');
      expect(small.kernel).toBe('tfjs');
    } finally {
      [s, t, small].forEach((x) => x.dispose());
    }
  });

  it('denoise and at equal a float64 brute force and the tfjs score at small, moderate and large t', () => {
    const start = tf.memory().numTensors;
    const native = nativeEmpiricalScore({ values: y, rows: n, cols: d }, kernels!, () => tfjsEmpiricalScore({ values: y, rows: n, cols: d }));
    const reference = tfjsEmpiricalScore({ values: y, rows: n, cols: d });
    try {
      for (const t of [0.002, 0.05, 0.5, 3]) {
        for (const B of [1, 70]) {
          const xv = queries(B, t, 11 + B);
          const x = tf.tensor2d(xv, [B, d]);
          const m = ou.mean(t);
          const s2 = ou.variance(t);
          const brute = bruteDenoise(y, n, d, xv, B, m, s2);
          const mine = values(native.denoise(t, x));
          expect(relErr(mine, brute.out), `denoise t=${t} B=${B}`).toBeLessThan(1e-4);
          expect(relErr(mine, values(reference.denoise(t, x))), `vs tfjs t=${t} B=${B}`).toBeLessThan(1e-4);
          const score = values(native.at(t, x));
          const expected = Float64Array.from(brute.out, (v, i) => (m * v - xv[i]!) / s2);
          expect(relErr(score, expected), `at t=${t} B=${B}`).toBeLessThan(1e-4);
          const logp = values(native.logDensity(t, x));
          const ref = values(reference.logDensity(t, x));
          for (let b = 0; b < B; b++) expect(Math.abs(logp[b]! - ref[b]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref[b]!)));
          x.dispose();
        }
      }
      // the VE denoiser is the OU one with m = 1, s2 = sigma^2
      const xv = queries(5, 0.3, 3);
      const x = tf.tensor2d(xv, [5, d]);
      const brute = bruteDenoise(y, n, d, xv, 5, 1, 0.7 * 0.7);
      expect(relErr(values(native.denoiseVE(0.7, x)), brute.out)).toBeLessThan(1e-4);
      // delegated methods work and agree with the tfjs score
      const top = native.topWeights(0.3, x, 3);
      expect(top.indices).toEqual(reference.topWeights(0.3, x, 3).indices);
      x.dispose();
    } finally {
      native.dispose();
      reference.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it('returns the same result on one thread, on all threads and with the portable kernel', () => {
    const big = xorshiftUniform((3 * 1024 + 300) * 67, 5); // three segments, reduced by different threads
    const rows = big.length / 67;
    const matrix = { values: big, rows, cols: 67 };
    const B = 100; // more than one 96-row pass
    const xv = xorshiftUniform(B * 67, 9).map((v) => v * 0.5);
    const never = (): EmpiricalScore => {
      throw new Error('not used');
    };
    const one = nativeEmpiricalScore(matrix, kernels!, never, { threads: 1 });
    const all = nativeEmpiricalScore(matrix, kernels!, never, { threads: 4 });
    const portable = nativeEmpiricalScore(matrix, kernels!, never, { threads: 2, portable: true });
    try {
      for (const t of [0.01, 0.4, 2]) {
        const x = tf.tensor2d(xv, [B, 67]);
        const a = values(one.denoise(t, x));
        expect(values(all.denoise(t, x))).toEqual(a);
        expect(relErr(values(portable.denoise(t, x)), a)).toBeLessThan(1e-5);
        const brute = bruteDenoise(big, rows, 67, xv, B, ou.mean(t), ou.variance(t));
        expect(relErr(a, brute.out)).toBeLessThan(1e-4);
        x.dispose();
      }
    } finally {
      [one, all, portable].forEach((s) => s.dispose());
    }
  });

  it('names what is wrong', () => {
    const s = nativeEmpiricalScore({ values: y, rows: n, cols: d }, kernels!, () => tfjsEmpiricalScore({ values: y, rows: n, cols: d }));
    const x = tf.zeros([2, d + 1]) as tfType.Tensor2D;
    try {
      expect(() => s.at(0.5, x)).toThrow(/\[B, 75\]/);
      s.dispose();
      expect(() => s.denoise(0.5, x)).toThrow(/disposed/);
    } finally {
      x.dispose();
    }
  });
});
