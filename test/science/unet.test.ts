/**
 * The U-Net noise predictor (networks/unet.ts) and its training (training/train-score.ts):
 * the parameter count against a hand count, autodiff of the loss against central finite
 * differences, training that lowers the loss on real CIFAR-10 images, exact resumption from a
 * checkpoint, and no tensor leaks per step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { itOffWebGpu, useTestBackend } from '../helpers/tf';
import { centralDifferenceCheck } from '../helpers/finite-differences';
import { createNoise } from '../../electron/science/noise';
import { bytesToMinus1To1 } from '../../electron/science/data-scaling';
import { noisePredictor, parameterCount, type NetworkModel, type UNetArchitecture } from '../../electron/science/networks';
import { unetLayout } from '../../electron/science/networks/unet';
import { initialParameters } from '../../electron/science/networks/parameters';
import { timeFeatureCount } from '../../electron/science/networks/time-features';
import { initialNetwork, trainScore, type TrainingState, type TrainScoreOptions } from '../../electron/science/training/train-score';
import { JobCancelled, type JobContext } from '../../electron/science/job-context';
import { UNET_PRESETS } from '../../electron/contract/training';
import { edmImages } from '../../electron/science/networks/preconditioning';
import { learnedScore } from '../../electron/science/scores/learned';
import { isotropicGaussianScore } from '../../electron/science/scores/gaussian';
import { cifarMiniAvailable, loadCifarMini, CIFAR_MINI } from './fixtures/cifar-mini';

beforeAll(async () => {
  await useTestBackend();
});

const tiny = (o: Partial<UNetArchitecture> = {}): UNetArchitecture => ({
  kind: 'unet', imageShape: [8, 8, 2], channels: 8, channelMultipliers: [1, 2], resBlocks: 1, attention: true, frequencies: 2, ...o,
});

/** A network whose every weight is random (zero-started layers too), so every gradient is non-trivial. */
function randomModel(a: UNetArchitecture, seed: number): NetworkModel {
  const weights = initialParameters(unetLayout(a), createNoise(seed, 2));
  const extra = createNoise(seed, 3);
  for (const w of weights) {
    const bump = extra.normalArray(w.values.length);
    const zeroStart = w.values.every((v) => v === 0 || v === 1);
    for (let i = 0; i < w.values.length; i++) w.values[i] = w.values[i]! + (zeroStart ? 0.2 : 0.05) * bump[i]!;
  }
  return { architecture: a, weights };
}

function options(a: UNetArchitecture, o: Partial<TrainScoreOptions> = {}): TrainScoreOptions {
  return { architecture: a, steps: 10, batch: 4, lr: 2e-3, T: 5, tMin: 1e-3, seed: 3, warmup: 3, clip: 1, ema: 0.99, flips: true, ...o };
}

/** N random images in [-1, 1] of shape a.imageShape. */
function images(a: UNetArchitecture, N: number, seed: number): { values: Float32Array; rows: number; cols: number } {
  const D = a.imageShape[0] * a.imageShape[1] * a.imageShape[2];
  const values = createNoise(seed, 3).normalArray(N * D).map((v) => Math.tanh(v));
  return { values, rows: N, cols: D };
}

describe('U-Net: structure and gradients', () => {
  it('has the parameter count of a hand count (one level) and the presets the contract states', () => {
    // one level, c channels, E = 4c, F = 2K + 1 time features, 3 image channels:
    // embedding F E + E + E E + E; input conv 27 c + c; three c -> c blocks (down, two middle);
    // two up blocks on [h, skip] = 2c -> c with a 1x1 skip; output norm and conv 9 c 3 + 3
    const c = 8;
    const E = 4 * c;
    const F = timeFeatureCount(3);
    const block = (cin: number, cout: number) => 2 * cin + 9 * cin * cout + cout + E * cout + cout + 2 * cout + 9 * cout * cout + cout + (cin !== cout ? cin * cout + cout : 0);
    const expected = F * E + E + E * E + E + 27 * c + c + 3 * block(c, c) + 2 * block(2 * c, c) + 2 * c + 27 * c + 3;
    expect(parameterCount({ kind: 'unet', imageShape: [16, 16, 3], channels: c, channelMultipliers: [1], resBlocks: 1, attention: false, frequencies: 3 })).toBe(expected);
    for (const [name, p] of Object.entries(UNET_PRESETS)) {
      const { parameters, ...shape } = p;
      expect(parameterCount({ kind: 'unet', imageShape: [32, 32, 3], frequencies: 6, ...shape, channelMultipliers: [...shape.channelMultipliers] }), name).toBe(parameters);
    }
  });

  it('starts as eps = 0 (zero output layer) and keeps the item layout', () => {
    const start = tf.memory().numTensors;
    const a = tiny();
    const net = noisePredictor(initialNetwork(a, 1));
    const x = createNoise(1, 0).normal([3, 128]) as tf.Tensor2D;
    const f = tf.zeros([1, timeFeatureCount(a.frequencies)]) as tf.Tensor2D;
    const eps = net.predict(x, f);
    expect(eps.shape).toEqual([3, 128]);
    expect(Math.max(...Array.from(eps.dataSync()).map(Math.abs))).toBe(0);
    tf.dispose([x, f, eps]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('with EDM preconditioning, the untrained network (F = 0) is the exact score of N(0, sigma_data^2 I)', () => {
    // D = c_skip x_VE = sd^2 / (sigma^2 + sd^2) x_VE is the posterior mean of y ~ N(0, sd^2 I)
    const start = tf.memory().numTensors;
    const a = tiny({ preconditioning: edmImages });
    const learned = learnedScore(initialNetwork(a, 1));
    const exact = isotropicGaussianScore(new Array(128).fill(0), edmImages.kind === 'edm' ? edmImages.sigmaData : NaN);
    const x = createNoise(2, 0).normal([3, 128]) as tf.Tensor2D;
    for (const t of [0.002, 0.1, 1, 4.5]) {
      const a1 = learned.at(t, x);
      const b1 = exact.at(t, x);
      const err = tf.tidy(() => tf.norm(tf.sub(a1, b1)).dataSync()[0]! / tf.norm(b1).dataSync()[0]!);
      expect(err, `t = ${t}`).toBeLessThan(1e-5);
      tf.dispose([a1, b1]);
    }
    x.dispose();
    learned.dispose();
    exact.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('refuses shapes the levels cannot halve, with the reason', () => {
    expect(() => parameterCount(tiny({ imageShape: [6, 6, 3], channelMultipliers: [1, 2, 2] }))).toThrow(/H and W must be multiples of 4; got 6x6/);
  });

  itOffWebGpu('autodiff gradients of the loss equal central finite differences (float32, every weight tensor)', 'hundreds of synchronous forward passes exhaust lavapipe\'s descriptor pools (webgpu-device.ts releaseWebGpuGarbage)', () => {
    const start = tf.memory().numTensors;
    const a = tiny();
    const net = noisePredictor(randomModel(a, 4), true);
    const noise = createNoise(9, 0);
    const x = noise.normal([2, 128]) as tf.Tensor2D;
    const f = noise.normal([2, timeFeatureCount(a.frequencies)]) as tf.Tensor2D;
    const z = noise.normal([2, 128]) as tf.Tensor2D;
    const loss = (weights: readonly tf.Tensor[]) => tf.tidy(() => tf.mean(tf.squaredDifference(net.predictWith(weights, x, f), z)) as tf.Scalar);
    const report = centralDifferenceCheck(net.variables, loss, { seed: 5 });
    expect(report.tensors).toBe(unetLayout(a).length);
    expect(report.directional, JSON.stringify(report)).toBeLessThan(2e-2);
    expect(report.coordinates, JSON.stringify(report)).toBeLessThan(2e-2);
    tf.dispose([x, f, z]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('U-Net: training', () => {
  it('resumes from a checkpoint to exactly the weights, EMA and losses of an uninterrupted training', async () => {
    const a = tiny({ attention: false });
    const data = images(a, 12, 1);
    const whole = await trainScore(data, options(a));
    let saved: TrainingState | undefined;
    let steps = 0;
    const ctx: JobContext = {
      progress: () => void steps++,
      throwIfCancelled: () => {
        if (steps >= 7) throw new JobCancelled();
      },
      signal: new AbortController().signal,
    };
    await expect(trainScore(data, options(a), ctx, { checkpointEvery: 4, checkpoint: async (s) => void (saved = s) })).rejects.toThrow(JobCancelled);
    expect(saved?.step).toBe(4);
    const resumed = await trainScore(data, options(a), undefined, { resume: saved! });
    expect(resumed.sessionSteps).toBe(6);
    expect(Array.from(resumed.losses)).toEqual(Array.from(whole.losses));
    for (const [i, w] of whole.model.weights.entries()) expect(Array.from(resumed.model.weights[i]!.values), w.name).toEqual(Array.from(w.values));
    for (const [i, w] of whole.rawWeights.entries()) expect(Array.from(resumed.rawWeights[i]!.values), w.name).toEqual(Array.from(w.values));
    // the EMA is not the raw weights
    expect(Array.from(whole.model.weights[0]!.values)).not.toEqual(Array.from(whole.rawWeights[0]!.values));
  });

  itOffWebGpu(`lowers the loss on CIFAR-10 images within 40 steps on the test backend, leaking no tensors per step (${CIFAR_MINI})`, '40 U-Net steps take about 170 s on lavapipe', async () => {
    const start = tf.memory().numTensors;
    const pixels = loadCifarMini(64).pixels;
    const data = { values: bytesToMinus1To1(pixels), rows: 64, cols: 3072 };
    const a: UNetArchitecture = { kind: 'unet', imageShape: [32, 32, 3], channels: 8, channelMultipliers: [1, 2, 2], resBlocks: 1, attention: false, frequencies: 6, preconditioning: edmImages };
    // the EDM objective on fixed draws (the first 16 images, fixed z, t = 0.1 and 0.5, sigma 0.47 and 1.1):
    // mean ((D(x_t) - y) / c_out)^2, c_out = sigma sd / sqrt(sigma^2 + sd^2), sigma = sqrt(e^{2t} - 1), sd = 0.5
    const y = tf.tensor2d(data.values.subarray(0, 16 * 3072), [16, 3072]);
    const heldLoss = (model: NetworkModel) => {
      const score = learnedScore(model);
      const losses = [0.1, 0.5].map((t) => tf.tidy(() => {
        const sigma = Math.sqrt(Math.exp(2 * t) - 1);
        const cOut = (sigma * 0.5) / Math.sqrt(sigma * sigma + 0.25);
        const x = tf.add(tf.mul(y, Math.exp(-t)), tf.mul(createNoise(8, 0, t * 1000).normal([16, 3072]), Math.sqrt(1 - Math.exp(-2 * t)))) as tf.Tensor2D;
        return tf.mean(tf.square(tf.div(tf.sub(score.denoise(t, x), y), cOut))).dataSync()[0]!;
      }));
      score.dispose();
      return losses;
    };
    const before = heldLoss(initialNetwork(a, 3));
    const counts: number[] = [];
    const trained = await trainScore(data, options(a, { steps: 40, batch: 8, lr: 5e-3, warmup: 5 }), undefined, {
      onStep: () => void counts.push(tf.memory().numTensors),
    });
    const after = heldLoss(trained.model);
    y.dispose();
    console.log(`U-Net EDM loss on fixed CIFAR draws, before -> after 40 steps: ${before.map((b, i) => `${b.toFixed(3)} -> ${after[i]!.toFixed(3)}`).join(', ')}`);
    // before training D = c_skip x_VE (the posterior mean of N(0, sd^2 I)); the fine detail of sigma < 0.2
    // takes hundreds of steps, the structure at these levels a few dozen
    for (const [i, b] of before.entries()) expect(after[i]!, `t index ${i}`).toBeLessThan(0.8 * b);
    expect(new Set(counts).size, 'tensors held after each step').toBe(1);
    expect(tf.memory().numTensors).toBe(start);
  }, undefined, it.skipIf(!cifarMiniAvailable));
});
