/**
 * An MLP noise predictor for vector data (D <= 64), in plain tfjs-core ops:
 *   h_0   = silu(x W_x + f(t) W_t + b_0)
 *   h_i   = silu(h_{i-1} W_i + b_i),  i = 1 .. depth - 1
 *   eps   = h_{depth-1} W_out + b_out,               silu(u) = u * sigmoid(u)
 * with f(t) the time features of time-features.ts. Gradients come from tfjs's autodiff.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LEARNED_MAX_DIMENSION } from '../../contract/training';
import type { ParameterSpec } from './parameters';
import type { Preconditioning } from './preconditioning';
import { timeFeatureCount } from './time-features';

export interface MlpArchitecture {
  kind: 'mlp';
  /** Data dimension D (inputs and outputs). */
  dimension: number;
  /** Units per hidden layer. */
  width: number;
  /** Hidden layers (>= 1). */
  depth: number;
  /** Sinusoidal time features: frequencies 2^0 .. 2^(frequencies - 1). */
  frequencies: number;
  /** How the output relates to the score (absent: noise prediction). */
  preconditioning?: Preconditioning;
}

export const MLP_FREQUENCIES = 4;

export function checkMlpArchitecture(a: MlpArchitecture): void {
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(a.dimension, 1, LEARNED_MAX_DIMENSION)) throw new Error(`MLP score network: dimension must be an integer in 1..${LEARNED_MAX_DIMENSION}, got ${a.dimension}`);
  if (!int(a.width, 1, 4096)) throw new Error(`MLP score network: width must be an integer in 1..4096, got ${a.width}`);
  if (!int(a.depth, 1, 16)) throw new Error(`MLP score network: depth must be an integer in 1..16, got ${a.depth}`);
  if (!int(a.frequencies, 0, 16)) throw new Error(`MLP score network: frequencies must be an integer in 0..16, got ${a.frequencies}`);
}

/** Weight tensors in file order; the output kernel starts at 0.1 x Xavier so eps ~ 0 at first. */
export function mlpLayout(a: MlpArchitecture): ParameterSpec[] {
  const F = timeFeatureCount(a.frequencies);
  const inputs = a.dimension + F;
  const normal = (fanIn: number, fanOut: number, gain = 1) => ({ kind: 'normal' as const, fanIn, fanOut, gain });
  const zeros = { kind: 'zeros' as const };
  const out: ParameterSpec[] = [
    { name: 'hidden0_x_kernel', shape: [a.dimension, a.width], init: normal(inputs, a.width) },
    { name: 'hidden0_t_kernel', shape: [F, a.width], init: normal(inputs, a.width) },
    { name: 'hidden0_bias', shape: [a.width], init: zeros },
  ];
  for (let i = 1; i < a.depth; i++) {
    out.push({ name: `hidden${i}_kernel`, shape: [a.width, a.width], init: normal(a.width, a.width) });
    out.push({ name: `hidden${i}_bias`, shape: [a.width], init: zeros });
  }
  out.push({ name: 'output_kernel', shape: [a.width, a.dimension], init: normal(a.width, a.dimension, 0.1) });
  out.push({ name: 'output_bias', shape: [a.dimension], init: zeros });
  return out;
}

export const silu = (u: tf.Tensor): tf.Tensor => tf.mul(u, tf.sigmoid(u));

/** eps for rows x [B, D] at time features [B, F] or [1, F]; `p` gives a parameter by name. */
export function mlpForward(a: MlpArchitecture, p: (name: string) => tf.Tensor, x: tf.Tensor2D, features: tf.Tensor2D): tf.Tensor2D {
  let h = silu(tf.add(tf.add(tf.matMul(x, p('hidden0_x_kernel') as tf.Tensor2D), tf.matMul(features, p('hidden0_t_kernel') as tf.Tensor2D)), p('hidden0_bias')));
  for (let i = 1; i < a.depth; i++) h = silu(tf.add(tf.matMul(h as tf.Tensor2D, p(`hidden${i}_kernel`) as tf.Tensor2D), p(`hidden${i}_bias`)));
  return tf.add(tf.matMul(h as tf.Tensor2D, p('output_kernel') as tf.Tensor2D), p('output_bias')) as tf.Tensor2D;
}
