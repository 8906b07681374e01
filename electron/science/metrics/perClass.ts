/**
 * Per-class breakdown for labelled training sets: each sample takes the class of its nearest
 * training image; per class, how many samples and how many of them are memorised.
 */
export interface ClassMemorization {
  label: number;
  name: string | null;
  /** Samples whose NN1 has this label. */
  count: number;
  memorized: number;
  /** memorized / count, null for a class no sample landed in. */
  memorizedFraction: number | null;
}

/** Classes 0..max label of the training set, every one listed (also those with no sample). */
export function perClassMemorization(
  nearestIndex: ArrayLike<number>,
  memorized: ArrayLike<number>,
  trainLabels: ArrayLike<number>,
  classNames?: readonly string[],
): ClassMemorization[] {
  let classes = 0;
  for (let i = 0; i < trainLabels.length; i++) {
    const l = trainLabels[i]!;
    if (!Number.isInteger(l) || l < 0) throw new Error(`per-class breakdown: training label ${i} is ${l}; expected a non-negative integer`);
    classes = Math.max(classes, l + 1);
  }
  const counts = new Array<number>(classes).fill(0);
  const mem = new Array<number>(classes).fill(0);
  for (let i = 0; i < nearestIndex.length; i++) {
    const l = trainLabels[nearestIndex[i]!]!;
    counts[l]!++;
    if (memorized[i]) mem[l]!++;
  }
  return counts.map((count, label) => ({
    label,
    name: classNames?.[label] ?? null,
    count,
    memorized: mem[label]!,
    memorizedFraction: count > 0 ? mem[label]! / count : null,
  }));
}
