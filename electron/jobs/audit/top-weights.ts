/**
 * For samples drawn with the empirical optimal score: which training images the sampler was
 * copying. At the stopping time delta the score's softmax weights
 *   w_i(delta, x) = softmax_i( -||x_OU - m y_i||^2 / (2 s^2) ),  m = e^{-delta}, s^2 = 1 - e^{-2 delta}
 * (docs/math.md §3) say how much each training image y_i pulls the sample. Runs store samples in data
 * coordinates x = e^{delta} x_OU (the VE form; see jobs/runs/draw-samples.ts), so x_OU = e^{-delta} x.
 * Computed at t = delta (the last step), in batches, with the run's own training data (its first
 * `subset` items scaled to [-1, 1]).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bytesToMinus1To1 } from '../../science/data-scaling';
import { empiricalScore } from '../../science/scores/empirical';
import { loadSplit, parseDatasetRef } from '../../workspace/datasets';
import type { RunManifest } from '../../workspace/runs';
import { runKinds } from '../../contract/run-kinds';
import type { JobContext } from '../../science/job-context';

export interface SampleTopWeights {
  t: number;
  data: string;
  used: number;
  k: number;
  /** [count, k] training indices, largest weight first. */
  indices: Int32Array;
  /** [count, k] weights (over all N they sum to 1). */
  weights: Float32Array;
}

/** Why a run's samples get no top weights, or the run's score parameters. */
export function empiricalRunParams(run: RunManifest): { delta: number; data: string; subset: number | undefined } | string {
  const p = run.params as Record<string, unknown>;
  if (run.kind !== runKinds.sample) return `run kind "${run.kind}" is not a sampling run`;
  if (p['score'] !== 'empirical') return `the run's score is ${String(p['score'])}, not the empirical score`;
  if (p['sampler'] === 'cifar-kde') return 'the pixel-space KDE does not use the score';
  const delta = p['delta'];
  if (typeof delta !== 'number' || !(delta > 0)) return 'the run has no early-stopping time delta';
  if (typeof p['data'] !== 'string') return 'the run names no training data';
  const subset = typeof p['subset'] === 'number' ? p['subset'] : undefined;
  return { delta, data: p['data'], subset };
}

const BATCH = 64;

export async function sampleTopWeights(
  workspace: string,
  run: RunManifest,
  pixels: Uint8Array,
  count: number,
  k: number,
  ctx?: JobContext,
): Promise<SampleTopWeights | string> {
  const params = empiricalRunParams(run);
  if (typeof params === 'string') return params;
  const { name, split } = parseDatasetRef(params.data);
  let s;
  try {
    s = await loadSplit(workspace, `${name}:${split}`);
  } catch (e) {
    return `the run's training data is not available: ${(e as Error).message}`;
  }
  if (!(s.data instanceof Uint8Array)) return `the run's training data ${name}:${split} holds vectors, not images`;
  const total = s.shape[0] ?? 0;
  const d = s.shape.slice(1).reduce((a, b) => a * b, 1);
  if (d * count !== pixels.length) return `the run's training images (${s.shape.slice(1).join('x')}) do not match its samples`;
  const used = Math.min(total, params.subset ?? total);
  if (used < 1) return `the run's training data ${name}:${split} is empty`;
  const kk = Math.min(k, used);
  // only topWeights is used: the tfjs score does it (the native one would pack the data for nothing)
  const score = empiricalScore({ values: bytesToMinus1To1(s.data.subarray(0, used * d)), rows: used, cols: d }, { backend: 'tfjs' });
  const indices = new Int32Array(count * kk);
  const weights = new Float32Array(count * kk);
  const shrink = Math.exp(-params.delta);
  try {
    for (let first = 0; first < count; first += BATCH) {
      const rows = Math.min(BATCH, count - first);
      const x = bytesToMinus1To1(pixels.subarray(first * d, (first + rows) * d));
      for (let i = 0; i < x.length; i++) x[i] = x[i]! * shrink;
      const xt = tf.tensor2d(x, [rows, d]);
      try {
        const top = score.topWeights(params.delta, xt, kk);
        indices.set(top.indices, first * kk);
        weights.set(top.weights, first * kk);
      } finally {
        xt.dispose();
      }
      ctx?.progress((first + rows) / count, 'softmax weights of the empirical score');
      ctx?.throwIfCancelled();
    }
  } finally {
    score.dispose();
  }
  return { t: params.delta, data: `${name}:${split}`, used, k: kk, indices, weights };
}
