/**
 * Nearest neighbours in pixel space (math.md §5). `tfjsNeighbourSearch` is the implementation
 * behind the `NeighbourSearch` interface; the free functions are the same operations.
 */
import { ballMembership } from './balls';
import { createReferenceSet } from './reference';
import { nearestNeighbours, selfNeighbours } from './search';
import type { NeighbourSearch } from './types';

export type { BallMembership, NeighbourResult, NeighbourSearch, ReferenceSet, SearchOptions, SelfSearchOptions } from './types';
export { ballMembership } from './balls';
export { expansionTolerance, squaredDistance, squaredNorms } from './exact';
export { createReferenceSet, defaultChunkSize } from './reference';
export { defaultQueryChunk, nearestNeighbours, selfNeighbours } from './search';
export { pixelRowsToUnit, pixelsToUnit } from './scale';

/** Exact k-NN on the active tfjs backend (chunked matMul + CPU merge + float64 re-rank). */
export const tfjsNeighbourSearch: NeighbourSearch = {
  name: 'tfjs-chunked-exact',
  createReference: createReferenceSet,
  nearest: nearestNeighbours,
  self: selfNeighbours,
  ballMembership,
};
