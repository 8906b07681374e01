/**
 * Memorisation against the early-stopping time delta (docs/math.md §3, §7): sample with the empirical
 * score at each delta from the SAME initial points and step noise, then measure the memorised
 * fraction (d1/d2 < 1/3) and the distance to the nearest training point. The leftover noise has
 * norm about h(delta) sqrt(D), h(delta) = sqrt(1 - e^{-2 delta}); copies appear once it falls
 * well below the gap between neighbouring training points.
 */
import type { JobContext } from '../job-context';
import { leftoverNoiseNorm, ou } from '../forward-process';
import type { GridChoice, OuSamplerChoice } from '../../contract/sampling';
import { empiricalScore } from '../scores/empirical';
import type { DataMatrix } from '../data-matrix';
import { hooksFromContext, sample } from '../samplers/sample';
import { mutualInformationDraws, mutualInformationEvaluator, type KdeMutualInformation, type MutualInformationEvaluator } from '../metrics/kde-mutual-information';
import { searchNearestTwo } from './nearest';
import { summarizeNearest, type NearestSummary } from '../metrics/memorization';

export interface DeltaSweepParams {
  /** Samples per delta (default 64). */
  n?: number;
  /** Steps per run (default 20) on a grid of this kind (default geometric) from T (default 5). */
  steps?: number;
  grid?: GridChoice;
  T?: number;
  /** OU sampler (default sde: Euler–Maruyama). */
  sampler?: OuSamplerChoice;
  seed?: number;
  batchSize?: number;
  /** Training points per chunk of the empirical score. */
  chunkSize?: number;
  /** Return the samples too (row-major [n, D] per delta); default false. */
  keepSamples?: boolean;
  /** Monte Carlo draws for the KDE's mutual information at each delta (default 256; 0: skip). */
  miDraws?: number;
}

export interface DeltaSweepPoint extends NearestSummary {
  delta: number;
  /** KDE bandwidth h(delta) = sqrt(1 - e^{-2 delta}). */
  bandwidth: number;
  /** Expected norm of the leftover noise, h(delta) sqrt(D), in data units. */
  expectedNoiseNorm: number;
  /** Nearest training index per sample. */
  nearestIndex: number[];
  samples?: Float32Array;
  /** I(training index; output) of the KDE at delta (nats, at most log N), or null if skipped. */
  mutualInformation: KdeMutualInformation | null;
}

export interface DeltaSweepResult {
  params: Required<Omit<DeltaSweepParams, 'chunkSize'>>;
  deltas: number[];
  points: DeltaSweepPoint[];
  seconds: number;
}

export async function deltaSweep(
  data: DataMatrix,
  deltas: number[],
  params: DeltaSweepParams = {},
  ctx?: JobContext,
): Promise<DeltaSweepResult> {
  const started = performance.now();
  const p = {
    n: params.n ?? 64,
    steps: params.steps ?? 20,
    grid: params.grid ?? 'geometric',
    T: params.T ?? 5,
    sampler: params.sampler ?? 'sde',
    seed: params.seed ?? 0,
    batchSize: params.batchSize ?? 64,
    keepSamples: params.keepSamples ?? false,
    miDraws: params.miDraws ?? 256,
  } satisfies DeltaSweepResult['params'];
  if (data.rows < 2) throw new Error(`deltaSweep: need at least 2 training points, got ${data.rows}`);
  const D = data.cols;
  // sample at every delta first, then release the score before the neighbour search uploads
  // its own copy of the training set (peak memory: one copy, not two)
  const runs: Float32Array[] = [];
  const information: (KdeMutualInformation | null)[] = [];
  // the same (index, noise) pairs at every delta: the information curve is smooth in delta
  const draws = p.miDraws >= 2 ? mutualInformationDraws(data.rows, D, p.miDraws, p.seed) : null;
  const score = empiricalScore(data, params.chunkSize ? { chunkSize: params.chunkSize } : {});
  // built once for every delta: on a native score it packs the data once for its search (one more
  // packed copy while sampling, where the score's top weights built a tfjs copy in two layouts)
  let estimator: MutualInformationEvaluator | undefined;
  try {
    if (draws) estimator = mutualInformationEvaluator(score, data, draws);
    for (let i = 0; i < deltas.length; i++) {
      const delta = deltas[i]!;
      const hooks = hooksFromContext(ctx, `delta ${delta}: step`, (0.9 * i) / deltas.length, (0.9 * (i + 1)) / deltas.length);
      const run = sample(
        { score },
        { sampler: p.sampler, n: p.n, dimension: D, seed: p.seed, batchSize: p.batchSize, T: p.T, delta, steps: p.steps, grid: p.grid },
        hooks,
      );
      runs.push(run.samples);
      ctx?.throwIfCancelled();
      information.push(estimator ? await estimator.at(delta) : null);
    }
  } finally {
    estimator?.dispose();
    score.dispose();
  }
  const all = new Float32Array(deltas.length * p.n * D);
  runs.forEach((r, i) => all.set(r, i * p.n * D));
  const nn = await searchNearestTwo(data, all, deltas.length * p.n, ctx, 0.9, 1);
  const points: DeltaSweepPoint[] = deltas.map((delta, i) => {
    const part = {
      index: nn.index.subarray(i * p.n, (i + 1) * p.n),
      first: nn.first.subarray(i * p.n, (i + 1) * p.n),
      second: nn.second.subarray(i * p.n, (i + 1) * p.n),
    };
    return {
      delta,
      bandwidth: ou.bandwidth(delta),
      expectedNoiseNorm: leftoverNoiseNorm(delta, D),
      ...summarizeNearest(part),
      nearestIndex: Array.from(part.index),
      mutualInformation: information[i] ?? null,
      ...(p.keepSamples ? { samples: runs[i]! } : {}),
    };
  });
  return { params: p, deltas: [...deltas], points, seconds: (performance.now() - started) / 1000 };
}
