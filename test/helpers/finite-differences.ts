/**
 * Central finite differences as the reference for tfjs autodiff: for each weight tensor, the
 * derivative of the loss along a random unit direction within that tensor, and for the largest
 * gradient entries, the partial derivative of each; compared with autodiff's gradient.
 * Float32 arithmetic: the steps are chosen so that rounding (~1e-7 L / h) and the O(h^2)
 * truncation both stay near 1e-3 relative on the small networks the tests use; derivatives below
 * 1% of the gradient's norm (float32 losses resolve no finer) are compared against that floor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createNoise } from '../../electron/science/noise';

export interface FiniteDifferenceReport {
  /** Largest relative error of a directional derivative (one per weight tensor). */
  directional: number;
  /** Largest relative error over the checked coordinates. */
  coordinates: number;
  /** Which tensor or coordinate gave each worst case. */
  worstTensor: string;
  worstCoordinate: string;
  tensors: number;
}

const relative = (a: number, b: number, floor: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);

export function centralDifferenceCheck(
  variables: readonly tf.Variable[],
  loss: (weights: readonly tf.Tensor[]) => tf.Scalar,
  opts: { seed: number; h?: number; coordinates?: number },
): FiniteDifferenceReport {
  // a unit direction spreads over the whole tensor, so a larger step keeps each entry's change small
  const hDirection = 5e-2;
  const h = opts.h ?? 1e-2;
  const value = (weights: readonly tf.Tensor[]) => {
    const l = loss(weights);
    const v = l.dataSync()[0]!;
    l.dispose();
    return v;
  };
  const { grads, value: l0 } = tf.variableGrads(() => loss(variables), variables as tf.Variable[]);
  l0.dispose();
  const g = variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
  tf.dispose(Object.values(grads));
  const gradientNorm = Math.sqrt(g.reduce((s, gi) => s + gi.reduce((a, x) => a + x * x, 0), 0));
  const floor = 1e-2 * gradientNorm;
  const noise = createNoise(opts.seed, 7);
  const perturbed = (i: number, delta: Float32Array) => {
    const base = variables[i]!;
    const plus = tf.tidy(() => tf.add(base, tf.tensor(delta, base.shape)));
    const minus = tf.tidy(() => tf.sub(base, tf.tensor(delta, base.shape)));
    const with_ = (t: tf.Tensor) => variables.map((v, k) => (k === i ? t : v));
    const d = (value(with_(plus)) - value(with_(minus))) / 2;
    tf.dispose([plus, minus]);
    return d;
  };
  let directional = 0;
  let worstTensor = '';
  variables.forEach((v, i) => {
    const dir = noise.normalArray(v.size);
    const norm = Math.sqrt(dir.reduce((a, x) => a + x * x, 0));
    let expected = 0;
    for (let k = 0; k < dir.length; k++) {
      dir[k] = dir[k]! / norm;
      expected += g[i]![k]! * dir[k]!;
    }
    const fd = perturbed(i, dir.map((x) => x * hDirection)) / hDirection;
    const e = relative(fd, expected, floor);
    if (e > directional) {
      directional = e;
      worstTensor = `${v.name} (fd ${fd}, autodiff ${expected})`;
    }
  });
  // the largest gradient entries, one at a time
  const entries: { i: number; k: number; g: number }[] = [];
  g.forEach((gi, i) => gi.forEach((x, k) => entries.push({ i, k, g: x })));
  entries.sort((a, b) => Math.abs(b.g) - Math.abs(a.g));
  let coordinates = 0;
  let worstCoordinate = '';
  for (const { i, k, g: expected } of entries.slice(0, opts.coordinates ?? 12)) {
    const delta = new Float32Array(variables[i]!.size);
    delta[k] = h;
    const fd = perturbed(i, delta) / h;
    const e = relative(fd, expected, floor);
    if (e > coordinates) {
      coordinates = e;
      worstCoordinate = `${variables[i]!.name}[${k}] (fd ${fd}, autodiff ${expected})`;
    }
  }
  return { directional, coordinates, worstTensor, worstCoordinate, tensors: variables.length };
}
