/**
 * The LS local patch score (scores/local-patch.ts): seconds per score evaluation (one sampler
 * step) for a batch of B = 16 CIFAR-sized images (32 x 32 x 3), N = 1000 and 5000 random training
 * images, patch 3 / 5 / 9; s_N's denoiser (tfjs) on the same data for scale. Also the tensor
 * memory the score holds on the device.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/science/backend';
import { createNoise } from '../electron/science/noise';
import { localPatchScore } from '../electron/science/scores/local-patch';
import { tfjsEmpiricalScore } from '../electron/science/scores/empirical';
import type { DenoisingScore } from '../electron/science/scores/score';

const SHAPE = [32, 32, 3] as const;
const D = 32 * 32 * 3;
const B = 16;

function secondsPerEvaluation(score: DenoisingScore, x: tf.Tensor2D, evals: number): number {
  score.denoise(0.3, x).dispose();
  const t0 = performance.now();
  for (let i = 0; i < evals; i++) {
    const y = score.denoise(0.3, x);
    y.dataSync();
    y.dispose();
  }
  return (performance.now() - t0) / 1000 / evals;
}

export default async function (): Promise<void> {
  const backend = await initBackend();
  console.log(`local patch score on ${backend.name} (${backend.device}), B = ${B}, 32x32x3`);
  for (const N of [1000, 5000]) {
    const values = createNoise(1, 3).normalArray(N * D).map((v) => Math.tanh(v));
    const data = { values, rows: N, cols: D };
    const x = createNoise(2, 0).normal([B, D]) as tf.Tensor2D;
    for (const patch of [3, 5, 9]) {
      const before = tf.memory().numBytes;
      const score = localPatchScore(data, SHAPE, { patch });
      const held = (tf.memory().numBytes - before) / 2 ** 20;
      const s = secondsPerEvaluation(score, x, N > 2000 ? 1 : 3);
      score.dispose();
      console.log(`  N = ${N}, patch ${patch}: ${s.toFixed(3)} s per evaluation (${((B * N * 1024) / s / 1e6).toFixed(0)} M pixel-logits/s), ${held.toFixed(0)} MB on the device`);
    }
    const empirical = tfjsEmpiricalScore(data);
    console.log(`  N = ${N}, s_N (tfjs) for scale: ${secondsPerEvaluation(empirical, x, 3).toFixed(3)} s per evaluation`);
    empirical.dispose();
    x.dispose();
  }
}
