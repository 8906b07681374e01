/**
 * A learned score: a small MLP noise predictor eps_theta(x, t) trained by denoising score matching
 * (electron/science/training/train-score.ts), in plain tfjs-core (matMul + SiLU, no layers API).
 *
 * Parametrisation (OU process of docs/math.md §1, m_t = e^{-t}, s_t^2 = 1 - e^{-2t}): the network
 * predicts the noise z in x = m_t y + s_t z, so
 *   score    s(t, x)   = -eps_theta(x, t) / s_t
 *   denoiser E[y | x]  = (x - s_t eps_theta(x, t)) / m_t        (Tweedie, the same thing)
 * and every sampler, EDM Heun included, can use it.
 *
 * The network sees DATA units, not standardised data: the samplers start from N(0, I) at T in data
 * units, so a score that standardised internally would describe another process. (For the paper's
 * 2-D set, |x| <= ~12, well within what SiLU layers with Xavier initialisation handle.)
 *
 * Architecture (depth hidden layers of `width` units, D inputs and outputs):
 *   f(t)  = [tau, sin(2^k tau), cos(2^k tau) for k < frequencies],  tau = ln(sigma(t)) / 4,
 *           sigma(t) = sqrt(e^{2t} - 1) the VE noise level (tau spans about -0.8 .. 1.3 on [1e-3, 5])
 *   h_0   = silu(x W_x + f(t) W_t + b_0)
 *   h_i   = silu(h_{i-1} W_i + b_i),  i = 1 .. depth - 1
 *   eps   = h_{depth-1} W_out + b_out,               silu(u) = u * sigmoid(u)
 * Weights travel as named Float32Arrays (weights.npz of a train-score run: one array per tensor).
 */
import * as tf from '@tensorflow/tfjs-core';
import { LEARNED_MAX_DIMENSION } from '../../contract/training';
import { ou } from '../forward-process';
import type { NoiseSource } from '../noise';
import type { DenoisingScore } from './score';

/** Largest data dimension a learned score is trained on here (vector data; images need conv nets). */
export const MAX_LEARNED_DIMENSION = LEARNED_MAX_DIMENSION;

export interface MlpArchitecture {
  /** Data dimension D (inputs and outputs). */
  dimension: number;
  /** Units per hidden layer. */
  width: number;
  /** Hidden layers (>= 1). */
  depth: number;
  /** Sinusoidal time features: frequencies 2^0 .. 2^(frequencies - 1). */
  frequencies: number;
}

/** One weight tensor as plain numbers (row-major). */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A trained (or freshly initialised) network: its shape and its weights. */
export interface LearnedScoreModel {
  architecture: MlpArchitecture;
  weights: NamedArray[];
}

export const DEFAULT_FREQUENCIES = 4;

/** Number of time features: tau and a sine/cosine pair per frequency. */
export function timeFeatureCount(frequencies: number): number {
  return 1 + 2 * frequencies;
}

/** Writes f(t) into out[offset ..]; t > 0. */
export function writeTimeFeatures(t: number, frequencies: number, out: Float32Array, offset = 0): void {
  const tau = 0.25 * Math.log(ou.sigmaOfT(t));
  out[offset] = tau;
  for (let k = 0; k < frequencies; k++) {
    const w = 2 ** k * tau;
    out[offset + 1 + 2 * k] = Math.sin(w);
    out[offset + 2 + 2 * k] = Math.cos(w);
  }
}

/** The weight tensors of an architecture, in file order, with their fan-in and fan-out. */
export function parameterLayout(a: MlpArchitecture): { name: string; shape: number[]; fanIn: number; fanOut: number }[] {
  const F = timeFeatureCount(a.frequencies);
  const inputs = a.dimension + F;
  const out = [
    { name: 'hidden0_x_kernel', shape: [a.dimension, a.width], fanIn: inputs, fanOut: a.width },
    { name: 'hidden0_t_kernel', shape: [F, a.width], fanIn: inputs, fanOut: a.width },
    { name: 'hidden0_bias', shape: [a.width], fanIn: 0, fanOut: 0 },
  ];
  for (let i = 1; i < a.depth; i++) {
    out.push({ name: `hidden${i}_kernel`, shape: [a.width, a.width], fanIn: a.width, fanOut: a.width });
    out.push({ name: `hidden${i}_bias`, shape: [a.width], fanIn: 0, fanOut: 0 });
  }
  out.push({ name: 'output_kernel', shape: [a.width, a.dimension], fanIn: a.width, fanOut: a.dimension });
  out.push({ name: 'output_bias', shape: [a.dimension], fanIn: 0, fanOut: 0 });
  return out;
}

export function parameterCount(a: MlpArchitecture): number {
  return parameterLayout(a).reduce((sum, p) => sum + p.shape.reduce((x, y) => x * y, 1), 0);
}

export function checkArchitecture(a: MlpArchitecture): void {
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(a.dimension, 1, MAX_LEARNED_DIMENSION)) throw new Error(`learned score: dimension must be an integer in 1..${MAX_LEARNED_DIMENSION}, got ${a.dimension}`);
  if (!int(a.width, 1, 4096)) throw new Error(`learned score: width must be an integer in 1..4096, got ${a.width}`);
  if (!int(a.depth, 1, 16)) throw new Error(`learned score: depth must be an integer in 1..16, got ${a.depth}`);
  if (!int(a.frequencies, 0, 16)) throw new Error(`learned score: frequencies must be an integer in 0..16, got ${a.frequencies}`);
}

/**
 * Seeded initial weights: Xavier-normal kernels, std sqrt(2 / (fan_in + fan_out)), zero biases; the
 * output kernel is scaled by 0.1 so the untrained network predicts eps ~ 0 (loss starts near D).
 */
export function initialWeights(a: MlpArchitecture, noise: NoiseSource): NamedArray[] {
  checkArchitecture(a);
  return parameterLayout(a).map(({ name, shape, fanIn, fanOut }) => {
    const size = shape.reduce((x, y) => x * y, 1);
    if (fanIn === 0) return { name, shape, values: new Float32Array(size) };
    const values = noise.normalArray(size);
    const std = Math.sqrt(2 / (fanIn + fanOut)) * (name === 'output_kernel' ? 0.1 : 1);
    for (let i = 0; i < size; i++) values[i] = values[i]! * std;
    return { name, shape, values };
  });
}

/** Checks that weights fit an architecture (names, order, shapes, finite values); `where` names the source. */
export function checkWeights(model: LearnedScoreModel, where: string): void {
  checkArchitecture(model.architecture);
  const layout = parameterLayout(model.architecture);
  const byName = new Map(model.weights.map((w) => [w.name, w]));
  for (const p of layout) {
    const w = byName.get(p.name);
    if (!w) throw new Error(`${where}: missing weight "${p.name}" (expected ${layout.map((l) => l.name).join(', ')})`);
    const size = p.shape.reduce((x, y) => x * y, 1);
    if (w.shape.join(',') !== p.shape.join(',') || w.values.length !== size) {
      throw new Error(`${where}: weight "${p.name}" has shape [${w.shape.join(', ')}], expected [${p.shape.join(', ')}]`);
    }
    for (const v of w.values) if (!Number.isFinite(v)) throw new Error(`${where}: weight "${p.name}" holds a non-finite value`);
  }
  if (byName.size !== layout.length) throw new Error(`${where}: ${byName.size} weights, expected ${layout.length}`);
}

/** The network on the device: eps_theta for rows of x at per-row (or shared) time features. */
export interface NoisePredictor {
  readonly architecture: MlpArchitecture;
  /** The weights as variables, in layout order (trainable when made for training). */
  readonly variables: tf.Variable[];
  /** eps_theta(x, t): x [B, D], features [B, F] or [1, F]. New tensor (call inside tidy when training). */
  predict(x: tf.Tensor2D, features: tf.Tensor2D): tf.Tensor2D;
  /**
   * The denoising loss mean_b ||eps_theta(x_b, t_b) - z_b||^2 and its gradient for every variable
   * (layout order), by hand-written backpropagation: the gradient registry of tfjs-core cannot be
   * loaded by the engine's runtime (its ESM files use directory imports that Node refuses), and an
   * MLP's backward pass is a few products. New tensors; call inside tidy.
   */
  lossAndGradients(x: tf.Tensor2D, features: tf.Tensor2D, z: tf.Tensor2D): { loss: tf.Scalar; gradients: tf.Tensor[] };
  /** The current weights as plain arrays (reads the device). */
  read(): NamedArray[];
  dispose(): void;
}

export function noisePredictor(model: LearnedScoreModel, trainable = false): NoisePredictor {
  checkWeights(model, 'learned score');
  const a = model.architecture;
  const layout = parameterLayout(a);
  const byName = new Map(model.weights.map((w) => [w.name, w]));
  const variables = layout.map((p) => {
    // the variable holds its own reference to the uploaded values: release the temporary tensor
    const initial = tf.tensor(byName.get(p.name)!.values, p.shape, 'float32');
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    return variable;
  });
  const v = (name: string) => variables[layout.findIndex((p) => p.name === name)]!;
  const kernel = (name: string) => v(name) as tf.Tensor2D;
  const silu = (u: tf.Tensor) => tf.mul(u, tf.sigmoid(u));
  const checkX = (x: tf.Tensor2D) => {
    if (x.rank !== 2 || x.shape[1] !== a.dimension) throw new Error(`learned score: expected x of shape [B, ${a.dimension}], got [${x.shape.join(', ')}]`);
  };
  /** Pre-activations a_i and activations h_i of every hidden layer, and the output. */
  const forward = (x: tf.Tensor2D, features: tf.Tensor2D) => {
    const pre: tf.Tensor2D[] = [];
    const act: tf.Tensor2D[] = [];
    pre.push(tf.add(tf.add(tf.matMul(x, kernel('hidden0_x_kernel')), tf.matMul(features, kernel('hidden0_t_kernel'))), v('hidden0_bias')));
    act.push(silu(pre[0]!) as tf.Tensor2D);
    for (let i = 1; i < a.depth; i++) {
      pre.push(tf.add(tf.matMul(act[i - 1]!, kernel(`hidden${i}_kernel`)), v(`hidden${i}_bias`)));
      act.push(silu(pre[i]!) as tf.Tensor2D);
    }
    return { pre, act, out: tf.add(tf.matMul(act[a.depth - 1]!, kernel('output_kernel')), v('output_bias')) as tf.Tensor2D };
  };
  return {
    architecture: a,
    variables,
    predict(x, features) {
      checkX(x);
      return tf.tidy(() => forward(x, features).out);
    },
    lossAndGradients(x, features, z) {
      checkX(x);
      const B = x.shape[0];
      return tf.tidy(() => {
        const { pre, act, out } = forward(x, features);
        const residual = tf.sub(out, z);
        const loss = tf.div(tf.sum(tf.square(residual)), B) as tf.Scalar;
        const grads = new Map<string, tf.Tensor>();
        // explicit transposes: wasm's matMul with transpose flags is several times slower (bench/learned.bench.ts)
        const tm = (a2: tf.Tensor2D, b2: tf.Tensor2D) => tf.matMul(tf.transpose(a2), b2);
        const mt = (a2: tf.Tensor2D, b2: tf.Tensor2D) => tf.matMul(a2, tf.transpose(b2));
        // d loss / d out = 2 (out - z) / B; then back through each layer
        let g = tf.mul(residual, 2 / B) as tf.Tensor2D;
        grads.set('output_kernel', tm(act[a.depth - 1]!, g));
        grads.set('output_bias', tf.sum(g, 0));
        let upstream = mt(g, kernel('output_kernel'));
        for (let i = a.depth - 1; i >= 0; i--) {
          // silu'(u) = sigmoid(u) (1 + u (1 - sigmoid(u)))
          const sig = tf.sigmoid(pre[i]!);
          g = tf.mul(upstream, tf.mul(sig, tf.add(1, tf.mul(pre[i]!, tf.sub(1, sig))))) as tf.Tensor2D;
          grads.set(`hidden${i}_bias`, tf.sum(g, 0));
          if (i > 0) {
            grads.set(`hidden${i}_kernel`, tm(act[i - 1]!, g));
            upstream = mt(g, kernel(`hidden${i}_kernel`));
          } else {
            grads.set('hidden0_x_kernel', tm(x, g));
            grads.set('hidden0_t_kernel', tm(features.shape[0] === B ? features : tf.tile(features, [B, 1]), g));
          }
        }
        return { loss, gradients: layout.map((p) => grads.get(p.name)!) };
      });
    },
    read() {
      return layout.map((p, i) => ({ name: p.name, shape: [...p.shape], values: Float32Array.from(variables[i]!.dataSync() as Float32Array) }));
    },
    dispose() {
      tf.dispose(variables);
    },
  };
}

/** A learned score also exposes its noise prediction eps_theta (tests, diagnostics). */
export interface LearnedScore extends DenoisingScore {
  readonly architecture: MlpArchitecture;
  /** eps_theta(x, t) for the rows of x. New tensor, caller disposes. */
  noise(t: number, x: tf.Tensor2D): tf.Tensor2D;
}

export function learnedScore(model: LearnedScoreModel): LearnedScore {
  const net = noisePredictor(model);
  const F = timeFeatureCount(model.architecture.frequencies);
  const features = new Float32Array(F);
  const check = (name: string, t: number) => {
    if (!(t > 0) || !Number.isFinite(t)) throw new Error(`learnedScore.${name}: t must be finite and > 0 (s_t = 0 at t = 0), got ${t}`);
  };
  const noise = (t: number, x: tf.Tensor2D): tf.Tensor2D => {
    writeTimeFeatures(t, model.architecture.frequencies, features);
    return tf.tidy(() => net.predict(x, tf.tensor2d(features, [1, F])));
  };
  return {
    name: 'learned',
    architecture: model.architecture,
    noise(t, x) {
      check('noise', t);
      return noise(t, x);
    },
    at(t, x) {
      check('at', t);
      return tf.tidy(() => tf.mul(noise(t, x), -1 / ou.std(t)) as tf.Tensor2D);
    },
    denoise(t, x) {
      check('denoise', t);
      const s = ou.std(t);
      const m = ou.mean(t);
      return tf.tidy(() => tf.div(tf.sub(x, tf.mul(noise(t, x), s)), m) as tf.Tensor2D);
    },
    dispose() {
      net.dispose();
    },
  };
}
