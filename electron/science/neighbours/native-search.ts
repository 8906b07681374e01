/**
 * Exact k-NN on the native CPU kernels (electron/science/native/kernels.ts) behind
 * NeighbourSearch. The reference is packed once into native memory (no tfjs copy). For each
 * query block the kernels fill the same candidate lists the tfjs search fills (scores
 * ||y||^2 - 2 q.y from float32 products, ties by the lower index), one reference chunk per call so
 * progress and cancellation keep the tfjs granularity; the shared float64 finish
 * (collector.ts, candidates.ts) then makes the result equal a float64 brute force.
 */
import type { JobContext } from '../job-context';
import { loadNativeKernels, nativeKernelInfo, type NativeKernelName, type NativeKernels, type PackedQueries, type PackedReference } from '../native/kernels';
import { ballMembershipFrom, type ProductScan } from './balls';
import { checkQueries, checkQueryChunk, NeighbourCollector, selfQueries } from './collector';
import { checkReferenceShape, chunkSpans, referenceNorms } from './reference';
import { defaultQueryChunk } from './search';
import type { BallMembership, BallMembershipSearch, ChunkSpan, ExactReference, NeighbourResult, NeighbourSearch, ReferenceSet, SearchOptions, SelfSearchOptions } from './types';

export interface NativeSearchOptions {
  /** Threads per kernel call (default: every hardware thread). */
  threads?: number;
  /** Use the portable micro-kernel even where AVX2+FMA is available (tests, comparisons). */
  portable?: boolean;
}

export class NativeReferenceSet implements ReferenceSet, ExactReference {
  readonly kernel: NativeKernelName;
  readonly norms: Float64Array;
  readonly normMax: number;
  /** Rows per kernel call: the unit of progress and cancellation. */
  readonly chunks: ChunkSpan[];
  readonly threads: number;
  readonly portable: boolean;
  private handle: PackedReference | undefined;

  constructor(
    readonly kernels: NativeKernels,
    readonly data: Float32Array,
    readonly n: number,
    readonly d: number,
    chunkSize: number,
    opts: NativeSearchOptions,
  ) {
    const threads = opts.threads ?? kernels.hardwareThreads;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`createReferenceSet: threads must be a positive integer, got ${threads}`);
    this.threads = threads;
    this.portable = opts.portable ?? false;
    this.kernel = kernels.kernelFor(this.portable);
    ({ norms: this.norms, normMax: this.normMax } = referenceNorms(data, n, d));
    this.chunks = chunkSpans(n, chunkSize);
    this.handle = kernels.packReference(data, n, d, this.norms);
  }

  /** The packed rows; throws once disposed. */
  packed(): PackedReference {
    if (!this.handle) throw new Error('neighbour search: the reference set was disposed');
    return this.handle;
  }

  dispose(): void {
    if (!this.handle) return;
    this.kernels.free(this.handle);
    this.handle = undefined;
  }
}

function kernelsOrThrow(): NativeKernels {
  const kernels = loadNativeKernels();
  if (!kernels) throw new Error(`native neighbour search unavailable: ${nativeKernelInfo().why}`);
  return kernels;
}

/** Validates the shape and packs [n, d] rows into native memory (throws if the addon is unavailable). */
export function createNativeReferenceSet(data: Float32Array, n: number, d: number, opts: { chunkSize?: number } & NativeSearchOptions = {}): NativeReferenceSet {
  const chunkSize = checkReferenceShape(data, n, d, opts);
  return new NativeReferenceSet(kernelsOrThrow(), data, n, d, chunkSize, opts);
}

export function asNativeReference(ref: ReferenceSet): NativeReferenceSet {
  if (!(ref instanceof NativeReferenceSet)) {
    throw new Error('neighbour search: the reference set was not created by the native search (use createReferenceSet)');
  }
  ref.packed();
  return ref;
}

/**
 * Packs each query block once and runs `call` on it for every reference chunk in order, with
 * progress and cancellation after every call (the native counterpart of forEachProduct).
 */
async function forEachChunkCall(
  queries: Float32Array,
  m: number,
  ref: NativeReferenceSet,
  queryChunk: number,
  ctx: JobContext | undefined,
  onBlockStart: (first: number, rows: number) => void,
  call: (packed: PackedQueries, rows: number, chunk: ChunkSpan) => Promise<void>,
  onBlockEnd: (first: number, rows: number) => void,
): Promise<void> {
  checkQueryChunk(queryChunk);
  const { d, kernels } = ref;
  const total = Math.ceil(m / queryChunk) * ref.chunks.length;
  let done = 0;
  for (let first = 0; first < m; first += queryChunk) {
    const rows = Math.min(queryChunk, m - first);
    onBlockStart(first, rows);
    const packed = kernels.packQueries(queries.subarray(first * d, (first + rows) * d), rows, d);
    try {
      for (const chunk of ref.chunks) {
        await call(packed, rows, chunk);
        done++;
        ctx?.progress(done / total);
        ctx?.throwIfCancelled();
      }
    } finally {
      kernels.free(packed);
    }
    onBlockEnd(first, rows);
  }
}

async function search(
  queries: Float32Array,
  m: number,
  ref: NativeReferenceSet,
  k: number,
  opts: SearchOptions,
  exclude: Int32Array | undefined,
): Promise<NeighbourResult> {
  const out = new NeighbourCollector(queries, m, ref, k, opts, exclude);
  const choice = { threads: ref.threads, portable: ref.portable };
  await forEachChunkCall(
    queries,
    m,
    ref,
    opts.queryChunk ?? defaultQueryChunk,
    opts.ctx,
    (first, rows) => out.startBlock(first, rows),
    (packed, _rows, chunk) => ref.kernels.nearestBlock(ref.packed(), packed, chunk.start, chunk.size, out.lists!, out.blockExclude, choice),
    () => out.endBlock(),
  );
  return out.result(ref.kernel);
}

/** k nearest rows of a native `ref` for each of the m rows of `queries` ([m, d], same scaling as ref). */
export async function nativeNearestNeighbours(queries: Float32Array, m: number, ref: ReferenceSet, k: number, opts: SearchOptions = {}): Promise<NeighbourResult> {
  const r = asNativeReference(ref);
  checkQueries(queries, m, r.d, 'nearestNeighbours');
  return search(queries, m, r, k, opts, undefined);
}

/** k nearest rows of a native `ref` for rows of `ref` itself (all, or `opts.rows`), each excluding its own index. */
export async function nativeSelfNeighbours(ref: ReferenceSet, k: number, opts: SelfSearchOptions = {}): Promise<NeighbourResult> {
  const r = asNativeReference(ref);
  const { queries, m, exclude } = selfQueries(r.data, r.n, r.d, opts.rows);
  return search(queries, m, r, k, opts, exclude);
}

/** Ball membership (balls.ts) with the products from the native kernels. */
export const nativeBallMembership: BallMembershipSearch = async (queries, m, queryRadii, ref, refRadii, opts = {}) => {
  const r = asNativeReference(ref);
  const choice = { threads: r.threads, portable: r.portable };
  const scan: ProductScan = async (q, rows, queryChunk, ctx, onBlockStart, visit, onBlockEnd) => {
    checkQueryChunk(queryChunk);
    const largest = r.chunks.reduce((s, c) => Math.max(s, c.size), 0);
    const buffer = new Float32Array(Math.min(queryChunk, rows) * largest);
    await forEachChunkCall(
      q,
      rows,
      r,
      queryChunk,
      ctx,
      onBlockStart,
      async (packed, blockRows, chunk) => {
        const products = buffer.subarray(0, blockRows * chunk.size);
        await r.kernels.productsBlock(r.packed(), packed, chunk.start, chunk.size, products, choice);
        visit(products, chunk);
      },
      onBlockEnd,
    );
  };
  return ballMembershipFrom(scan, queries, m, queryRadii, r, refRadii, opts);
};

/**
 * The native search with fixed options (threads, portable kernel), or undefined when the addon
 * is not available (nativeKernelInfo().why says why).
 */
export function createNativeNeighbourSearch(options: NativeSearchOptions = {}): NeighbourSearch | undefined {
  const kernels = loadNativeKernels();
  if (!kernels) return undefined;
  return {
    name: `${kernels.kernelFor(options.portable ?? false)}-exact`,
    createReference: (data, n, d, opts = {}) => createNativeReferenceSet(data, n, d, { ...options, ...opts }),
    nearest: nativeNearestNeighbours,
    self: nativeSelfNeighbours,
    ballMembership: nativeBallMembership,
  };
}
