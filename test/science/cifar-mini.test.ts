/**
 * On real images (first 200 bit-exact CIFAR-10 training images, [-1, 1]): as delta -> 0 the
 * empirical-score sampler returns training images up to the leftover noise h(delta) sqrt(D)
 * (docs/math.md §3), and the paper's EDM run stopped 2 steps early lands within sigma sqrt(D) of one.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { bytesToMinus1To1, minus1To1ToBytes, toModelSpace, fromModelSpace, imagesMinus1To1 } from '../../electron/science/data-scaling';
import { empiricalScore } from '../../electron/science/scores/empirical';
import { sample } from '../../electron/science/samplers/sample';
import { ou } from '../../electron/science/forward-process';
import { cifarEmpirical } from '../../electron/science/experiments/cifar-empirical';
import { exactNearestTwo } from '../../electron/science/experiments/nearest';
import { cifarMiniAvailable, loadCifarMini, CIFAR_MINI } from './fixtures/cifar-mini';

const D = 3072;
let data: { values: Float32Array; rows: number; cols: number };
let bytes: Uint8Array;

beforeAll(async () => {
  await useTestBackend();
  if (!cifarMiniAvailable) return;
  const images = loadCifarMini(200);
  bytes = images.pixels;
  data = { values: bytesToMinus1To1(images.pixels), rows: 200, cols: D };
});

describe.skipIf(!cifarMiniAvailable)(`CIFAR-10 mini (${CIFAR_MINI})`, () => {
  it('reads the official first record and round-trips bytes through [-1, 1]', () => {
    // train record 0 (frog) starts R 59 43 50 in the official planar layout; NHWC puts R,G,B first
    expect(bytes[0]).toBe(59);
    expect(bytes[3]).toBe(43);
    expect(bytes[6]).toBe(50);
    expect(Math.min(...data.values.subarray(0, D))).toBeGreaterThanOrEqual(-1);
    expect(Array.from(minus1To1ToBytes(bytesToMinus1To1(bytes)))).toEqual(Array.from(bytes));
    expect(fromModelSpace(imagesMinus1To1, toModelSpace(imagesMinus1To1, bytes.subarray(0, 64)) as Float32Array)).toEqual(bytes.subarray(0, 64));
    expect(Array.from(minus1To1ToBytes([-1.2, 1.3, 0.0039, NaN]))).toEqual([0, 255, 128, 0]);
  });

  it('as delta -> 0 every sample is a training image plus noise of norm ~ h(delta) sqrt(D)', () => {
    const start = tf.memory().numTensors;
    const score = empiricalScore(data);
    const nearest = exactNearestTwo(data);
    for (const delta of [1e-3, 1e-4]) {
      const run = sample({ score }, { sampler: 'ei', n: 12, dimension: D, seed: 5, T: 5, delta, steps: 30, grid: 'geometric' });
      const nn = nearest(run.samples, 12);
      const noise = ou.bandwidth(delta) * Math.sqrt(D);
      for (let i = 0; i < 12; i++) {
        expect(nn.first[i]!, `delta ${delta}, sample ${i}`).toBeLessThan(1.5 * noise);
        expect(nn.first[i]! / nn.second[i]!).toBeLessThan(1 / 3);
      }
    }
    score.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('cifarEmpirical: EDM Heun 18 levels stopped 2 early lands within sigma_16 sqrt(D) of a training image', async () => {
    const r = await cifarEmpirical(data, { n: 6, seed: 20 });
    expect(r.sigmas.at(-1)!).toBeCloseTo(0.00753, 4);
    expect(r.memorizedFraction).toBe(1);
    const expected = r.sigmas.at(-1)! * Math.sqrt(D);
    for (const d of r.nearestDistance) expect(Math.abs(d / expected - 1)).toBeLessThan(0.2);
    expect(r.samplesUint8.length).toBe(6 * D);
  });
});
