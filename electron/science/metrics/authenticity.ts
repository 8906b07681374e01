/**
 * Authenticity (Alaa et al. 2022), docs/math.md §5: with r* = NN1(g; T), the sample g is authentic iff
 *   d(g, r*) > d(r*, NN1(r*; T \ {r*})),
 * i.e. g is farther from its nearest training point than that point is from its own nearest
 * training neighbour. Exact copies (d = 0) are never authentic.
 */
export function authenticFlags(
  nearestDistance: ArrayLike<number>,
  nearestIndex: ArrayLike<number>,
  trainNearestDistance: ReadonlyMap<number, number>,
): Uint8Array {
  const out = new Uint8Array(nearestDistance.length);
  for (let i = 0; i < out.length; i++) {
    const r = nearestIndex[i]!;
    const own = trainNearestDistance.get(r);
    if (own === undefined) throw new Error(`authenticity: no leave-one-out distance for training row ${r}`);
    out[i] = nearestDistance[i]! > own ? 1 : 0;
  }
  return out;
}
