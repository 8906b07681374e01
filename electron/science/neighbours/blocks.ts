/**
 * The loop every exact search and ball-membership scan runs its product kernel in: query blocks
 * of `queryChunk` rows against reference chunks in order, so memory stays bounded by one block
 * and progress and cancellation come after every kernel call, whatever the implementation.
 */
import type { JobContext } from '../job-context';
import type { ChunkSpan, ExactReference } from './types';

/** Queries per uploaded or packed block unless SearchOptions.queryChunk says otherwise. */
export const defaultQueryChunk = 1024;

export function checkQueryChunk(queryChunk: number): void {
  if (!Number.isInteger(queryChunk) || queryChunk < 1) throw new Error(`neighbour search: queryChunk must be a positive integer, got ${queryChunk}`);
}

/** An exact reference with the chunks its kernel runs over. */
export type ChunkedReference<Chunk extends ChunkSpan> = ExactReference & { readonly chunks: readonly Chunk[] };

/** How an implementation runs its product kernel on one block of query rows. */
export interface BlockKernel<Block, Chunk extends ChunkSpan> {
  /** Uploads or packs `rows` query rows ([rows, d]) for the calls below. */
  load(queries: Float32Array, rows: number): Block;
  /** The loaded block against one reference chunk. */
  run(block: Block, rows: number, chunk: Chunk): Promise<void>;
  /** Frees what `load` made. */
  release(block: Block): void;
}

/**
 * Runs `kernel` on every query block against every reference chunk in order, with progress and
 * cancellation after every call; `onBlockStart`/`onBlockEnd` bracket each block (rows
 * first..first+rows-1). The first block is the largest.
 */
export async function forEachBlockAndChunk<Block, Chunk extends ChunkSpan>(
  queries: Float32Array,
  m: number,
  d: number,
  chunks: readonly Chunk[],
  queryChunk: number,
  ctx: JobContext | undefined,
  onBlockStart: (first: number, rows: number) => void,
  kernel: BlockKernel<Block, Chunk>,
  onBlockEnd: (first: number, rows: number) => void,
): Promise<void> {
  checkQueryChunk(queryChunk);
  const total = Math.ceil(m / queryChunk) * chunks.length;
  let done = 0;
  for (let first = 0; first < m; first += queryChunk) {
    const rows = Math.min(queryChunk, m - first);
    onBlockStart(first, rows);
    const block = kernel.load(queries.subarray(first * d, (first + rows) * d), rows);
    try {
      for (const chunk of chunks) {
        await kernel.run(block, rows, chunk);
        done++;
        ctx?.progress(done / total);
        ctx?.throwIfCancelled();
      }
    } finally {
      kernel.release(block);
    }
    onBlockEnd(first, rows);
  }
}
