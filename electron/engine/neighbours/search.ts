/**
 * Exact k-nearest neighbours, L2 in pixel space (math.md §5), on tfjs.
 * For a block of queries Q and each reference chunk Y: ||q - y||^2 = ||q||^2 - 2 q.y + ||y||^2,
 * with q.y from one matMul Q @ Y^T; a running top-(k + extra) list per query is merged on the
 * CPU chunk by chunk, so memory stays bounded by one [queryChunk, chunkSize] block. The final k
 * are re-ranked by exact float64 distances from the raw rows (the expansion cancels badly for
 * near-identical rows in float32: a duplicate can come out at ~1e-3 instead of 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../jobs';
import { CandidateLists } from './candidates';
import { squaredNorms } from './exact';
import { TfjsReferenceSet } from './reference';
import type { NeighbourResult, ReferenceSet, SearchOptions, SelfSearchOptions } from './types';

export const defaultQueryChunk = 1024;

export function asTfjsReference(ref: ReferenceSet): TfjsReferenceSet {
  if (!(ref instanceof TfjsReferenceSet)) {
    throw new Error('neighbour search: the reference set was not created by the tfjs search (use createReferenceSet)');
  }
  ref.assertLive();
  return ref;
}

function checkQueries(queries: Float32Array, m: number, d: number, what: string): void {
  if (!Number.isInteger(m) || m < 0) throw new Error(`${what}: m must be a non-negative integer, got ${m}`);
  if (queries.length !== m * d) {
    throw new Error(`${what}: expected ${m} queries x ${d} values = ${m * d}, found ${queries.length} values`);
  }
}

/**
 * Visits [queryBlock x referenceChunk] products in order: `visit(first, rows, block)` gets the
 * product tensor's values for query rows first..first+rows-1 against one chunk.
 * Reports progress and honours cancellation after every product.
 */
export async function forEachProduct(
  queries: Float32Array,
  m: number,
  ref: TfjsReferenceSet,
  queryChunk: number,
  ctx: JobContext | undefined,
  onBlockStart: (first: number, rows: number) => void,
  visit: (products: Float32Array, chunk: TfjsReferenceSet['chunks'][number]) => void,
  onBlockEnd: (first: number, rows: number) => void,
): Promise<void> {
  if (!Number.isInteger(queryChunk) || queryChunk < 1) throw new Error(`neighbour search: queryChunk must be a positive integer, got ${queryChunk}`);
  const d = ref.d;
  const total = Math.ceil(m / queryChunk) * ref.chunks.length;
  let done = 0;
  for (let first = 0; first < m; first += queryChunk) {
    const rows = Math.min(queryChunk, m - first);
    onBlockStart(first, rows);
    const q = tf.tensor2d(queries.subarray(first * d, (first + rows) * d), [rows, d]);
    try {
      for (const chunk of ref.chunks) {
        const product = tf.matMul(q, chunk.transposed);
        let values: Float32Array;
        try {
          values = (await product.data()) as Float32Array;
        } finally {
          product.dispose();
        }
        visit(values, chunk);
        done++;
        ctx?.progress(done / total);
        ctx?.throwIfCancelled();
      }
    } finally {
      q.dispose();
    }
    onBlockEnd(first, rows);
  }
}

async function search(
  queries: Float32Array,
  m: number,
  ref: TfjsReferenceSet,
  k: number,
  opts: SearchOptions,
  exclude: Int32Array | undefined,
): Promise<NeighbourResult> {
  const available = exclude ? ref.n - 1 : ref.n;
  if (!Number.isInteger(k) || k < 1 || k > available) {
    throw new Error(`neighbour search: k must be an integer in 1..${available} (reference rows${exclude ? ' other than the query' : ''}), got ${k}`);
  }
  const extra = opts.extraCandidates ?? Math.max(8, k);
  if (!Number.isInteger(extra) || extra < 0) throw new Error(`neighbour search: extraCandidates must be a non-negative integer, got ${extra}`);
  const pool = Math.min(available, k + extra);
  const indices = new Int32Array(m * k);
  const distances = new Float32Array(m * k);
  const queryNorms = squaredNorms(queries, m, ref.d);
  let lists: CandidateLists | undefined;
  let blockExclude: Int32Array | undefined;
  let exactFallbacks = 0;
  await forEachProduct(
    queries,
    m,
    ref,
    opts.queryChunk ?? defaultQueryChunk,
    opts.ctx,
    (first, rows) => {
      lists = new CandidateLists(rows, pool);
      blockExclude = exclude?.subarray(first, first + rows);
    },
    (products, chunk) => lists!.mergeProducts(products, chunk.size, ref.norms, chunk.start, blockExclude),
    (first) => {
      lists!.finish({
        queries,
        queryFirst: first,
        queryNorms,
        ref: ref.data,
        refCount: ref.n,
        refNormMax: ref.normMax,
        d: ref.d,
        k,
        exclude: blockExclude,
        holdEveryRow: pool >= available,
        outIndices: indices,
        outDistances: distances,
      });
      exactFallbacks += lists!.fallbacks;
    },
  );
  return { m, k, indices, distances, exactFallbacks };
}

/** k nearest rows of `ref` for each of the m rows of `queries` ([m, d], same scaling as ref). */
export async function nearestNeighbours(
  queries: Float32Array,
  m: number,
  ref: ReferenceSet,
  k: number,
  opts: SearchOptions = {},
): Promise<NeighbourResult> {
  const r = asTfjsReference(ref);
  checkQueries(queries, m, r.d, 'nearestNeighbours');
  return search(queries, m, r, k, opts, undefined);
}

/**
 * k nearest rows of `ref` for rows of `ref` itself (all, or `opts.rows`), never returning a
 * row as its own neighbour (an exact duplicate at another index still counts, at distance 0).
 * Used for authenticity, precision/recall radii and leave-one-out distances.
 */
export async function selfNeighbours(ref: ReferenceSet, k: number, opts: SelfSearchOptions = {}): Promise<NeighbourResult> {
  const r = asTfjsReference(ref);
  const { rows } = opts;
  if (rows === undefined) {
    const exclude = new Int32Array(r.n);
    for (let i = 0; i < r.n; i++) exclude[i] = i;
    return search(r.data, r.n, r, k, opts, exclude);
  }
  const m = rows.length;
  const exclude = new Int32Array(m);
  const queries = new Float32Array(m * r.d);
  for (let i = 0; i < m; i++) {
    const row = rows[i]!;
    if (!Number.isInteger(row) || row < 0 || row >= r.n) throw new Error(`selfNeighbours: row ${row} is outside 0..${r.n - 1}`);
    exclude[i] = row;
    queries.set(r.data.subarray(row * r.d, (row + 1) * r.d), i * r.d);
  }
  return search(queries, m, r, k, opts, exclude);
}
