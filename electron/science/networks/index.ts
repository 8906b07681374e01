/**
 * Score networks F_theta(input, f(t)) (an MLP for vectors, a U-Net for images) behind one
 * interface, so training (training/train-score.ts), the learned score (scores/learned.ts) and the
 * runs store treat them alike. How F becomes a denoiser and a score (OU process of docs/math.md §1)
 * is the architecture's preconditioning (preconditioning.ts): noise prediction (the MLP) or EDM's
 * (the U-Net).
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkMlpArchitecture, mlpForward, mlpLayout, type MlpArchitecture } from './mlp';
import { checkParameters, countParameters, readArrays, toVariables, type NamedArray, type ParameterSpec } from './parameters';
import { checkUNetArchitecture, unetForward, unetLayout, type UNetArchitecture } from './unet';
import { noisePrediction, type Preconditioning } from './preconditioning';

export type { MlpArchitecture } from './mlp';
export type { UNetArchitecture } from './unet';
export type { NamedArray } from './parameters';
export type { Preconditioning } from './preconditioning';

export type NetworkArchitecture = MlpArchitecture | UNetArchitecture;

/** The network's output parametrisation (preconditioning.ts); noise prediction when unstated. */
export function preconditioningOf(a: NetworkArchitecture): Preconditioning {
  return a.preconditioning ?? noisePrediction;
}

/** A trained (or freshly initialised) network: its shape and its weights. */
export interface NetworkModel {
  architecture: NetworkArchitecture;
  weights: NamedArray[];
}

export function checkArchitecture(a: NetworkArchitecture): void {
  if (a.kind === 'mlp') checkMlpArchitecture(a);
  else checkUNetArchitecture(a);
}

export function networkLayout(a: NetworkArchitecture): ParameterSpec[] {
  return a.kind === 'mlp' ? mlpLayout(a) : unetLayout(a);
}

export function parameterCount(a: NetworkArchitecture): number {
  return countParameters(networkLayout(a));
}

/** Values per item (D). */
export function networkDimension(a: NetworkArchitecture): number {
  return a.kind === 'mlp' ? a.dimension : a.imageShape[0] * a.imageShape[1] * a.imageShape[2];
}

/** A short name: "MLP 3x128", "U-Net 32 ch [1,2,2] x2 + attention". */
export function describeArchitecture(a: NetworkArchitecture): string {
  if (a.kind === 'mlp') return `MLP ${a.depth}×${a.width}`;
  return `U-Net ${a.channels} ch ×[${a.channelMultipliers.join(',')}], ${a.resBlocks} block${a.resBlocks > 1 ? 's' : ''}/level${a.attention ? ' + attention' : ''}`;
}

/** Checks that weights fit an architecture (names, shapes, finite values); `where` names the source. */
export function checkWeights(model: NetworkModel, where: string): void {
  checkArchitecture(model.architecture);
  checkParameters(networkLayout(model.architecture), model.weights, where);
}

/** The network on the device. */
export interface NoisePredictor {
  readonly architecture: NetworkArchitecture;
  /** The weights as variables, in layout order (trainable when made for training). */
  readonly variables: tf.Variable[];
  /** eps_theta(x, t): x [B, D], features [B, F] or [1, F]. New tensor; call inside tidy when training. */
  predict(x: tf.Tensor2D, features: tf.Tensor2D): tf.Tensor2D;
  /** eps_theta with other values for the weights (layout order), e.g. an EMA copy or a probe. */
  predictWith(weights: readonly tf.Tensor[], x: tf.Tensor2D, features: tf.Tensor2D): tf.Tensor2D;
  /** The current weights as plain arrays (reads the device). */
  read(): NamedArray[];
  dispose(): void;
}

export function noisePredictor(model: NetworkModel, trainable = false): NoisePredictor {
  checkWeights(model, 'score network');
  const a = model.architecture;
  const layout = networkLayout(a);
  const D = networkDimension(a);
  const byName = new Map(model.weights.map((w) => [w.name, w]));
  const index = new Map(layout.map((p, i) => [p.name, i]));
  const variables = toVariables(layout.map((p) => byName.get(p.name)!), trainable);
  const forward = (weights: readonly tf.Tensor[], x: tf.Tensor2D, features: tf.Tensor2D): tf.Tensor2D => {
    if (x.rank !== 2 || x.shape[1] !== D) throw new Error(`score network: expected x of shape [B, ${D}], got [${x.shape.join(', ')}]`);
    const p = (name: string) => weights[index.get(name)!]!;
    return tf.tidy(() => (a.kind === 'mlp' ? mlpForward(a, p, x, features) : unetForward(a, p, x, features)));
  };
  return {
    architecture: a,
    variables,
    predict: (x, features) => forward(variables, x, features),
    predictWith: forward,
    read: () => readArrays(layout, variables),
    dispose() {
      tf.dispose(variables);
    },
  };
}
