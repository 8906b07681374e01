/**
 * Denoising score matching (docs/math.md §1, §3, §8) for the networks of networks/ (an MLP for
 * vectors, a U-Net for images). Each step draws a batch of training rows y (optionally flipped
 * left-right, for images), times t and noise z, forms the network's input from x_t = m_t y + s_t z
 * and takes one Adam step on
 *     loss = mean over the batch and the D coordinates of (F_theta(input, t) - target)^2
 * with the input and target of the network's preconditioning (networks/preconditioning.ts: for
 * noise prediction x_t and z, so a network that predicts 0 scores 1; EDM's target has unit scale
 * too), with gradients from tfjs's autodiff (tf.variableGrads).
 *
 * - Times are log-uniform on [tMin, T]: the samplers' geometric grids put most steps at small t,
 *   and a log-uniform draw gives every decade of t the same share of the training signal.
 * - Learning rate: linear warm-up from 0 over `warmup` steps, then cosine decay to lr / 20.
 * - The gradient's global L2 norm is clipped to `clip` before Adam (beta1 0.9, beta2 0.999,
 *   eps 1e-8, written here so its moments can be checkpointed exactly).
 * - An exponential moving average of the weights (decay min(ema, (1 + k) / (10 + k)) at step k, so
 *   short runs average over what they have) is what sampling uses; ema = 0 keeps the raw weights.
 *
 * Reproducible and resumable: the initial weights come from one seeded stream, and everything step
 * k draws (rows, flips, times, z) from a stream keyed by (seed, k). A checkpoint holds the weights,
 * Adam's moments, the EMA and the loss curve after step k, so a resumed training continues with
 * exactly the numbers an uninterrupted one would have used (same backend: same arithmetic).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../job-context';
import { ou } from '../forward-process';
import { createNoise, noiseStreams } from '../noise';
import type { DataMatrix } from '../data-matrix';
import {
  checkArchitecture, describeArchitecture, networkDimension, networkLayout, noisePredictor, preconditioningOf,
  type NamedArray, type NetworkArchitecture, type NetworkModel,
} from '../networks';
import { initialParameters, readArrays, toVariables } from '../networks/parameters';
import { trainingCoefficients } from '../networks/preconditioning';
import { timeFeatureCount, writeTimeFeatures } from '../networks/time-features';
import { releaseWebGpuGarbage } from '../webgpu-device';

export interface TrainScoreOptions {
  architecture: NetworkArchitecture;
  /** Adam steps. */
  steps: number;
  /** Rows per step (drawn with replacement). */
  batch: number;
  /** Peak learning rate. */
  lr: number;
  /** Largest training time (the samplers' horizon). */
  T: number;
  /** Smallest training time. */
  tMin: number;
  seed: number;
  /** Warm-up steps (linear from 0 to lr). */
  warmup: number;
  /** Largest global gradient norm (Infinity: no clipping). */
  clip: number;
  /** EMA decay of the weights used for sampling (0: the raw weights). */
  ema: number;
  /** Random left-right flips of image rows (images only). */
  flips: boolean;
}

/** Everything a training is after `step` steps: enough to continue it exactly. */
export interface TrainingState {
  step: number;
  weights: NamedArray[];
  /** Adam's first and second moments, layout order. */
  adamM: NamedArray[];
  adamV: NamedArray[];
  /** EMA of the weights, layout order. */
  emaWeights: NamedArray[];
  /** Loss of every step so far (length `steps` of the whole training; 0 after `step`). */
  losses: Float32Array;
  /** Global gradient norm (before clipping) of every step. */
  gradientNorms: Float32Array;
  /** Seconds spent training so far (over all sessions). */
  seconds: number;
}

export interface TrainedScore {
  /** The network sampling uses: the EMA weights (or the raw ones when ema = 0). */
  model: NetworkModel;
  /** The raw weights after the last step. */
  rawWeights: NamedArray[];
  losses: Float32Array;
  /** EMA (0.99, bias-corrected) of the loss after every step. */
  smoothedLosses: Float32Array;
  gradientNorms: Float32Array;
  /** The last smoothed loss. */
  finalLoss: number;
  options: TrainScoreOptions;
  seconds: number;
  /** Steps done in this session (fewer than `steps` when resumed). */
  sessionSteps: number;
  /** Items per second in this session. */
  itemsPerSecond: number;
  /** Largest tfjs tensor memory seen at the end of a forward pass (bytes): activations + weights + optimiser. */
  peakTensorBytes: number;
}

export interface TrainingHooks {
  /** Continue from this state (a checkpoint of the same options and data). */
  resume?: TrainingState;
  /** Steps between checkpoints (0: none). */
  checkpointEvery?: number;
  /** Receives the state every `checkpointEvery` steps (awaited: the write finishes before the next step). */
  checkpoint?: (state: TrainingState) => Promise<void>;
  /** Live figures after every step (loss curve, speed). */
  onStep?: (figures: { step: number; loss: number; smoothedLoss: number; itemsPerSecond: number }) => void;
}

/** EMA factor of the reported loss. */
const LOSS_EMA = 0.99;
/** Sub-stream tag of training randomness ('trn'), under noiseStreams.picks. */
const TRAINING_TAG = 0x74726e;
const SUBSTREAM = { init: 0, step: 3 } as const;
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** Linear warm-up to lr over `warmup` steps, then cosine decay to lr / 20 at the last step (0-based step). */
export function learningRateAt(step: number, steps: number, lr: number, warmup = 0): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const span = steps - warmup;
  const progress = span <= 1 ? 0 : (step - warmup) / (span - 1);
  const floor = lr / 20;
  return floor + 0.5 * (lr - floor) * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}

/** Log-uniform time on [tMin, T] from u in [0, 1). */
export function trainingTime(u: number, tMin: number, T: number): number {
  return tMin * Math.exp(u * Math.log(T / tMin));
}

/** EMA decay at (0-based) step k: ramps up so that a short training still averages recent weights. */
export function emaDecayAt(step: number, ema: number): number {
  return Math.min(ema, (1 + step) / (10 + step));
}

/** Seeded initial weights of an architecture. */
export function initialNetwork(architecture: NetworkArchitecture, seed: number): NetworkModel {
  checkArchitecture(architecture);
  return { architecture, weights: initialParameters(networkLayout(architecture), createNoise(seed, noiseStreams.picks, TRAINING_TAG, SUBSTREAM.init)) };
}

function checkOptions(o: TrainScoreOptions): void {
  const int = (v: number, lo: number) => Number.isInteger(v) && v >= lo;
  if (!int(o.steps, 1)) throw new Error(`trainScore: steps must be a positive integer, got ${o.steps}`);
  if (!int(o.batch, 1)) throw new Error(`trainScore: batch must be a positive integer, got ${o.batch}`);
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new Error(`trainScore: lr must be finite and positive, got ${o.lr}`);
  if (!(o.tMin > 0) || !(o.T > o.tMin) || !Number.isFinite(o.T)) throw new Error(`trainScore: expected 0 < tMin < T, got tMin = ${o.tMin}, T = ${o.T}`);
  if (!int(o.seed, 0)) throw new Error(`trainScore: seed must be a non-negative integer, got ${o.seed}`);
  if (!int(o.warmup, 0)) throw new Error(`trainScore: warmup must be a non-negative integer, got ${o.warmup}`);
  if (!(o.clip > 0)) throw new Error(`trainScore: clip must be positive (Infinity for none), got ${o.clip}`);
  if (!(o.ema >= 0 && o.ema < 1)) throw new Error(`trainScore: ema must be in [0, 1), got ${o.ema}`);
  if (o.flips && o.architecture.kind !== 'unet') throw new Error('trainScore: flips apply to images (a U-Net), not to vectors');
  checkArchitecture(o.architecture);
}

/**
 * The batch of step k, all from stream (seed, k): rows y (flipped for some images), times t, noise
 * z; writes the network input and the regression target (in = inY y + inZ z, target = outY y +
 * outZ z, networks/preconditioning.ts; for noise prediction x_t and z) and the time features.
 */
function drawBatch(data: DataMatrix, o: TrainScoreOptions, step: number, input: Float32Array, target: Float32Array, features: Float32Array): void {
  const { rows: N, cols: D, values } = data;
  const B = o.batch;
  const F = timeFeatureCount(o.architecture.frequencies);
  const preconditioning = preconditioningOf(o.architecture);
  const rng = createNoise(o.seed, noiseStreams.picks, TRAINING_TAG, SUBSTREAM.step, step);
  const index = rng.uniformInt(N, B);
  const z = rng.normalArray(B * D);
  const [, W, C] = o.architecture.kind === 'unet' ? o.architecture.imageShape : [1, 1, D];
  const rowStride = W * C;
  for (let b = 0; b < B; b++) {
    const t = trainingTime(rng.uniform(), o.tMin, o.T);
    const flip = o.flips && rng.uniform() < 0.5;
    const c = trainingCoefficients(preconditioning, t);
    writeTimeFeatures(t, o.architecture.frequencies, features, b * F);
    const row = index[b]! * D;
    const out = b * D;
    for (let d = 0; d < D; d++) {
      // a left-right flip of an H x W x C image row: column w takes column W - 1 - w
      const source = flip ? Math.floor(d / rowStride) * rowStride + (W - 1 - Math.floor((d % rowStride) / C)) * C + (d % C) : d;
      const y = values[row + source]!;
      const zi = z[out + d]!;
      input[out + d] = c.inY * y + c.inZ * zi;
      target[out + d] = c.outY * y + c.outZ * zi;
    }
  }
}

/**
 * Trains eps_theta on the rows of `data` (model space). Cancellation is checked before every step;
 * leaves no tensors behind, also when cancelled or failing.
 */
export async function trainScore(data: DataMatrix, o: TrainScoreOptions, ctx?: JobContext, hooks: TrainingHooks = {}): Promise<TrainedScore> {
  checkOptions(o);
  const a = o.architecture;
  const { rows: N, cols: D, values } = data;
  const dimension = networkDimension(a);
  if (D !== dimension) throw new Error(`trainScore: the ${describeArchitecture(a)} takes items of ${dimension} values; these data have D = ${D}`);
  if (N < 1 || values.length !== N * D) throw new Error(`trainScore: expected ${N} rows of ${D} values, got ${values.length} values`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`trainScore: training row ${Math.floor(bad / D)} holds a non-finite value (${values[bad]})`);
  const resume = hooks.resume;
  if (resume && !(resume.step >= 0 && resume.step <= o.steps && resume.losses.length === o.steps)) {
    throw new Error(`trainScore: the checkpoint is at step ${resume.step} of a ${resume.losses.length}-step training; this one has ${o.steps} steps`);
  }
  const started = performance.now();
  const start = resume?.step ?? 0;
  const initial = resume ? { architecture: a, weights: resume.weights } : initialNetwork(a, o.seed);
  const net = noisePredictor(initial, true);
  const layout = networkLayout(a);
  const zerosLike = () => layout.map((p) => ({ name: p.name, shape: p.shape, values: new Float32Array(p.shape.reduce((x, y) => x * y, 1)) }));
  const adamM = toVariables(resume?.adamM ?? zerosLike());
  const adamV = toVariables(resume?.adamV ?? zerosLike());
  const emaWeights = toVariables(resume?.emaWeights ?? initial.weights);
  const losses = resume ? Float32Array.from(resume.losses) : new Float32Array(o.steps);
  const gradientNorms = resume ? Float32Array.from(resume.gradientNorms) : new Float32Array(o.steps);
  const smoothed = new Float32Array(o.steps);
  let lossEma = 0;
  /** The bias-corrected EMA of the loss after step k (replayed over a checkpoint's curve on resume). */
  const smooth = (k: number): number => {
    lossEma = LOSS_EMA * lossEma + (1 - LOSS_EMA) * losses[k]!;
    return (smoothed[k] = lossEma / (1 - LOSS_EMA ** (k + 1)));
  };
  for (let k = 0; k < start; k++) smooth(k);
  const B = o.batch;
  const F = timeFeatureCount(a.frequencies);
  const x = new Float32Array(B * D);
  const target = new Float32Array(B * D);
  const features = new Float32Array(B * F);
  let peakTensorBytes = 0;
  const state = (step: number): TrainingState => ({
    step,
    weights: net.read(),
    adamM: readArrays(initial.weights, adamM),
    adamV: readArrays(initial.weights, adamV),
    emaWeights: readArrays(initial.weights, emaWeights),
    losses: Float32Array.from(losses),
    gradientNorms: Float32Array.from(gradientNorms),
    seconds: (resume?.seconds ?? 0) + (performance.now() - started) / 1000,
  });
  try {
    for (let step = start; step < o.steps; step++) {
      ctx?.throwIfCancelled();
      drawBatch(data, o, step, x, target, features);
      const lr = learningRateAt(step, o.steps, o.lr, o.warmup);
      const decay = o.ema > 0 ? emaDecayAt(step, o.ema) : 0;
      const figures = tf.tidy(() => {
        const xT = tf.tensor2d(x, [B, D]);
        const fT = tf.tensor2d(features, [B, F]);
        const targetT = tf.tensor2d(target, [B, D]);
        const { value, grads } = tf.variableGrads(() => {
          const eps = net.predict(xT, fT); // the network's output F (eps for noise prediction)
          peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
          return tf.mean(tf.squaredDifference(eps, targetT)) as tf.Scalar;
        }, net.variables);
        const g = net.variables.map((v) => grads[v.name]!);
        const norm = tf.sqrt(tf.addN(g.map((gi) => tf.sum(tf.square(gi))))) as tf.Scalar;
        const scale = tf.minimum(1, tf.div(o.clip, tf.add(norm, 1e-6)));
        const t = step + 1;
        const stepSize = (lr * Math.sqrt(1 - ADAM.beta2 ** t)) / (1 - ADAM.beta1 ** t);
        net.variables.forEach((v, i) => {
          const gi = tf.mul(g[i]!, scale);
          const m = tf.add(tf.mul(adamM[i]!, ADAM.beta1), tf.mul(gi, 1 - ADAM.beta1));
          const s = tf.add(tf.mul(adamV[i]!, ADAM.beta2), tf.mul(tf.square(gi), 1 - ADAM.beta2));
          adamM[i]!.assign(m);
          adamV[i]!.assign(s);
          v.assign(tf.sub(v, tf.div(tf.mul(m, stepSize), tf.add(tf.sqrt(s), ADAM.epsilon))));
          if (decay > 0) emaWeights[i]!.assign(tf.add(tf.mul(emaWeights[i]!, decay), tf.mul(v, 1 - decay)));
        });
        return tf.stack([value, norm]);
      });
      const [loss, norm] = figures.dataSync() as Float32Array;
      figures.dispose();
      if (!Number.isFinite(loss)) throw new Error(`trainScore: the loss became ${loss} at step ${step + 1}; lower the learning rate (lr = ${o.lr})`);
      losses[step] = loss!;
      gradientNorms[step] = norm!;
      smooth(step);
      const elapsed = (performance.now() - started) / 1000;
      const itemsPerSecond = ((step + 1 - start) * B) / Math.max(elapsed, 1e-9);
      hooks.onStep?.({ step: step + 1, loss: loss!, smoothedLoss: smoothed[step]!, itemsPerSecond });
      // the host derives the ETA from the progress rate (jobs store, CLI)
      ctx?.progress((step + 1) / o.steps, `step ${step + 1}/${o.steps} · loss ${smoothed[step]!.toPrecision(4)} · ${itemsPerSecond.toFixed(1)} items/s`,
        { step: step + 1, steps: o.steps, loss: loss!, smoothedLoss: smoothed[step]!, itemsPerSecond });
      const every = hooks.checkpointEvery ?? 0;
      if (hooks.checkpoint && every > 0 && (step + 1) % every === 0 && step + 1 < o.steps) await hooks.checkpoint(state(step + 1));
      await releaseWebGpuGarbage(); // webgpu only: Dawn frees dropped bind groups (webgpu-device.ts)
    }
    const seconds = (performance.now() - started) / 1000;
    const rawWeights = net.read();
    return {
      model: { architecture: a, weights: o.ema > 0 ? readArrays(initial.weights, emaWeights) : rawWeights },
      rawWeights,
      losses,
      smoothedLosses: smoothed,
      gradientNorms,
      finalLoss: smoothed[o.steps - 1]!,
      options: o,
      seconds: (resume?.seconds ?? 0) + seconds,
      sessionSteps: o.steps - start,
      itemsPerSecond: ((o.steps - start) * B) / Math.max(seconds, 1e-9),
      peakTensorBytes,
    };
  } finally {
    net.dispose();
    tf.dispose([...adamM, ...adamV, ...emaWeights]);
  }
}
