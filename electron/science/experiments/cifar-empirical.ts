/**
 * The paper's CIFAR-10 run with the empirical score (docs/math.md §4): training images in [-1, 1],
 * EDM Heun with 18 Karras levels, sigma in [0.002, 80], rho = 7, stopped 2 steps early
 * (last sigma 0.00753), which returns essentially exact training images. A subset of the
 * training set (first `subsetSize` rows) keeps it quick on a CPU.
 */
import type { JobContext } from '../job-context';
import { minus1To1ToBytes } from '../data-scaling';
import { empiricalScore } from '../scores/empirical';
import type { DataMatrix } from '../data-matrix';
import { hooksFromContext, sample } from '../samplers/sample';
import { edmSchedule } from '../samplers/edm';
import { searchNearestTwo } from './nearest';
import { summarizeNearest, type NearestSummary } from '../metrics/memorization';

export interface CifarEmpiricalParams {
  /** Training rows used (first rows of `data`); default all. */
  subsetSize?: number;
  /** Samples (default 16). */
  n?: number;
  /** Seed of the initial noise (the paper used 20..30); default 20. */
  seed?: number;
  /** Karras levels (default 18), range and rho (0.002, 80, 7), steps dropped at the end (default 2). */
  steps?: number;
  sigmaMin?: number;
  sigmaMax?: number;
  rho?: number;
  stopEarly?: number;
  batchSize?: number;
  chunkSize?: number;
}

export interface CifarEmpiricalResult extends NearestSummary {
  params: Required<Omit<CifarEmpiricalParams, 'chunkSize'>>;
  /** Model-space samples, row-major [n, D] in [-1, 1] units. */
  samples: Float32Array;
  /** The same rounded and clipped to bytes (layout unchanged, e.g. NHWC). */
  samplesUint8: Uint8Array;
  /** Nearest training index (into the subset), and distances d1, d2 in [-1, 1] units. */
  nearestIndex: number[];
  nearestDistance: number[];
  secondDistance: number[];
  /** Noise levels stepped through (the last one is where it stopped). */
  sigmas: number[];
  seconds: number;
}

export async function cifarEmpirical(data: DataMatrix, params: CifarEmpiricalParams = {}, ctx?: JobContext): Promise<CifarEmpiricalResult> {
  const started = performance.now();
  const p = {
    subsetSize: params.subsetSize ?? data.rows,
    n: params.n ?? 16,
    seed: params.seed ?? 20,
    steps: params.steps ?? 18,
    sigmaMin: params.sigmaMin ?? 0.002,
    sigmaMax: params.sigmaMax ?? 80,
    rho: params.rho ?? 7,
    stopEarly: params.stopEarly ?? 2,
    batchSize: params.batchSize ?? 64,
  } satisfies CifarEmpiricalResult['params'];
  if (!Number.isInteger(p.subsetSize) || p.subsetSize < 2 || p.subsetSize > data.rows) {
    throw new Error(`cifarEmpirical: subsetSize must be an integer in 2..${data.rows}, got ${p.subsetSize}`);
  }
  const D = data.cols;
  const subset: DataMatrix = { values: data.values.subarray(0, p.subsetSize * D), rows: p.subsetSize, cols: D };
  const score = empiricalScore(subset, params.chunkSize ? { chunkSize: params.chunkSize } : {});
  let run: ReturnType<typeof sample>;
  try {
    run = sample(
      { score },
      {
        sampler: 'edm', n: p.n, dimension: D, seed: p.seed, batchSize: p.batchSize,
        sigmas: edmSchedule(p.steps, p.sigmaMin, p.sigmaMax, p.rho, p.stopEarly),
      },
      hooksFromContext(ctx, 'EDM step', 0, 0.9),
    );
  } finally {
    score.dispose(); // before the neighbour search uploads its own copy of the subset
  }
  ctx?.throwIfCancelled();
  const nn = await searchNearestTwo(subset, run.samples, p.n, ctx, 0.9, 1);
  ctx?.progress(1, 'done');
  return {
    params: p,
    ...summarizeNearest(nn),
    samples: run.samples,
    samplesUint8: minus1To1ToBytes(run.samples),
    nearestIndex: Array.from(nn.index),
    nearestDistance: Array.from(nn.first),
    secondDistance: Array.from(nn.second),
    sigmas: run.schedule,
    seconds: (performance.now() - started) / 1000,
  };
}
