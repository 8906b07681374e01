/**
 * Picks the implementation: new reference sets go to the native CPU kernels when the addon is
 * available (SCORESCOPE_NATIVE=0 turns it off), else to tfjs; every operation then runs on the
 * implementation that holds its reference set, so sets from either kind can be mixed freely.
 */
import { loadNativeKernels } from '../native/kernels';
import { tfjsBallMembership } from './balls';
import { NativeReferenceSet, nativeBallMembership, nativeNearestNeighbours, nativeSelfNeighbours } from './native-search';
import { checkReferenceShape, createTfjsReferenceSet } from './reference';
import { tfjsNearestNeighbours, tfjsSelfNeighbours } from './search';
import type { BallMembershipSearch, NeighbourKernel, NeighbourResult, NeighbourSearch, ReferenceSet, SearchOptions, SelfSearchOptions, UnitRows } from './types';

/** What createReferenceSet will use: 'native-avx512', 'native-avx2', 'native-portable' or 'tfjs'. */
export function activeNeighbourKernel(): NeighbourKernel {
  return loadNativeKernels()?.kernel ?? 'tfjs';
}

/** Validates the shape and prepares [n, d] rows (in [0, 1]: float32, or uint8 pixels) on the best implementation. */
export function createReferenceSet(data: UnitRows, n: number, d: number, opts: { chunkSize?: number } = {}): ReferenceSet {
  const kernels = loadNativeKernels();
  if (!kernels) return createTfjsReferenceSet(data, n, d, opts);
  const chunkSize = checkReferenceShape(data, n, d, opts);
  return new NativeReferenceSet(kernels, data, n, d, chunkSize, {});
}

/** k nearest rows of `ref` for each of the m rows of `queries` ([m, d], same scaling as ref). */
export function nearestNeighbours(queries: Float32Array, m: number, ref: ReferenceSet, k: number, opts: SearchOptions = {}): Promise<NeighbourResult> {
  return ref instanceof NativeReferenceSet ? nativeNearestNeighbours(queries, m, ref, k, opts) : tfjsNearestNeighbours(queries, m, ref, k, opts);
}

/**
 * k nearest rows of `ref` for rows of `ref` itself (all, or `opts.rows`), never returning a
 * row as its own neighbour (an exact duplicate at another index still counts, at distance 0).
 * Used for authenticity, precision/recall radii and leave-one-out distances.
 */
export function selfNeighbours(ref: ReferenceSet, k: number, opts: SelfSearchOptions = {}): Promise<NeighbourResult> {
  return ref instanceof NativeReferenceSet ? nativeSelfNeighbours(ref, k, opts) : tfjsSelfNeighbours(ref, k, opts);
}

/** Which queries lie in some reference ball and which reference rows in some query ball (balls.ts). */
export const ballMembership: BallMembershipSearch = (queries, m, queryRadii, ref, refRadii, opts = {}) =>
  (ref instanceof NativeReferenceSet ? nativeBallMembership : tfjsBallMembership)(queries, m, queryRadii, ref, refRadii, opts);

/** The best available search: native kernels when built, else tfjs. */
export const neighbourSearch: NeighbourSearch = {
  get name() {
    const kernel = activeNeighbourKernel();
    return kernel === 'tfjs' ? 'tfjs-chunked-exact' : `${kernel}-exact`;
  },
  createReference: createReferenceSet,
  nearest: nearestNeighbours,
  self: selfNeighbours,
  ballMembership,
};

/**
 * Reference sets on tfjs (uploaded tensors) whatever else is available, for comparisons and
 * SCORESCOPE_NATIVE-free tests; its operations accept sets of either kind.
 */
export const tfjsNeighbourSearch: NeighbourSearch = {
  name: 'tfjs-chunked-exact',
  createReference: createTfjsReferenceSet,
  nearest: nearestNeighbours,
  self: selfNeighbours,
  ballMembership,
};
