/**
 * The learned score with the MLP (networks/mlp.ts, training/train-score.ts): seconds per training
 * step (batch 256, Adam, tfjs autodiff) and per score evaluation (a sampler step) for the
 * default MLP (depth 3, width 128) and a narrower one, at D = 2 and D = 64. GFLOP/s counts the
 * products: forward 2 B (D_in W + (depth-1) W^2 + W D) flops, training about 3x the forward.
 * Also the whole default training run on the paper's 2-D set (N = 100, 3000 steps).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/science/backend';
import { TRAIN_SCORE_DEFAULTS } from '../electron/contract/training';
import { createNoise } from '../electron/science/noise';
import { gaussian2dTrainingSet } from '../electron/science/experiments/gaussian2d';
import { learnedScore } from '../electron/science/scores/learned';
import type { MlpArchitecture } from '../electron/science/networks';
import { timeFeatureCount } from '../electron/science/networks/time-features';
import { initialNetwork, trainScore, type TrainScoreOptions } from '../electron/science/training/train-score';

const mlpOptions = (a: MlpArchitecture, o: { steps: number; batch: number; lr: number }): TrainScoreOptions => ({
  architecture: a, steps: o.steps, batch: o.batch, lr: o.lr, T: TRAIN_SCORE_DEFAULTS.T, tMin: TRAIN_SCORE_DEFAULTS.tMin, seed: 0,
  warmup: TRAIN_SCORE_DEFAULTS.mlp.warmup, clip: TRAIN_SCORE_DEFAULTS.clip, ema: TRAIN_SCORE_DEFAULTS.mlp.ema, flips: false,
});

function forwardFlops(a: MlpArchitecture, rows: number): number {
  const inputs = a.dimension + timeFeatureCount(a.frequencies);
  return 2 * rows * (inputs * a.width + (a.depth - 1) * a.width * a.width + a.width * a.dimension);
}

export default async function (): Promise<void> {
  const backend = await initBackend();
  console.log(`learned score on ${backend.name} (${backend.device})`);
  const batch = TRAIN_SCORE_DEFAULTS.mlp.batch;
  for (const D of [2, 64]) {
    for (const width of [64, 128]) {
      const a: MlpArchitecture = { kind: 'mlp', dimension: D, width, depth: 3, frequencies: 4 };
      const data = { values: createNoise(1, 3).normalArray(1000 * D), rows: 1000, cols: D };
      const steps = 200;
      const trained = await trainScore(data, mlpOptions(a, { steps, batch, lr: 1e-3 }));
      const perStep = trained.seconds / steps;
      const score = learnedScore(initialNetwork(a, 2));
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
  const d = TRAIN_SCORE_DEFAULTS;
  const a: MlpArchitecture = { kind: 'mlp', dimension: 2, width: d.width, depth: d.depth, frequencies: 4 };
  const run = await trainScore({ values: train, rows: 100, cols: 2 }, mlpOptions(a, d.mlp));
  console.log(`  default training on the paper's 2-D set (${d.mlp.steps} steps, MLP ${d.depth}x${d.width}): ${run.seconds.toFixed(1)} s, final loss ${run.finalLoss.toFixed(3)} per coordinate`);
  console.log(`  tensors left: ${tf.memory().numTensors}`);
}
