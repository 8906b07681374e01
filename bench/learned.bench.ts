/**
 * The learned score (scores/learned.ts, training/train-score.ts): seconds per training step
 * (batch 256, Adam, hand-written backward pass) and per score evaluation (a sampler step) for the
 * default MLP (depth 3, width 128) and a narrower one, at D = 2 and D = 64. GFLOP/s counts the
 * products: forward 2 B (D_in W + (depth-1) W^2 + W D) flops, training about 3x the forward.
 * Also the whole default training run on the paper's 2-D set (N = 100, 3000 steps).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/science/backend';
import { TRAIN_SCORE_DEFAULTS } from '../electron/contract/training';
import { createNoise } from '../electron/science/noise';
import { gaussian2dTrainingSet } from '../electron/science/experiments/gaussian2d';
import { initialWeights, learnedScore, timeFeatureCount, type MlpArchitecture } from '../electron/science/scores/learned';
import { trainScore } from '../electron/science/training/train-score';

function forwardFlops(a: MlpArchitecture, rows: number): number {
  const inputs = a.dimension + timeFeatureCount(a.frequencies);
  return 2 * rows * (inputs * a.width + (a.depth - 1) * a.width * a.width + a.width * a.dimension);
}

export default async function (): Promise<void> {
  const backend = await initBackend();
  console.log(`learned score on ${backend.name} (${backend.device})`);
  const batch = TRAIN_SCORE_DEFAULTS.batch;
  for (const D of [2, 64]) {
    for (const width of [64, 128]) {
      const a: MlpArchitecture = { dimension: D, width, depth: 3, frequencies: 4 };
      const data = { values: createNoise(1, 3).normalArray(1000 * D), rows: 1000, cols: D };
      const steps = 200;
      const trained = trainScore(data, { steps, batch, width, depth: 3, lr: 1e-3, T: 5, seed: 0 });
      const perStep = trained.seconds / steps;
      const score = learnedScore({ architecture: a, weights: initialWeights(a, createNoise(2, 2)) });
      const x = createNoise(3, 0).normal([1024, D]) as tf.Tensor2D;
      for (let i = 0; i < 5; i++) score.at(0.1, x).dispose();
      const evals = 100;
      const t0 = performance.now();
      for (let i = 0; i < evals; i++) {
        const s = score.at(0.1, x);
        s.dataSync();
        s.dispose();
      }
      const perEval = (performance.now() - t0) / 1000 / evals;
      x.dispose();
      score.dispose();
      console.log(
        `  D = ${String(D).padStart(2)}, MLP 3x${width}: training step (batch ${batch}) ${(perStep * 1000).toFixed(2)} ms `
        + `(${((3 * forwardFlops(a, batch)) / perStep / 1e9).toFixed(2)} GFLOP/s); score evaluation (1024 rows) ${(perEval * 1000).toFixed(2)} ms `
        + `(${(forwardFlops(a, 1024) / perEval / 1e9).toFixed(2)} GFLOP/s)`,
      );
    }
  }
  const train = gaussian2dTrainingSet(100, [-5, 5], 10, 0);
  const defaults = TRAIN_SCORE_DEFAULTS;
  const run = trainScore({ values: train, rows: 100, cols: 2 }, { ...defaults, seed: 0 });
  console.log(`  default training on the paper's 2-D set (${defaults.steps} steps, MLP ${defaults.depth}x${defaults.width}): ${run.seconds.toFixed(1)} s, final loss ${run.finalLoss.toFixed(3)}`);
  console.log(`  tensors left: ${tf.memory().numTensors}`);
}
