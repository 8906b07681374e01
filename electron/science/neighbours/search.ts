/**
 * Exact k-nearest neighbours, L2 in pixel space (docs/math.md §5), on tfjs.
 * For a block of queries Q and each reference chunk Y: ||q - y||^2 = ||q||^2 - 2 q.y + ||y||^2,
 * with q.y from one matMul Q @ Y^T; a running top-(k + extra) list per query is merged on the
 * CPU chunk by chunk, so memory stays bounded by one [queryChunk, chunkSize] block. The final k
 * are re-ranked by exact float64 distances from the raw rows (the expansion cancels badly for
 * near-identical rows in float32: a duplicate can come out at ~1e-3 instead of 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../job-context';
import { checkQueries, checkQueryChunk, NeighbourCollector, selfQueries } from './collector';
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
  checkQueryChunk(queryChunk);
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
  const out = new NeighbourCollector(queries, m, ref, k, opts, exclude);
  await forEachProduct(
    queries,
    m,
    ref,
    opts.queryChunk ?? defaultQueryChunk,
    opts.ctx,
    (first, rows) => out.startBlock(first, rows),
    (products, chunk) => out.lists!.mergeProducts(products, chunk.size, ref.norms, chunk.start, out.blockExclude),
    () => out.endBlock(),
  );
  return out.result('tfjs');
}

/** k nearest rows of a tfjs `ref` for each of the m rows of `queries` ([m, d], same scaling as ref). */
export async function tfjsNearestNeighbours(
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
 * k nearest rows of a tfjs `ref` for rows of `ref` itself (all, or `opts.rows`), never returning
 * a row as its own neighbour (an exact duplicate at another index still counts, at distance 0).
 */
export async function tfjsSelfNeighbours(ref: ReferenceSet, k: number, opts: SelfSearchOptions = {}): Promise<NeighbourResult> {
  const r = asTfjsReference(ref);
  const { queries, m, exclude } = selfQueries(r.data, r.n, r.d, opts.rows);
  return search(queries, m, r, k, opts, exclude);
}
