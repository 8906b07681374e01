/**
 * Shapes shared by every nearest-neighbour implementation (docs/math.md §5): exact L2 in pixel
 * space, pixels scaled to [0, 1], rows of D = H*W*C values. The tfjs search in this folder is
 * one implementation of `NeighbourSearch`, the native CPU kernels (native-search.ts) another.
 */
import type { JobContext } from '../job-context';

/** What computed the products: the native CPU kernels (AVX2+FMA or portable loops) or tfjs. */
export type NeighbourKernel = 'native-avx512' | 'native-avx2' | 'native-portable' | 'tfjs';

/** k nearest reference rows of each of m queries, nearest first, ties by the lower index. */
export interface NeighbourResult {
  /** Number of queries. */
  m: number;
  /** Neighbours per query. */
  k: number;
  /** [m * k] reference row indices. */
  indices: Int32Array;
  /** [m * k] true L2 distances (exactly 0 for identical rows). */
  distances: Float32Array;
  /**
   * Queries whose float32 candidate list could not be proven complete (rows tied or nearly
   * tied with the k-th) and were therefore scanned exactly in float64; informational.
   */
  exactFallbacks?: number;
  /** Which implementation computed the products; informational. */
  kernel?: NeighbourKernel;
}

/**
 * Rows of values in [0, 1], row-major: float32, or uint8 pixels that stand for v / 255 rounded to
 * float32 (scale.ts unitLevels). Every search, re-rank and norm reads a uint8 row as exactly the
 * float32 row pixelsToUnit would give, so results do not depend on the form; uint8 keeps a
 * 50 000-image training set at 150 MB instead of a 600 MB float32 copy.
 */
export type UnitRows = Float32Array | Uint8Array;

/** A reference set [n, d] prepared once for many searches. Release it with dispose(). */
export interface ReferenceSet {
  readonly n: number;
  readonly d: number;
  /** The rows as passed in, row-major [n * d]; kept (not copied) for exact re-ranking. */
  readonly data: UnitRows;
  /** Which implementation holds it (and runs the searches against it); absent: tfjs. */
  readonly kernel?: NeighbourKernel;
  dispose(): void;
}

/** What exact re-ranking and ball tests read from any reference implementation. */
export interface ExactReference {
  readonly n: number;
  readonly d: number;
  readonly data: UnitRows;
  /** ||y_i||^2 in float64, [n], and their maximum. */
  readonly norms: Float64Array;
  readonly normMax: number;
}

/** Rows start..start+size-1 of a reference: the unit of progress and cancellation. */
export interface ChunkSpan {
  readonly start: number;
  readonly size: number;
}

export interface SearchOptions {
  ctx?: JobContext;
  /** Queries per uploaded block (default 1024). */
  queryChunk?: number;
  /**
   * Extra candidates kept per query beyond k while scanning (default max(8, k)). The scan ranks
   * by float32 products; the final k are chosen among k + extra by exact float64 distances,
   * and a query whose list cannot be proven complete is rescanned exactly, so the result
   * equals a float64 brute force.
   */
  extraCandidates?: number;
}

export interface SelfSearchOptions extends SearchOptions {
  /** Only these rows of the set as queries (default all); each excludes its own index. */
  rows?: ArrayLike<number>;
}

/** Which points fall inside the other set's balls: d(q, r) <= radius, compared in float32. */
export interface BallMembership {
  /** [m] 1 if query q lies in some ball B(r, refRadii[r]). */
  queryInRef: Uint8Array;
  /** [n] 1 if reference r lies in some ball B(q, queryRadii[q]). */
  refInQuery: Uint8Array;
}

/** Both directions of ball membership, as every implementation computes it. */
export type BallMembershipSearch = NeighbourSearch['ballMembership'];

export interface NeighbourSearch {
  readonly name: string;
  createReference(data: UnitRows, n: number, d: number, opts?: { chunkSize?: number }): ReferenceSet;
  /** k nearest rows of `ref` for each of the m query rows. */
  nearest(queries: Float32Array, m: number, ref: ReferenceSet, k: number, opts?: SearchOptions): Promise<NeighbourResult>;
  /** k nearest rows of `ref` for rows of `ref` itself, each excluding its own index. */
  self(ref: ReferenceSet, k: number, opts?: SelfSearchOptions): Promise<NeighbourResult>;
  /** Both directions of ball membership between queries (with radii) and ref (with radii). */
  ballMembership(
    queries: Float32Array,
    m: number,
    queryRadii: ArrayLike<number>,
    ref: ReferenceSet,
    refRadii: ArrayLike<number>,
    opts?: SearchOptions,
  ): Promise<BallMembership>;
}
