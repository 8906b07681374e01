/** Seeded noise: reproducible, independent across streams and rows, standard normal moments. */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { createNoise, createRowNoise, noiseStreams } from '../../electron/science/noise';

beforeAll(async () => {
  await useTestBackend();
});

describe('noise', () => {
  it('same (seed, stream) gives the same sequence; another seed or stream does not', () => {
    const a = createNoise(42, noiseStreams.initial).normalArray(1000);
    const b = createNoise(42, noiseStreams.initial).normalArray(1000);
    const c = createNoise(43, noiseStreams.initial).normalArray(1000);
    const d = createNoise(42, noiseStreams.sampler).normalArray(1000);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.some((v, i) => v !== c[i])).toBe(true);
    expect(a.some((v, i) => v !== d[i])).toBe(true);
  });

  it('draws N(0, 1): mean and variance within 5 standard errors; tensors match the arrays', () => {
    const n = 200_000;
    const z = createNoise(7).normalArray(n);
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    for (const v of z) {
      s += v;
      s2 += v * v;
      s4 += v ** 4;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    const t = createNoise(9).normal([10, 3]);
    expect(Array.from(t.dataSync())).toEqual(Array.from(createNoise(9).normalArray(30)));
    t.dispose();
  });

  it('uniformInt is uniform on 0..n-1', () => {
    const n = 7;
    const draws = createNoise(3, noiseStreams.picks).uniformInt(n, 70_000);
    const counts = new Array(n).fill(0);
    for (const d of draws) counts[d]++;
    const chi2 = counts.reduce((a, c) => a + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(30); // chi^2 with 6 dof: P(> 30) < 1e-4
    expect(Math.min(...draws)).toBe(0);
    expect(Math.max(...draws)).toBe(n - 1);
  });

  it('row noise: a row sees the same numbers whatever batch it is in', () => {
    const whole = createRowNoise(5, noiseStreams.sampler, 0, 6);
    const first = whole.normalArray(6 * 4);
    const second = whole.normalArray(6 * 4);
    const tail = createRowNoise(5, noiseStreams.sampler, 4, 2);
    const tailFirst = tail.normalArray(2 * 4);
    const tailSecond = tail.normalArray(2 * 4);
    expect(Array.from(tailFirst)).toEqual(Array.from(first.subarray(16, 24)));
    expect(Array.from(tailSecond)).toEqual(Array.from(second.subarray(16, 24)));
    expect(() => whole.normal([5, 4])).toThrow(/leading dimension of 6/);
    expect(tf.memory().numTensors).toBe(0);
  });
});
