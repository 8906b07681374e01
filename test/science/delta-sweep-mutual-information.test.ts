/**
 * The delta sweep's mutual information (experiments/delta-sweep.ts, one estimator for every delta):
 * each delta's value equals a float64 brute force of the same Monte Carlo sum on the draws the
 * sweep uses (seed, miDraws), on image-sized rows (the native search when the addon is built, else
 * the tfjs top weights) and on the default 2-D rows (tfjs); no tensors are left behind.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { deltaSweep } from '../../electron/science/experiments/delta-sweep';
import { gaussian2dTrainingSet } from '../../electron/science/experiments/gaussian2d';
import { mutualInformationDraws } from '../../electron/science/metrics/kde-mutual-information';
import { loadNativeKernels } from '../../electron/science/native/kernels';
import { createNoise } from '../../electron/science/noise';
import { bruteForceMI } from './fixtures/brute-mutual-information';

beforeAll(async () => {
  await useTestBackend();
});

describe('deltaSweep mutual information', () => {
  it('image-sized rows (D = 96): every delta equals the float64 brute force on the sweep\'s draws', async () => {
    const N = 200;
    const D = 96;
    // pairs of near-twins: copies at the smallest delta, shared weight in between, blur at the largest
    const base = createNoise(21, 3).normalArray((N / 2) * D);
    const jitter = createNoise(22, 3).normalArray(N * D);
    const values = new Float32Array(N * D);
    for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) values[i * D + d] = 0.5 * base[(i >> 1) * D + d]! + 0.02 * jitter[i * D + d]!;
    const data = { values, rows: N, cols: D };
    const deltas = [0.001, 0.02, 0.2, 2];
    const start = tf.memory().numTensors;
    const r = await deltaSweep(data, deltas, { n: 8, steps: 4, seed: 3, miDraws: 96 });
    expect(tf.memory().numTensors).toBe(start);
    const draws = mutualInformationDraws(N, D, 96, 3);
    // native search: float64 rivals (<= 1e-12), float32 denoiser logits when spread; tfjs top
    // weights: float32 logits throughout (measured <= 3e-5 at this size)
    const tol = loadNativeKernels()?.denoise ? 2e-6 : 2e-4;
    r.points.forEach((p, k) => {
      expect(p.mutualInformation!.draws).toBe(96);
      expect(Math.abs(p.mutualInformation!.nats - bruteForceMI(data, draws, deltas[k]!))).toBeLessThan(tol);
    });
    expect(r.points[0]!.mutualInformation!.nats).toBeGreaterThan(r.points[3]!.mutualInformation!.nats);
  });

  it('the default 2-D rows (tfjs): every delta equals the float64 brute force; miDraws 0 skips it', async () => {
    const data = { values: gaussian2dTrainingSet(60, [-5, 5], 10, 2), rows: 60, cols: 2 };
    const deltas = [0.01, 0.3, 3];
    const r = await deltaSweep(data, deltas, { n: 16, steps: 10, seed: 5, miDraws: 200 });
    const draws = mutualInformationDraws(60, 2, 200, 5);
    r.points.forEach((p, k) => expect(Math.abs(p.mutualInformation!.nats - bruteForceMI(data, draws, deltas[k]!))).toBeLessThan(1e-4));
    const none = await deltaSweep(data, [0.1], { n: 4, steps: 3, miDraws: 0 });
    expect(none.points[0]!.mutualInformation).toBeNull();
  });
});
