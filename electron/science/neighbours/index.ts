/**
 * Nearest neighbours in pixel space (docs/math.md §5). Reference sets are created on the native CPU
 * kernels when the addon is built (native/, see electron/science/native/kernels.ts), else on
 * tfjs; the free functions and `neighbourSearch` run each operation on the implementation that
 * holds its reference set. Results are identical either way (float64 brute-force equal).
 */
export type {
  BallMembership,
  NeighbourKernel,
  NeighbourResult,
  NeighbourSearch,
  ReferenceSet,
  SearchOptions,
  SelfSearchOptions,
  UnitRows,
} from './types';
export { expansionTolerance, squaredDistance, squaredDistancesToRows, squaredNorms } from './exact';
export { createTfjsReferenceSet, defaultChunkSize } from './reference';
export { defaultQueryChunk } from './blocks';
export { tfjsNearestNeighbours, tfjsSelfNeighbours } from './search';
export { tfjsBallMembership } from './balls';
export { createNativeNeighbourSearch, createNativeReferenceSet, type NativeSearchOptions } from './native-search';
export {
  activeNeighbourKernel,
  ballMembership,
  createReferenceSet,
  nearestNeighbours,
  neighbourSearch,
  selfNeighbours,
  tfjsNeighbourSearch,
} from './select';
export { firstNeighbourIndices, firstNeighbours } from './first-neighbours';
export { gatherUnitRows, pixelRowsToUnit, pixelsToUnit, takeRows, unitLevels, unitRowsAsFloat32 } from './scale';
