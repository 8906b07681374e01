/**
 * Exact nearest-neighbour summaries for the experiments (docs/math.md §5): the two nearest training
 * points of each sample, the memorised fraction (d1/d2 < 1/3) and the median d1.
 * `exactNearestTwo` is a plain float64 search in JS (2-D sets, small image sets);
 * `searchNearestTwo` goes through the shared exact k-NN of electron/science/neighbours.
 */
import type { JobContext } from '../job-context';
import { neighbourSearch } from '../neighbours';

export interface NearestTwoResult {
  /** Index of the nearest training point per query. */
  index: Int32Array;
  /** Distance to the nearest (d1) and second nearest (d2) training point. */
  first: Float64Array;
  second: Float64Array;
}

/** Finds the two nearest training points of `count` query rows (row-major, same dimension). */
export type NearestTwo = (queries: Float32Array, count: number) => NearestTwoResult;

/** Exact L2 search over a row-major training matrix [rows, cols], float64 accumulation. */
export function exactNearestTwo(train: { values: ArrayLike<number>; rows: number; cols: number }): NearestTwo {
  const { values, rows, cols: D } = train;
  if (rows < 2) throw new Error(`nearest neighbours: need at least 2 training points for d1/d2, got ${rows}`);
  return (queries, count) => {
    if (queries.length !== count * D) throw new Error(`nearest neighbours: ${queries.length} values are not ${count} rows of ${D}`);
    const index = new Int32Array(count);
    const first = new Float64Array(count);
    const second = new Float64Array(count);
    for (let q = 0; q < count; q++) {
      let b1 = Infinity;
      let b2 = Infinity;
      let i1 = -1;
      const qb = q * D;
      for (let i = 0; i < rows; i++) {
        const tb = i * D;
        let d = 0;
        for (let j = 0; j < D && d < b2; j++) {
          const v = queries[qb + j]! - values[tb + j]!;
          d += v * v;
        }
        if (d < b1) {
          b2 = b1;
          b1 = d;
          i1 = i;
        } else if (d < b2) {
          b2 = d;
        }
      }
      index[q] = i1;
      first[q] = Math.sqrt(b1);
      second[q] = Math.sqrt(b2);
    }
    return { index, first, second };
  };
}

/** Memorisation ratio criterion (Yoon et al. 2023): memorised iff d1/d2 < 1/3. */
export const MEMORISATION_RATIO = 1 / 3;

export interface MemorisationSummary {
  /** Fraction of samples with d1/d2 < 1/3. */
  memorisedFraction: number;
  /** Median distance to the nearest training point. */
  medianNearestDistance: number;
  /** Mean distance to the nearest training point. */
  meanNearestDistance: number;
  /** Number of distinct training points that are some sample's nearest. */
  distinctNearest: number;
}

export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

export function summariseMemorisation(nn: NearestTwoResult): MemorisationSummary {
  const n = nn.first.length;
  let memorised = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    // d2 = 0 only if two training points coincide with the sample: count it as a copy
    if (nn.first[i]! < MEMORISATION_RATIO * nn.second[i]! || nn.second[i] === 0) memorised++;
    sum += nn.first[i]!;
  }
  return {
    memorisedFraction: n === 0 ? NaN : memorised / n,
    medianNearestDistance: median(nn.first),
    meanNearestDistance: n === 0 ? NaN : sum / n,
    distinctNearest: new Set(nn.index).size,
  };
}

/** Per-coordinate (population) variance of the rows of a [count, D] matrix. */
export function axisVariance(values: ArrayLike<number>, count: number, D: number): number[] {
  const mean = new Float64Array(D);
  const sq = new Float64Array(D);
  for (let i = 0; i < count; i++) for (let j = 0; j < D; j++) mean[j] = mean[j]! + values[i * D + j]!;
  for (let j = 0; j < D; j++) mean[j] = mean[j]! / count;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < D; j++) {
      const v = values[i * D + j]! - mean[j]!;
      sq[j] = sq[j]! + v * v;
    }
  }
  return Array.from(sq, (s) => s / count);
}

/** Row-major [count, 2] values as [x, y] pairs (for charts and JSON). */
export function toPairs(values: ArrayLike<number>, count: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < count; i++) out.push([values[2 * i]!, values[2 * i + 1]!]);
  return out;
}

/**
 * The two nearest training points of many query rows through the shared exact search of
 * `electron/science/neighbours` (chunked products on the device, float64 re-rank). Uploads its
 * own copy of the training set, so callers release the score first to keep peak memory down.
 * Progress is mapped into [from, to] of the job.
 */
export async function searchNearestTwo(
  train: { values: Float32Array; rows: number; cols: number },
  queries: Float32Array,
  count: number,
  ctx?: JobContext,
  from = 0,
  to = 1,
): Promise<NearestTwoResult> {
  if (train.rows < 2) throw new Error(`nearest neighbours: need at least 2 training points for d1/d2, got ${train.rows}`);
  const ref = neighbourSearch.createReference(train.values, train.rows, train.cols);
  try {
    const scaled: JobContext | undefined = ctx && {
      signal: ctx.signal,
      throwIfCancelled: () => ctx.throwIfCancelled(),
      progress: (f, m) => ctx.progress(from + (to - from) * f, m ?? 'nearest neighbours'),
    };
    const nn = await neighbourSearch.nearest(queries, count, ref, 2, scaled ? { ctx: scaled } : {});
    const out: NearestTwoResult = { index: new Int32Array(count), first: new Float64Array(count), second: new Float64Array(count) };
    for (let i = 0; i < count; i++) {
      out.index[i] = nn.indices[i * nn.k]!;
      out.first[i] = nn.distances[i * nn.k]!;
      out.second[i] = nn.distances[i * nn.k + 1]!;
    }
    return out;
  } finally {
    ref.dispose();
  }
}
