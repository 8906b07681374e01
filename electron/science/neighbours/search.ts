/**
 * Exact k-nearest neighbours, L2 in pixel space (docs/math.md §5), on tfjs.
 * For a block of queries Q and each reference chunk Y: ||q - y||^2 = ||q||^2 - 2 q.y + ||y||^2,
 * with q.y from one matMul Q @ Y^T; a running top-(k + extra) list per query is merged on the
 * CPU chunk by chunk, so memory stays bounded by one [queryChunk, chunkSize] block. The final k
 * are re-ranked by exact float64 distances from the raw rows (the expansion cancels badly for
 * near-identical rows in float32: a duplicate can come out at ~1e-3 instead of 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BlockKernel } from './blocks';
import { searchEntryPoints } from './collector';
import { TfjsReferenceSet, type ReferenceChunk } from './reference';
import type { ReferenceSet } from './types';

export function asTfjsReference(ref: ReferenceSet): TfjsReferenceSet {
  if (!(ref instanceof TfjsReferenceSet)) {
    throw new Error('neighbour search: the reference set was not created by the tfjs search (use createReferenceSet)');
  }
  ref.assertLive();
  return ref;
}

/**
 * The tfjs product kernel: each query block uploaded once, `visit` gets the values of its
 * product Q @ Y^T with each reference chunk ([rows, chunk.size], row-major).
 */
export function productBlocks(ref: TfjsReferenceSet, visit: (products: Float32Array, chunk: ReferenceChunk) => void): BlockKernel<tf.Tensor2D, ReferenceChunk> {
  return {
    load: (block, rows) => tf.tensor2d(block, [rows, ref.d]),
    run: async (q, _rows, chunk) => {
      const product = tf.matMul(q, chunk.transposed);
      let values: Float32Array;
      try {
        values = (await product.data()) as Float32Array;
      } finally {
        product.dispose();
      }
      visit(values, chunk);
    },
    release: (q) => q.dispose(),
  };
}

const tfjsEntryPoints = searchEntryPoints({
  asReference: asTfjsReference,
  blockKernel: (ref, out) => productBlocks(ref, (products, chunk) => out.lists!.mergeProducts(products, chunk.size, ref.norms, chunk.start, out.blockExclude)),
  kernel: () => 'tfjs',
});

/** k nearest rows of a tfjs `ref` for each of the m rows of `queries` ([m, d], same scaling as ref). */
export const tfjsNearestNeighbours = tfjsEntryPoints.nearest;

/**
 * k nearest rows of a tfjs `ref` for rows of `ref` itself (all, or `opts.rows`), never returning
 * a row as its own neighbour (an exact duplicate at another index still counts, at distance 0).
 */
export const tfjsSelfNeighbours = tfjsEntryPoints.self;
