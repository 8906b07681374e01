/**
 * Improved precision and recall (Kynkäänniemi et al. 2019), docs/math.md §5. Each point of a set
 * gets the radius of the ball reaching its k-th nearest other point of the same set (k = 3);
 *   precision = share of generated samples inside some ball of the real set,
 *   recall    = share of real points inside some ball of the generated set.
 * The real set is a seeded subsample of at most 10 000 training images; its radii cost a
 * [S x S] search, so they are returned as a plain object the caller can cache on disk.
 */
import type { JobContext } from '../job-context';
import { neighbourSearch, takeRows } from '../neighbours';
import type { NeighbourResult, NeighbourSearch, ReferenceSet } from '../neighbours/types';
import { stageContext } from '../job-context';
import { metricStreams, seededSubsample } from './random';

export interface TrainingRadii {
  kind: 'kynkaanniemi-radii';
  version: 1;
  /** The k of the k-th neighbour radius. */
  k: number;
  seed: number;
  /** Size and row length of the training set they belong to. */
  trainCount: number;
  dim: number;
  /** Training rows of the subsample, ascending. */
  indices: number[];
  /** radii[i]: L2 distance from row indices[i] to its k-th nearest other row of the subsample. */
  radii: number[];
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  k: number;
  /** Real points (training subsample) and generated samples compared. */
  realCount: number;
  sampleCount: number;
}

export const defaultRadiiK = 3;
export const defaultMaxRadiiPoints = 10_000;

/** Distance to the k-th neighbour (1-based) of every query of a search with at least k neighbours. */
export function kthNeighbourRadii(result: NeighbourResult, k: number): Float32Array {
  if (!Number.isInteger(k) || k < 1 || k > result.k) throw new Error(`radii: k must be in 1..${result.k}, got ${k}`);
  const out = new Float32Array(result.m);
  for (let i = 0; i < result.m; i++) out[i] = result.distances[i * result.k + k - 1]!;
  return out;
}

/** Why cached radii cannot be used for this training set and k, or null when they can. */
export function staleRadiiReason(radii: TrainingRadii, train: ReferenceSet, k: number): string | null {
  if (radii.kind !== 'kynkaanniemi-radii' || radii.version !== 1) return 'the cached radii have an unknown format';
  if (radii.trainCount !== train.n || radii.dim !== train.d) {
    return `the cached radii belong to a training set of ${radii.trainCount} x ${radii.dim}, this one is ${train.n} x ${train.d}`;
  }
  if (radii.k !== k) return `the cached radii use k=${radii.k}, k=${k} was asked for`;
  if (radii.indices.length !== radii.radii.length || radii.indices.length <= k) return 'the cached radii are incomplete';
  for (const i of radii.indices) if (!Number.isInteger(i) || i < 0 || i >= train.n) return `the cached radii name training row ${i}, outside 0..${train.n - 1}`;
  return null;
}

async function subsampleRadii(real: ReferenceSet, indices: Int32Array, train: ReferenceSet, k: number, seed: number, search: NeighbourSearch, ctx?: JobContext): Promise<TrainingRadii> {
  const self = await search.self(real, k, { ctx });
  return {
    kind: 'kynkaanniemi-radii',
    version: 1,
    k,
    seed,
    trainCount: train.n,
    dim: train.d,
    indices: Array.from(indices),
    radii: Array.from(kthNeighbourRadii(self, k)),
  };
}

function checkRadiiOptions(k: number, train: ReferenceSet, maxPoints: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`precision/recall: k must be a positive integer, got ${k}`);
  if (Math.min(train.n, maxPoints) <= k) throw new Error(`precision/recall: needs more than k=${k} training points, got ${Math.min(train.n, maxPoints)}`);
}

/** The training subsample's k-th neighbour radii (seeded subsample of at most maxPoints rows). */
export async function computeTrainingRadii(
  train: ReferenceSet,
  opts: { k?: number; maxPoints?: number; seed?: number; search?: NeighbourSearch; ctx?: JobContext } = {},
): Promise<TrainingRadii> {
  const k = opts.k ?? defaultRadiiK;
  const maxPoints = opts.maxPoints ?? defaultMaxRadiiPoints;
  const seed = opts.seed ?? 0;
  const search = opts.search ?? neighbourSearch;
  checkRadiiOptions(k, train, maxPoints);
  const indices = seededSubsample(train.n, maxPoints, seed, metricStreams.radiiSubsample);
  const real = search.createReference(takeRows(train.data, train.d, indices), indices.length, train.d);
  try {
    return await subsampleRadii(real, indices, train, k, seed, search, opts.ctx);
  } finally {
    real.dispose();
  }
}

/**
 * Precision and recall of samples [m, d] against the training set. Uses `cached` radii when
 * they fit (see staleRadiiReason), otherwise computes them; returns the radii used.
 */
export async function precisionRecall(
  samples: Float32Array,
  m: number,
  train: ReferenceSet,
  opts: { k?: number; maxPoints?: number; seed?: number; cached?: TrainingRadii; search?: NeighbourSearch; ctx?: JobContext } = {},
): Promise<{ result: PrecisionRecall; radii: TrainingRadii; computed: boolean }> {
  const k = opts.k ?? defaultRadiiK;
  const maxPoints = opts.maxPoints ?? defaultMaxRadiiPoints;
  const seed = opts.seed ?? 0;
  const search = opts.search ?? neighbourSearch;
  if (samples.length !== m * train.d) throw new Error(`precision/recall: expected ${m} samples x ${train.d} values, found ${samples.length}`);
  if (m <= k) throw new Error(`precision/recall: needs more than k=${k} samples, got ${m}`);
  const usable = opts.cached && staleRadiiReason(opts.cached, train, k) === null ? opts.cached : undefined;
  if (!usable) checkRadiiOptions(k, train, maxPoints);
  const indices = usable ? Int32Array.from(usable.indices) : seededSubsample(train.n, maxPoints, seed, metricStreams.radiiSubsample);
  const s = indices.length;
  // rough work shares: S x S radii (when computed), then m x m and m x S
  const total = (usable ? 0 : s * s) + m * m + m * s;
  let at = 0;
  const stage = (work: number, label: string) => {
    const c = stageContext(opts.ctx, at / total, (at + work) / total, label);
    at += work;
    return c;
  };
  const real = search.createReference(takeRows(train.data, train.d, indices), s, train.d);
  try {
    const radii = usable ?? (await subsampleRadii(real, indices, train, k, seed, search, stage(s * s, 'training radii')));
    const generated = search.createReference(samples, m, train.d);
    let sampleRadii: Float32Array;
    try {
      sampleRadii = kthNeighbourRadii(await search.self(generated, k, { ctx: stage(m * m, 'sample radii') }), k);
    } finally {
      generated.dispose();
    }
    const inside = await search.ballMembership(samples, m, sampleRadii, real, radii.radii, { ctx: stage(m * s, 'precision and recall') });
    let p = 0;
    for (const v of inside.queryInRef) p += v;
    let r = 0;
    for (const v of inside.refInQuery) r += v;
    return { result: { precision: p / m, recall: r / s, k, realCount: s, sampleCount: m }, radii, computed: !usable };
  } finally {
    real.dispose();
  }
}
