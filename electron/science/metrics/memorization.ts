/**
 * Per-sample memorisation measures from nearest-neighbour distances (docs/math.md §5) and the
 * memorised fraction with a bootstrap interval. All take a NeighbourResult (distances nearest
 * first) and return plain arrays, so a new threshold only re-runs `summarizeMemorization`.
 */
import type { NeighbourResult } from '../neighbours/types';
import { metricRandom, metricStreams } from './random';
import { mean, median, sortedQuantile } from './stats';

export const defaultThreshold = 1 / 3;

/**
 * Memorisation ratio (Yoon et al. 2023; Gu et al. 2023): r = d(x, NN1) / d(x, NN2).
 * An exact copy has r = 0 (also when NN2 is a duplicate at distance 0).
 */
export function nearestRatios(result: NeighbourResult): Float64Array {
  if (result.k < 2) throw new Error(`memorisation ratio: needs k >= 2 neighbours per sample, got k=${result.k}`);
  const out = new Float64Array(result.m);
  for (let i = 0; i < result.m; i++) out[i] = distanceRatio(result.distances[i * result.k]!, result.distances[i * result.k + 1]!);
  return out;
}

/** r = d1 / d2, with an exact copy (d1 = 0, so also d2 = 0 between duplicates) at 0. */
export function distanceRatio(d1: number, d2: number): number {
  return d1 === 0 ? 0 : d1 / d2;
}

/** x is memorised iff r < threshold (default 1/3). */
export function memorizedFlags(ratios: ArrayLike<number>, threshold = defaultThreshold): Uint8Array {
  const out = new Uint8Array(ratios.length);
  for (let i = 0; i < ratios.length; i++) out[i] = ratios[i]! < threshold ? 1 : 0;
  return out;
}

/**
 * Calibrated distance (Carlini et al. 2023): l2n(a, b) = sqrt(mean_j (a_j - b_j)^2) = L2 / sqrt(D);
 * c(x) = l2n(x, NN1) / (alpha * mean over the n nearest y of l2n(x, y)); extracted iff c < 1.
 * The sqrt(D) cancels, so plain L2 distances give the same value. Uses n' = min(n, k)
 * neighbours (reported as `n`); 0 / 0 (all n' at distance 0) counts as 0: an exact copy.
 */
export function calibratedDistances(result: NeighbourResult, n = 50, alpha = 0.5): { values: Float64Array; n: number; alpha: number } {
  if (!(alpha > 0)) throw new Error(`calibrated distance: alpha must be > 0, got ${alpha}`);
  const used = Math.min(n, result.k);
  if (used < 1) throw new Error(`calibrated distance: n must be >= 1, got ${n}`);
  const values = new Float64Array(result.m);
  for (let i = 0; i < result.m; i++) {
    let sum = 0;
    for (let j = 0; j < used; j++) sum += result.distances[i * result.k + j]!;
    const d1 = result.distances[i * result.k]!;
    values[i] = d1 === 0 ? 0 : d1 / (alpha * (sum / used));
  }
  return { values, n: used, alpha };
}

export interface FractionInterval {
  /** Fraction of flags set. */
  estimate: number;
  /** Percentile bootstrap interval at `level`. */
  lo: number;
  hi: number;
  n: number;
  resamples: number;
  level: number;
  seed: number;
}

/**
 * Fraction of set flags with a seeded percentile-bootstrap interval: `resamples` times draw n
 * flags with replacement, take the fraction; the interval is the ((1 - level)/2, (1 + level)/2)
 * quantiles of those fractions.
 */
export function bootstrapFraction(
  flags: ArrayLike<number>,
  opts: { resamples?: number; level?: number; seed?: number } = {},
): FractionInterval {
  const n = flags.length;
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const seed = opts.seed ?? 0;
  if (n === 0) throw new Error('bootstrap: no samples to resample');
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  let set = 0;
  for (let i = 0; i < n; i++) if (flags[i]) set++;
  const rng = metricRandom(seed, metricStreams.bootstrap);
  const fractions = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const picks = rng.uniformInt(n, n);
    let c = 0;
    for (let i = 0; i < n; i++) if (flags[picks[i]!]) c++;
    fractions[b] = c / n;
  }
  fractions.sort();
  const tail = (1 - level) / 2;
  return { estimate: set / n, lo: sortedQuantile(fractions, tail), hi: sortedQuantile(fractions, 1 - tail), n, resamples, level, seed };
}

export interface MemorizationSummary {
  threshold: number;
  memorizedFraction: number;
  memorizedCI: [number, number];
  memorizedCount: number;
  count: number;
}

/** Memorised fraction at a threshold, with its bootstrap interval: cheap to re-run on a new threshold. */
export function summarizeMemorization(
  ratios: ArrayLike<number>,
  threshold = defaultThreshold,
  opts: { resamples?: number; level?: number; seed?: number } = {},
): MemorizationSummary {
  const flags = memorizedFlags(ratios, threshold);
  const ci = bootstrapFraction(flags, opts);
  return {
    threshold,
    memorizedFraction: ci.estimate,
    memorizedCI: [ci.lo, ci.hi],
    memorizedCount: Math.round(ci.estimate * ci.n),
    count: ci.n,
  };
}

/** Headline numbers of a sample set's two nearest training points (sampling runs and experiments). */
export interface NearestSummary {
  /** Fraction of samples with d1/d2 < threshold (default 1/3). */
  memorizedFraction: number;
  /** Median and mean distance to the nearest training point (the distances' unit). */
  medianNearestDistance: number;
  meanNearestDistance: number;
  /** Number of distinct training points that are some sample's nearest. */
  distinctNearest: number;
}

/** Summarises nearest (d1, index) and second-nearest (d2) distances per sample. */
export function summarizeNearest(
  nn: { index: ArrayLike<number>; first: ArrayLike<number>; second: ArrayLike<number> },
  threshold = defaultThreshold,
): NearestSummary {
  const n = nn.first.length;
  const ratios = Float64Array.from({ length: n }, (_, i) => distanceRatio(nn.first[i]!, nn.second[i]!));
  const flags = memorizedFlags(ratios, threshold);
  return {
    memorizedFraction: n === 0 ? NaN : flags.reduce((a, f) => a + f, 0) / n,
    medianNearestDistance: median(nn.first),
    meanNearestDistance: mean(nn.first),
    distinctNearest: new Set(Array.from(nn.index)).size,
  };
}
