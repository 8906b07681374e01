/**
 * A network's parameters as plain arrays: the layout (names, shapes, initialisation) a network
 * declares, seeded initial values, and the checks a loaded file must pass.
 * Weights travel as named Float32Arrays (weights.npz of a train-score run: one array per tensor).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NoiseSource } from '../noise';

/** One weight tensor as plain numbers (row-major). */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * How a parameter starts: 'normal' draws N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut))
 * (Xavier-normal), 'zeros' and 'ones' are constant (biases, normalisation scales).
 */
export type ParameterInit = { kind: 'normal'; fanIn: number; fanOut: number; gain: number } | { kind: 'zeros' } | { kind: 'ones' };

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: ParameterInit;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function countParameters(layout: readonly ParameterSpec[]): number {
  return layout.reduce((sum, p) => sum + sizeOf(p.shape), 0);
}

/** Seeded initial values for a layout, in layout order (one normal draw per 'normal' tensor). */
export function initialParameters(layout: readonly ParameterSpec[], noise: NoiseSource): NamedArray[] {
  return layout.map(({ name, shape, init }) => {
    const size = sizeOf(shape);
    if (init.kind === 'zeros') return { name, shape: [...shape], values: new Float32Array(size) };
    if (init.kind === 'ones') return { name, shape: [...shape], values: new Float32Array(size).fill(1) };
    const values = noise.normalArray(size);
    const std = init.gain * Math.sqrt(2 / (init.fanIn + init.fanOut));
    for (let i = 0; i < size; i++) values[i] = values[i]! * std;
    return { name, shape: [...shape], values };
  });
}

/** Checks weights against a layout (names, shapes, finite values); `where` names the source in errors. */
export function checkParameters(layout: readonly ParameterSpec[], weights: readonly NamedArray[], where: string): void {
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const p of layout) {
    const w = byName.get(p.name);
    if (!w) throw new Error(`${where}: missing weight "${p.name}" (the network has ${layout.length} weight tensors)`);
    if (w.shape.join(',') !== p.shape.join(',') || w.values.length !== sizeOf(p.shape)) {
      throw new Error(`${where}: weight "${p.name}" has shape [${w.shape.join(', ')}], expected [${p.shape.join(', ')}]`);
    }
    for (const v of w.values) if (!Number.isFinite(v)) throw new Error(`${where}: weight "${p.name}" holds a non-finite value`);
  }
  if (byName.size !== layout.length) {
    const extra = [...byName.keys()].filter((n) => !layout.some((p) => p.name === n));
    throw new Error(`${where}: ${byName.size} weights, expected ${layout.length}${extra.length ? ` (unexpected: ${extra.slice(0, 5).join(', ')})` : ''}`);
  }
}

/** Arrays as tfjs variables, in order (the uploaded tensors are released: each variable keeps its own). */
export function toVariables(arrays: readonly NamedArray[], trainable = false): tf.Variable[] {
  return arrays.map((a) => {
    const initial = tf.tensor(a.values, a.shape, 'float32');
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    return variable;
  });
}

/** Tensors back as named arrays (reads the device); `names` gives each one's name, in order. */
export function readArrays(names: readonly { name: string }[], tensors: readonly tf.Tensor[]): NamedArray[] {
  return tensors.map((t, i) => ({ name: names[i]!.name, shape: [...t.shape], values: Float32Array.from(t.dataSync() as Float32Array) }));
}
