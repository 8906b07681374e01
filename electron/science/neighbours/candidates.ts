/**
 * Running top-p lists, one per query, fed chunk by chunk with approximate scores
 * s_j = ||y_j||^2 - 2 q.y_j (||q||^2 is constant per query and does not change the order).
 * Each list stays sorted by (score, index); reference indices arrive in increasing order, so a
 * new entry equal to an old one ranks after it: ties go to the lower index.
 */
import { expansionTolerance, squaredDistance, squaredDistancesToRows } from './exact';
import type { UnitRows } from './types';

/** What `finish` needs to re-rank exactly and to prove nothing outside the lists was missed. */
export interface FinishInput {
  queries: Float32Array;
  /** Query row of list 0. */
  queryFirst: number;
  /** ||q||^2 of every query row (indexed like `queries`). */
  queryNorms: Float64Array;
  ref: UnitRows;
  refCount: number;
  /** max_j ||y_j||^2 over the reference. */
  refNormMax: number;
  d: number;
  k: number;
  /** Reference index each list must skip (-1: none), indexed by list. */
  exclude?: Int32Array;
  /** The lists are as long as the rows available: complete by construction. */
  holdEveryRow: boolean;
  outIndices: Int32Array;
  outDistances: Float32Array;
}

interface Ranked {
  d2: number;
  index: number;
}

const byDistanceThenIndex = (a: Ranked, b: Ranked) => a.d2 - b.d2 || a.index - b.index;

export class CandidateLists {
  readonly scores: Float64Array;
  readonly indices: Int32Array;
  readonly counts: Int32Array;
  /** Queries whose lists could not be proven complete and were scanned exactly instead. */
  fallbacks = 0;

  constructor(
    readonly rows: number,
    readonly pool: number,
  ) {
    this.scores = new Float64Array(rows * pool);
    this.indices = new Int32Array(rows * pool);
    this.counts = new Int32Array(rows);
  }

  /**
   * Merges one block of products p = Q_chunk @ Y_chunk^T ([rows, cols] row-major, reference
   * rows first..first+cols-1). `exclude[r]` (or -1) is a reference index row r must skip.
   */
  mergeProducts(products: Float32Array, cols: number, refNorms: Float64Array, first: number, exclude?: Int32Array): void {
    const { pool, scores, indices, counts } = this;
    for (let r = 0; r < this.rows; r++) {
      const base = r * pool;
      const off = r * cols;
      const skip = exclude ? exclude[r]! : -1;
      let count = counts[r]!;
      let worst = count === pool ? scores[base + pool - 1]! : Infinity;
      for (let j = 0; j < cols; j++) {
        const s = refNorms[first + j]! - 2 * products[off + j]!;
        if (s < worst) {
          const index = first + j;
          if (index === skip) continue;
          // insertion: shift worse entries right (strictly worse: equal scores keep their place)
          let pos = count < pool ? count : pool - 1;
          while (pos > 0 && scores[base + pos - 1]! > s) {
            scores[base + pos] = scores[base + pos - 1]!;
            indices[base + pos] = indices[base + pos - 1]!;
            pos--;
          }
          scores[base + pos] = s;
          indices[base + pos] = index;
          if (count < pool) count++;
          worst = count === pool ? scores[base + pool - 1]! : Infinity;
        }
      }
      counts[r] = count;
    }
  }

  /**
   * Re-ranks each list by exact float64 distances from the raw rows and keeps the first k:
   * exact duplicates come out at distance 0 and exact ties are ordered by index.
   * Completeness check: every row left out of a full list has approximate score >= the list's
   * worst s_w, so exact d2 >= ||q||^2 + s_w - tol. If that bound does not clear the k-th exact
   * d2 strictly, the query is scanned exactly over the whole reference instead (rare: many
   * rows tied with the k-th, e.g. duplicated images).
   */
  finish(input: FinishInput): void {
    const { queries, queryFirst, queryNorms, ref, refCount, refNormMax, d, k, exclude, holdEveryRow, outIndices, outDistances } = input;
    const order: Ranked[] = [];
    const d2 = new Float64Array(this.pool);
    for (let r = 0; r < this.rows; r++) {
      const q = queryFirst + r;
      const count = this.counts[r]!;
      if (count < k) {
        throw new Error(`neighbour search: found ${count} candidates for query ${q}, need ${k} (non-finite values in the query or the reference?)`);
      }
      order.length = 0;
      const listed = this.indices.subarray(r * this.pool, r * this.pool + count);
      squaredDistancesToRows(queries, q, ref, listed, d, d2);
      for (let c = 0; c < count; c++) order.push({ d2: d2[c]!, index: listed[c]! });
      order.sort(byDistanceThenIndex);
      if (count === this.pool && !holdEveryRow) {
        const qn = queryNorms[q]!;
        const outsideBound = qn + this.scores[r * this.pool + count - 1]! - expansionTolerance * (qn + refNormMax);
        if (!(outsideBound > order[k - 1]!.d2)) {
          this.fallbacks++;
          exactScan(queries, q, ref, refCount, d, k, exclude ? exclude[r]! : -1, order);
        }
      }
      const o = q * k;
      for (let c = 0; c < k; c++) {
        outIndices[o + c] = order[c]!.index;
        outDistances[o + c] = Math.sqrt(order[c]!.d2);
      }
    }
  }
}

/** The k nearest of all reference rows to query q by exact float64 distance, into `order`. */
function exactScan(queries: Float32Array, q: number, ref: UnitRows, refCount: number, d: number, k: number, skip: number, order: Ranked[]): void {
  order.length = 0;
  for (let j = 0; j < refCount; j++) {
    if (j === skip) continue;
    const d2 = squaredDistance(queries, q, ref, j, d);
    if (order.length === k && d2 >= order[k - 1]!.d2) continue; // later index: loses ties
    let pos = order.length < k ? order.length : k - 1;
    if (order.length < k) order.push({ d2, index: j });
    while (pos > 0 && order[pos - 1]!.d2 > d2) {
      order[pos] = order[pos - 1]!;
      pos--;
    }
    order[pos] = { d2, index: j };
  }
}
