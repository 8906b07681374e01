/**
 * Nearest-neighbour distances as runs report them: computed in model space, written in the one
 * unit of data-scaling.ts reportedDistanceUnit (images: L2 on pixels in [0, 1], like the audit;
 * vectors: data units), labelled. Ratios, fractions and indices do not depend on the unit.
 */
import { reportedDistanceUnit, type DataScaling, type DistanceUnit } from '../../science/data-scaling';
import type { JobContext } from '../../science/job-context';
import type { DataMatrix } from '../../science/data-matrix';
import { searchNearestTwo, type NearestTwoResult } from '../../science/experiments/nearest';
import { distanceRatio, summarizeMemorization, summarizeNearest, type NearestSummary } from '../../science/metrics/memorization';

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

/**
 * A sample set against its training data: the exact two nearest training items of each of the `n`
 * samples (model space), their summary in the reported unit, and the memorised fraction's 95%
 * bootstrap interval (seeded). Progress spans [from, to].
 */
export async function auditNearest(
  data: { matrix: DataMatrix; scaling: DataScaling },
  samples: Float32Array,
  n: number,
  seed: number,
  ctx: JobContext | undefined,
  from: number,
  to: number,
): Promise<ReportedNearest & { modelSpace: NearestTwoResult; memorizedCI: [number, number] }> {
  const nn = await searchNearestTwo(data.matrix, samples, n, ctx, from, to);
  const ratios = Float64Array.from(nn.first, (d1, i) => distanceRatio(d1, nn.second[i]!));
  return { ...reportNearest(nn, data.scaling), modelSpace: nn, memorizedCI: summarizeMemorization(ratios, undefined, { seed }).memorizedCI };
}

/** The stored items at `index[0 .. count)` (each `itemBytes` long), one after another: e.g. each sample's nearest training image. */
export function gatherItems(pixels: Uint8Array, index: ArrayLike<number>, count: number, itemBytes: number): Uint8Array {
  const out = new Uint8Array(count * itemBytes);
  for (let i = 0; i < count; i++) out.set(pixels.subarray(index[i]! * itemBytes, (index[i]! + 1) * itemBytes), i * itemBytes);
  return out;
}
