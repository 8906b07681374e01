/**
 * Nearest-neighbour distances as runs report them: computed in model space, written in the one
 * unit of data-scaling.ts reportedDistanceUnit (images: L2 on pixels in [0, 1], like the audit;
 * vectors: data units), labelled. Ratios, fractions and indices do not depend on the unit.
 */
import { reportedDistanceUnit, type DataScaling, type DistanceUnit } from '../../science/data-scaling';
import type { NearestTwoResult } from '../../science/experiments/nearest';
import { summarizeNearest, type NearestSummary } from '../../science/metrics/memorization';

export interface ReportedNearest {
  /** Distances d1 (first) and d2 (second) in `unit`. */
  nn: NearestTwoResult;
  summary: NearestSummary;
  unit: DistanceUnit;
}

/** Model-space distances times the unit's factor. */
export function toReportedDistances(values: ArrayLike<number>, unit: DistanceUnit): Float64Array {
  return Float64Array.from(values, (d) => d * unit.perModelUnit);
}

/** The two nearest training points of each sample, and their summary, in the reported unit. */
export function reportNearest(nn: NearestTwoResult, scaling: DataScaling): ReportedNearest {
  const unit = reportedDistanceUnit(scaling);
  const reported: NearestTwoResult = { index: nn.index, first: toReportedDistances(nn.first, unit), second: toReportedDistances(nn.second, unit) };
  return { nn: reported, summary: summarizeNearest(reported), unit };
}

/** A summary computed in model space, with its distances in the reported unit. */
export function reportedSummary<T extends NearestSummary>(s: T, unit: DistanceUnit): T {
  return { ...s, medianNearestDistance: s.medianNearestDistance * unit.perModelUnit, meanNearestDistance: s.meanNearestDistance * unit.perModelUnit };
}
