/**
 * The first neighbours of an exact k-NN result: the first K of an exact k-NN (ties by the lower
 * index) are the exact K-NN, so one search with the larger k answers both questions.
 */
import type { NeighbourResult } from './types';

/** The first K neighbour indices of queries `rows`, [rows.length, K]. */
export function firstNeighbourIndices(result: NeighbourResult, rows: readonly number[], K: number): Int32Array {
  if (!Number.isInteger(K) || K < 1 || K > result.k) throw new Error(`firstNeighbourIndices: the result lists ${result.k} neighbours, ${K} asked`);
  const out = new Int32Array(rows.length * K);
  rows.forEach((r, i) => out.set(result.indices.subarray(r * result.k, r * result.k + K), i * K));
  return out;
}

/** The same result with only the first k neighbours of every query. */
export function firstNeighbours(result: NeighbourResult, k: number): NeighbourResult {
  if (k === result.k) return result;
  const all = Array.from({ length: result.m }, (_, i) => i);
  const distances = new Float32Array(result.m * k);
  for (let i = 0; i < result.m; i++) distances.set(result.distances.subarray(i * result.k, i * result.k + k), i * k);
  return { ...result, k, indices: firstNeighbourIndices(result, all, k), distances };
}
