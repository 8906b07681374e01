/** Memorisation and novelty metrics (docs/math.md §5): pure functions on arrays, plus the audit. */
export { auditMetrics, staleKMeansReason, type AuditInput, type CachedKMeans, type AuditOptions, type AuditReport, type SampleAudit, type TrainTestGap } from './audit';
export { authenticFlags } from './authenticity';
export { trainingCoverage } from './coverage';
export { ctStatistic, type CtCell, type CtReport } from './ct';
export { computeHeldOutDistances, defaultMaxHeldOut, staleHeldOutReason, type HeldOutDistances, type HeldOutSplit } from './heldOut';
export { assignCells, kMeans, type KMeansModel } from './kmeans';
export { mannWhitneyU, rankSumU, type MannWhitneyResult } from './mannWhitney';
export {
  bootstrapFraction,
  calibratedDistances,
  defaultThreshold,
  memorizedFlags,
  nearestRatios,
  summarizeMemorization,
  summarizeNearest,
  type FractionInterval,
  type MemorizationSummary,
  type NearestSummary,
} from './memorization';
export { perClassMemorization, type ClassMemorization } from './perClass';
export {
  computeTrainingRadii,
  kthNeighbourRadii,
  precisionRecall,
  staleRadiiReason,
  type PrecisionRecall,
  type TrainingRadii,
} from './precisionRecall';
export { seededSubsample } from './random';
export { erfc, histogram, median, sharedEdges, twoSidedNormalP } from './stats';
