/**
 * Exact k-NN on the native CPU kernels (electron/science/native/kernels.ts) behind
 * NeighbourSearch. The reference is packed once into native memory (no tfjs copy). For each
 * query block the kernels fill the same candidate lists the tfjs search fills (scores
 * ||y||^2 - 2 q.y from float32 products, ties by the lower index), one reference chunk per call so
 * progress and cancellation keep the tfjs granularity; the shared float64 finish
 * (collector.ts, candidates.ts) then makes the result equal a float64 brute force.
 */
import { loadNativeKernels, nativeKernelInfo, type KernelChoice, type NativeKernelName, type NativeKernels, type PackedQueries, type PackedReference } from '../native/kernels';
import { ballMembershipFrom } from './balls';
import type { BlockKernel } from './blocks';
import { searchEntryPoints } from './collector';
import { checkReferenceShape, chunkSpans, referenceNorms } from './reference';
import type { BallMembershipSearch, ChunkSpan, ExactReference, NeighbourSearch, ReferenceSet, UnitRows } from './types';

export interface NativeSearchOptions {
  /** Threads per kernel call (default: every hardware thread). */
  threads?: number;
  /** Use the portable micro-kernel even where AVX2+FMA is available (tests, comparisons). */
  portable?: boolean;
  /** Run this kernel path instead of the default (tests, benchmarks); one this CPU runs. */
  kernel?: NativeKernelName;
}

export class NativeReferenceSet implements ReferenceSet, ExactReference {
  readonly kernel: NativeKernelName;
  readonly norms: Float64Array;
  readonly normMax: number;
  /** Rows per kernel call: the unit of progress and cancellation. */
  readonly chunks: ChunkSpan[];
  readonly threads: number;
  readonly portable: boolean;
  readonly path: NativeKernelName | undefined;
  private handle: PackedReference | undefined;

  constructor(
    readonly kernels: NativeKernels,
    readonly data: UnitRows,
    readonly n: number,
    readonly d: number,
    chunkSize: number,
    opts: NativeSearchOptions,
  ) {
    const threads = opts.threads ?? kernels.hardwareThreads;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`createReferenceSet: threads must be a positive integer, got ${threads}`);
    this.threads = threads;
    this.portable = opts.portable ?? false;
    this.path = opts.kernel;
    this.kernel = kernels.kernelFor(this.portable, this.path);
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
export function createNativeReferenceSet(data: UnitRows, n: number, d: number, opts: { chunkSize?: number } & NativeSearchOptions = {}): NativeReferenceSet {
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

/** The kernels' threads and micro-kernel for every call on `ref`. */
function choiceOf(ref: NativeReferenceSet): KernelChoice {
  return { threads: ref.threads, portable: ref.portable, kernel: ref.path };
}

/** Each query block packed once into native memory; `call` runs it against one reference chunk. */
function packedBlocks(ref: NativeReferenceSet, call: (packed: PackedQueries, rows: number, chunk: ChunkSpan) => Promise<void>): BlockKernel<PackedQueries, ChunkSpan> {
  return { load: (block, rows) => ref.kernels.packQueries(block, rows, ref.d), run: call, release: (packed) => ref.kernels.free(packed) };
}

const nativeEntryPoints = searchEntryPoints({
  asReference: asNativeReference,
  blockKernel: (ref, out) => {
    const choice = choiceOf(ref);
    return packedBlocks(ref, (packed, _rows, chunk) => ref.kernels.nearestBlock(ref.packed(), packed, chunk.start, chunk.size, out.lists!, out.blockExclude, choice));
  },
  kernel: (ref) => ref.kernel,
});

/** k nearest rows of a native `ref` for each of the m rows of `queries` ([m, d], same scaling as ref). */
export const nativeNearestNeighbours = nativeEntryPoints.nearest;

/** k nearest rows of a native `ref` for rows of `ref` itself (all, or `opts.rows`), each excluding its own index. */
export const nativeSelfNeighbours = nativeEntryPoints.self;

/**
 * The native product kernel: `visit` gets the products q.y of each query block with each reference
 * chunk ([rows, chunk.size], row-major), computed into one buffer reused across calls.
 */
function productBlocks(ref: NativeReferenceSet, visit: (products: Float32Array, chunk: ChunkSpan) => void): BlockKernel<PackedQueries, ChunkSpan> {
  const choice = choiceOf(ref);
  const largest = ref.chunks.reduce((s, c) => Math.max(s, c.size), 0);
  let buffer: Float32Array | undefined;
  return packedBlocks(ref, async (packed, rows, chunk) => {
    buffer ??= new Float32Array(rows * largest); // the first block is the largest
    const products = buffer.subarray(0, rows * chunk.size);
    await ref.kernels.productsBlock(ref.packed(), packed, chunk.start, chunk.size, products, choice);
    visit(products, chunk);
  });
}

/** Ball membership (balls.ts) with the products from the native kernels. */
export const nativeBallMembership: BallMembershipSearch = async (queries, m, queryRadii, ref, refRadii, opts = {}) => {
  const r = asNativeReference(ref);
  return ballMembershipFrom((visit) => productBlocks(r, visit), queries, m, queryRadii, r, refRadii, opts);
};

/**
 * The native search with fixed options (threads, portable kernel), or undefined when the addon
 * is not available (nativeKernelInfo().why says why).
 */
export function createNativeNeighbourSearch(options: NativeSearchOptions = {}): NeighbourSearch | undefined {
  const kernels = loadNativeKernels();
  if (!kernels) return undefined;
  return {
    name: `${kernels.kernelFor(options.portable ?? false, options.kernel)}-exact`,
    createReference: (data, n, d, opts = {}) => createNativeReferenceSet(data, n, d, { ...options, ...opts }),
    nearest: nativeNearestNeighbours,
    self: nativeSelfNeighbours,
    ballMembership: nativeBallMembership,
  };
}
