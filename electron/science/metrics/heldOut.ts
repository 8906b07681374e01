/**
 * Distances of held-out test images to their nearest training image, L(p) = min_t d(p, t)
 * (docs/math.md §5: the train/test gap and C_T). They do not depend on the samples, so they are
 * returned as a plain object the caller can cache next to the dataset.
 */
import type { JobContext } from '../job-context';
import { gatherUnitRows, neighbourSearch, unitRowsAsFloat32 } from '../neighbours';
import type { NeighbourSearch, ReferenceSet, UnitRows } from '../neighbours/types';
import { metricStreams, seededSubsample } from './random';

export interface HeldOutDistances {
  kind: 'held-out-nn1';
  version: 1;
  seed: number;
  trainCount: number;
  testCount: number;
  dim: number;
  /** Test rows used (a seeded subsample when the split is larger than maxPoints), ascending. */
  rows: number[];
  /** distances[i] = min over training rows t of d(test row rows[i], t). */
  distances: number[];
}

export const defaultMaxHeldOut = 2_000;

export interface HeldOutSplit {
  /** [n, d] test images in [0, 1] (float32, or uint8 pixels), same layout as the training rows. */
  data: UnitRows;
  n: number;
}

export async function computeHeldOutDistances(
  test: HeldOutSplit,
  train: ReferenceSet,
  opts: { maxPoints?: number; seed?: number; search?: NeighbourSearch; ctx?: JobContext } = {},
): Promise<HeldOutDistances> {
  const seed = opts.seed ?? 0;
  const search = opts.search ?? neighbourSearch;
  if (test.data.length !== test.n * train.d) {
    throw new Error(`held-out distances: expected ${test.n} test images x ${train.d} values = ${test.n * train.d}, found ${test.data.length}`);
  }
  const rows = seededSubsample(test.n, opts.maxPoints ?? defaultMaxHeldOut, seed, metricStreams.heldOutSubsample);
  const queries = rows.length === test.n ? unitRowsAsFloat32(test.data, test.n, train.d) : gatherUnitRows(test.data, train.d, rows);
  const nearest = await search.nearest(queries, rows.length, train, 1, { ctx: opts.ctx });
  return {
    kind: 'held-out-nn1',
    version: 1,
    seed,
    trainCount: train.n,
    testCount: test.n,
    dim: train.d,
    rows: Array.from(rows),
    distances: Array.from(nearest.distances),
  };
}

/** Why cached held-out distances do not fit this train/test pair, or null when they do. */
export function staleHeldOutReason(cached: HeldOutDistances, test: HeldOutSplit, train: ReferenceSet): string | null {
  if (cached.kind !== 'held-out-nn1' || cached.version !== 1) return 'the cached held-out distances have an unknown format';
  if (cached.trainCount !== train.n || cached.dim !== train.d || cached.testCount !== test.n) {
    return `the cached held-out distances belong to ${cached.testCount} test / ${cached.trainCount} train rows of ${cached.dim}; here ${test.n} / ${train.n} of ${train.d}`;
  }
  if (cached.rows.length !== cached.distances.length || cached.rows.length === 0) return 'the cached held-out distances are incomplete';
  for (const r of cached.rows) if (!Number.isInteger(r) || r < 0 || r >= test.n) return `the cached held-out distances name test row ${r}, outside 0..${test.n - 1}`;
  return null;
}
