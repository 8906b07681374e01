/**
 * Denoising score matching (docs/math.md §1, §3) for the MLP of scores/learned.ts: each step draws a
 * batch of training rows y, times t and noise z, forms x = m_t y + s_t z and takes one Adam step
 * on  loss = mean_batch ||eps_theta(x, t) - z||^2.
 *
 * Times are log-uniform on [tMin, T]: the samplers' default geometric grids put most of their steps
 * at small t (where the score is large and sharp), and a log-uniform draw gives every decade of t
 * the same share of the training signal; uniform t would leave t < 0.01 with 0.2% of the batches
 * and the last steps of a sampler with a barely trained score.
 * Learning rate: cosine decay from lr to lr / 20, so late steps settle instead of rattling.
 *
 * Gradients come from the network's own backward pass (scores/learned.ts lossAndGradients), applied
 * by tf.train.adam; tfjs-core's gradient registry is not loadable in the engine's Node runtime.
 *
 * Everything random is seeded (noise.ts, stream `picks` with a training tag): initial weights,
 * row picks, times, and z, each from its own sub-stream, so a seed fixes the whole loss curve.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../job-context';
import { ou } from '../forward-process';
import { createNoise, noiseStreams } from '../noise';
import type { DataMatrix } from '../data-matrix';
import {
  DEFAULT_FREQUENCIES, MAX_LEARNED_DIMENSION, checkArchitecture, initialWeights, noisePredictor, timeFeatureCount, writeTimeFeatures,
  type LearnedScoreModel, type MlpArchitecture,
} from '../scores/learned';

export interface TrainScoreOptions {
  /** Adam steps. */
  steps: number;
  /** Rows per step (drawn with replacement). */
  batch: number;
  width: number;
  depth: number;
  /** Peak learning rate (cosine decay to lr / 20). */
  lr: number;
  /** Largest training time (the samplers' horizon). */
  T: number;
  /** Smallest training time (default 1e-3). */
  tMin?: number;
  seed: number;
  /** Sinusoidal time-feature frequencies (default 4). */
  frequencies?: number;
}

export interface TrainedScore {
  model: LearnedScoreModel;
  /** Loss of every step: mean over the batch of ||eps_theta - z||^2 (a network that predicts 0 scores D). */
  losses: Float32Array;
  /** Exponential moving average of the loss (beta 0.99, bias-corrected) after every step. */
  smoothedLosses: Float32Array;
  /** The last smoothed loss. */
  finalLoss: number;
  options: Required<TrainScoreOptions>;
  seconds: number;
}

export const DEFAULT_T_MIN = 1e-3;
/** EMA factor of the reported loss. */
const LOSS_EMA = 0.99;
/** Sub-stream tag of training randomness ('trn'), under noiseStreams.picks. */
const TRAINING_TAG = 0x74726e;
const SUBSTREAM = { init: 0, picks: 1, noise: 2 } as const;

/** Cosine decay from lr (step 0) to lr / 20 (last step). */
export function learningRateAt(step: number, steps: number, lr: number): number {
  const progress = steps <= 1 ? 0 : step / (steps - 1);
  const floor = lr / 20;
  return floor + 0.5 * (lr - floor) * (1 + Math.cos(Math.PI * progress));
}

/** Log-uniform time on [tMin, T] from u in [0, 1). */
export function trainingTime(u: number, tMin: number, T: number): number {
  return tMin * Math.exp(u * Math.log(T / tMin));
}

function resolveOptions(o: TrainScoreOptions): Required<TrainScoreOptions> {
  const r = { tMin: DEFAULT_T_MIN, frequencies: DEFAULT_FREQUENCIES, ...o };
  const int = (v: number, lo: number) => Number.isInteger(v) && v >= lo;
  if (!int(r.steps, 1)) throw new Error(`trainScore: steps must be a positive integer, got ${r.steps}`);
  if (!int(r.batch, 1)) throw new Error(`trainScore: batch must be a positive integer, got ${r.batch}`);
  if (!(r.lr > 0) || !Number.isFinite(r.lr)) throw new Error(`trainScore: lr must be finite and positive, got ${r.lr}`);
  if (!(r.tMin > 0) || !(r.T > r.tMin) || !Number.isFinite(r.T)) throw new Error(`trainScore: expected 0 < tMin < T, got tMin = ${r.tMin}, T = ${r.T}`);
  if (!int(r.seed, 0)) throw new Error(`trainScore: seed must be a non-negative integer, got ${r.seed}`);
  return r;
}

/**
 * Trains eps_theta on the rows of `data` (data units, D <= 64). Progress per step with the loss;
 * cancellation is checked before every step. Leaves no tensors behind, also when cancelled.
 */
export function trainScore(data: DataMatrix, options: TrainScoreOptions, ctx?: JobContext): TrainedScore {
  const started = performance.now();
  const o = resolveOptions(options);
  const { rows: N, cols: D, values } = data;
  if (D > MAX_LEARNED_DIMENSION) throw new Error(`trainScore: learned scores are trained on vector data with D <= ${MAX_LEARNED_DIMENSION}; these data have D = ${D}`);
  if (N < 1 || values.length !== N * D) throw new Error(`trainScore: expected ${N} rows of ${D} values, got ${values.length} values`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`trainScore: training row ${Math.floor(bad / D)} holds a non-finite value (${values[bad]})`);
  const architecture: MlpArchitecture = { dimension: D, width: o.width, depth: o.depth, frequencies: o.frequencies };
  checkArchitecture(architecture);
  const F = timeFeatureCount(o.frequencies);
  const B = o.batch;

  const picks = createNoise(o.seed, noiseStreams.picks, TRAINING_TAG, SUBSTREAM.picks);
  const noise = createNoise(o.seed, noiseStreams.picks, TRAINING_TAG, SUBSTREAM.noise);
  const net = noisePredictor({ architecture, weights: initialWeights(architecture, createNoise(o.seed, noiseStreams.picks, TRAINING_TAG, SUBSTREAM.init)) }, true);
  const optimizer = tf.train.adam(o.lr);
  // AdamOptimizer reads its (protected) learningRate on every update: the schedule sets it per step
  const setLearningRate = (lr: number) => {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  };
  const x = new Float32Array(B * D);
  const features = new Float32Array(B * F);
  const losses = new Float32Array(o.steps);
  const smoothed = new Float32Array(o.steps);
  let ema = 0;
  try {
    for (let step = 0; step < o.steps; step++) {
      ctx?.throwIfCancelled();
      const index = picks.uniformInt(N, B);
      const z = noise.normalArray(B * D);
      for (let b = 0; b < B; b++) {
        const t = trainingTime(picks.uniform(), o.tMin, o.T);
        const m = ou.mean(t);
        const s = ou.std(t);
        writeTimeFeatures(t, o.frequencies, features, b * F);
        const row = index[b]! * D;
        for (let d = 0; d < D; d++) x[b * D + d] = m * values[row + d]! + s * z[b * D + d]!;
      }
      setLearningRate(learningRateAt(step, o.steps, o.lr));
      const cost = tf.tidy(() => {
        const { loss, gradients } = net.lossAndGradients(tf.tensor2d(x, [B, D]), tf.tensor2d(features, [B, F]), tf.tensor2d(z, [B, D]));
        optimizer.applyGradients(net.variables.map((variable, i) => ({ name: variable.name, tensor: gradients[i]! })));
        return loss;
      });
      const loss = cost.dataSync()[0]!;
      cost.dispose();
      if (!Number.isFinite(loss)) throw new Error(`trainScore: the loss became ${loss} at step ${step + 1}; lower the learning rate (lr = ${o.lr})`);
      losses[step] = loss;
      ema = LOSS_EMA * ema + (1 - LOSS_EMA) * loss;
      smoothed[step] = ema / (1 - LOSS_EMA ** (step + 1));
      // the host derives the ETA from the progress rate (jobs store, CLI)
      ctx?.progress((step + 1) / o.steps, `step ${step + 1}/${o.steps} · loss ${smoothed[step]!.toPrecision(4)}`);
    }
    return {
      model: { architecture, weights: net.read() },
      losses,
      smoothedLosses: smoothed,
      finalLoss: smoothed[o.steps - 1]!,
      options: o,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    net.dispose();
    optimizer.dispose();
  }
}
