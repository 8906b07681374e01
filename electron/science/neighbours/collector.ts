/**
 * What every exact k-NN implementation shares around its product kernel: argument checks, the
 * candidate pool size, self-search queries, the `nearest` and `self` entry points, and the
 * per-block finish (float64 re-ranking and the completeness proof in CandidateLists.finish) that
 * makes results equal a float64 brute force.
 */
import { defaultQueryChunk, forEachBlockAndChunk, type BlockKernel, type ChunkedReference } from './blocks';
import { CandidateLists } from './candidates';
import { squaredNorms } from './exact';
import { gatherUnitRows, unitRowsAsFloat32 } from './scale';
import type { ChunkSpan, ExactReference, NeighbourKernel, NeighbourResult, NeighbourSearch, ReferenceSet, SearchOptions, UnitRows } from './types';

export function checkQueries(queries: Float32Array, m: number, d: number, what: string): void {
  if (!Number.isInteger(m) || m < 0) throw new Error(`${what}: m must be a non-negative integer, got ${m}`);
  if (queries.length !== m * d) {
    throw new Error(`${what}: expected ${m} queries x ${d} values = ${m * d}, found ${queries.length} values`);
  }
}

/** Queries and excluded indices for a self search over all rows of `data`, or over `rows`. */
export function selfQueries(data: UnitRows, n: number, d: number, rows: ArrayLike<number> | undefined): { queries: Float32Array; m: number; exclude: Int32Array } {
  if (rows === undefined) {
    const exclude = new Int32Array(n);
    for (let i = 0; i < n; i++) exclude[i] = i;
    return { queries: unitRowsAsFloat32(data, n, d), m: n, exclude };
  }
  const m = rows.length;
  const exclude = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const row = rows[i]!;
    if (!Number.isInteger(row) || row < 0 || row >= n) throw new Error(`selfNeighbours: row ${row} is outside 0..${n - 1}`);
    exclude[i] = row;
  }
  return { queries: gatherUnitRows(data, d, exclude), m, exclude };
}

/**
 * One implementation's search: `blockKernel(ref, out)` fills the candidate lists `out` opens for
 * each query block, over the whole reference; `kernel` names what ran in the result.
 */
export interface ExactSearch<R extends ChunkedReference<Chunk>, Block, Chunk extends ChunkSpan> {
  asReference(ref: ReferenceSet): R;
  blockKernel(ref: R, out: NeighbourCollector): BlockKernel<Block, Chunk>;
  kernel(ref: R): NeighbourKernel;
}

/** One search over a checked reference (`exclude`: each row's own index, in self searches). */
async function collectNeighbours<R extends ChunkedReference<Chunk>, Block, Chunk extends ChunkSpan>(
  search: ExactSearch<R, Block, Chunk>,
  queries: Float32Array,
  m: number,
  ref: R,
  k: number,
  opts: SearchOptions,
  exclude: Int32Array | undefined,
): Promise<NeighbourResult> {
  const out = new NeighbourCollector(queries, m, ref, k, opts, exclude);
  await forEachBlockAndChunk(
    queries,
    m,
    ref.d,
    ref.chunks,
    opts.queryChunk ?? defaultQueryChunk,
    opts.ctx,
    (first, rows) => out.startBlock(first, rows),
    search.blockKernel(ref, out),
    () => out.endBlock(),
  );
  return out.result(search.kernel(ref));
}

/**
 * NeighbourSearch's `nearest` and `self` for one implementation; `search.asReference` checks that
 * a reference set is its own (throwing otherwise).
 */
export function searchEntryPoints<R extends ChunkedReference<Chunk>, Block, Chunk extends ChunkSpan>(
  search: ExactSearch<R, Block, Chunk>,
): Pick<NeighbourSearch, 'nearest' | 'self'> {
  return {
    async nearest(queries, m, ref, k, opts = {}) {
      const r = search.asReference(ref);
      checkQueries(queries, m, r.d, 'nearestNeighbours');
      return collectNeighbours(search, queries, m, r, k, opts, undefined);
    },
    async self(ref, k, opts = {}) {
      const r = search.asReference(ref);
      const { queries, m, exclude } = selfQueries(r.data, r.n, r.d, opts.rows);
      return collectNeighbours(search, queries, m, r, k, opts, exclude);
    },
  };
}

/**
 * Collects one search's result block by block: `startBlock` opens the candidate lists for query
 * rows first..first+rows-1, the kernel fills them over the whole reference, `endBlock` re-ranks
 * them exactly into the output.
 */
export class NeighbourCollector {
  readonly pool: number;
  private readonly indices: Int32Array;
  private readonly distances: Float32Array;
  private readonly queryNorms: Float64Array;
  private readonly available: number;
  private exactFallbacks = 0;
  private first = 0;
  lists: CandidateLists | undefined;
  /** exclude[] of the open block (reference index each row skips), or undefined. */
  blockExclude: Int32Array | undefined;

  constructor(
    private readonly queries: Float32Array,
    private readonly m: number,
    private readonly ref: ExactReference,
    private readonly k: number,
    opts: SearchOptions,
    private readonly exclude: Int32Array | undefined,
  ) {
    this.available = exclude ? ref.n - 1 : ref.n;
    if (!Number.isInteger(k) || k < 1 || k > this.available) {
      throw new Error(`neighbour search: k must be an integer in 1..${this.available} (reference rows${exclude ? ' other than the query' : ''}), got ${k}`);
    }
    const extra = opts.extraCandidates ?? Math.max(8, k);
    if (!Number.isInteger(extra) || extra < 0) throw new Error(`neighbour search: extraCandidates must be a non-negative integer, got ${extra}`);
    this.pool = Math.min(this.available, k + extra);
    this.indices = new Int32Array(m * k);
    this.distances = new Float32Array(m * k);
    this.queryNorms = squaredNorms(queries, m, ref.d);
  }

  startBlock(first: number, rows: number): CandidateLists {
    this.first = first;
    this.lists = new CandidateLists(rows, this.pool);
    this.blockExclude = this.exclude?.subarray(first, first + rows);
    return this.lists;
  }

  endBlock(): void {
    const lists = this.lists!;
    const { ref } = this;
    lists.finish({
      queries: this.queries,
      queryFirst: this.first,
      queryNorms: this.queryNorms,
      ref: ref.data,
      refCount: ref.n,
      refNormMax: ref.normMax,
      d: ref.d,
      k: this.k,
      exclude: this.blockExclude,
      holdEveryRow: this.pool >= this.available,
      outIndices: this.indices,
      outDistances: this.distances,
    });
    this.exactFallbacks += lists.fallbacks;
  }

  result(kernel: NeighbourKernel): NeighbourResult {
    return { m: this.m, k: this.k, indices: this.indices, distances: this.distances, exactFallbacks: this.exactFallbacks, kernel };
  }
}
