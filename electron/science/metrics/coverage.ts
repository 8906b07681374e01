/**
 * Coverage of the training set (docs/math.md §5): the distinct training images that are some
 * sample's nearest neighbour, as a count and as a fraction of the training set.
 */
export function trainingCoverage(nearestIndex: ArrayLike<number>, trainCount: number): { distinct: number; fraction: number } {
  const seen = new Set<number>();
  for (let i = 0; i < nearestIndex.length; i++) seen.add(nearestIndex[i]!);
  return { distinct: seen.size, fraction: trainCount > 0 ? seen.size / trainCount : 0 };
}
