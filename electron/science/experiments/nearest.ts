/**
 * Exact nearest-neighbour searches for the experiments (docs/math.md §5): the two nearest training
 * points of each sample (summarised by metrics/memorization.ts summarizeNearest).
 * `exactNearestTwo` is a plain float64 search in JS (2-D sets, small image sets);
 * `searchNearestTwo` goes through the shared exact k-NN of electron/science/neighbours.
 */
import { stageContext, type JobContext } from '../job-context';
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
    const scaled = stageContext(ctx, from, to, 'nearest neighbours');
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
