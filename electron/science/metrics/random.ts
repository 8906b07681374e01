/** Seeded draws for the metrics, on their own noise streams so they never disturb sampling. */
import { createNoise, type NoiseSource } from '../noise';

/** Stream ids of the metrics (the samplers use 0..3). */
export const metricStreams = {
  bootstrap: 101,
  kmeans: 102,
  radiiSubsample: 103,
  heldOutSubsample: 104,
  kmeansSubsample: 105,
} as const;

export function metricRandom(seed: number, stream: number): NoiseSource {
  return createNoise(seed, stream);
}

/** `size` distinct indices of 0..n-1 (all of them when size >= n), ascending; partial Fisher–Yates. */
export function seededSubsample(n: number, size: number, seed: number, stream: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`seededSubsample: n must be a non-negative integer, got ${n}`);
  const take = Math.min(n, Math.max(0, Math.floor(size)));
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  if (take === n) return all;
  const rng = metricRandom(seed, stream);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng.uniform() * (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, take).sort();
}
