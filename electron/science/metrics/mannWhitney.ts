/**
 * Mann–Whitney U test, normal approximation with tie correction, two-sided.
 * U_x = #{(i, j): x_i > y_j} + 0.5 #{x_i = y_j}  ( = R_x - n_x (n_x + 1) / 2 with mid-ranks),
 * E[U] = n_x n_y / 2,
 * Var[U] = n_x n_y / 12 * ((N + 1) - sum_ties (t^3 - t) / (N (N - 1))),  N = n_x + n_y,
 * z = (U_x - E[U]) / sqrt(Var[U]) (no continuity correction), p = P(|Z| >= |z|).
 * Here x are typically generated samples: U_x small (z << 0) means x sit below y.
 */
import { twoSidedNormalP } from './stats';

export interface MannWhitneyResult {
  /** U of the first sample: pairs where x is larger, ties counting one half. */
  u: number;
  nx: number;
  ny: number;
  /** U / (nx ny): probability that a random x exceeds a random y (ties one half). */
  auc: number;
  z: number;
  /** Two-sided p-value, normal approximation with tie correction. */
  p: number;
}

/** U_x and the tie term sum (t^3 - t) over groups of equal values in the pooled sample. */
export function rankSumU(x: ArrayLike<number>, y: ArrayLike<number>): { u: number; tieTerm: number } {
  const nx = x.length;
  const n = nx + y.length;
  const values = new Float64Array(n);
  for (let i = 0; i < nx; i++) values[i] = x[i]!;
  for (let j = 0; j < y.length; j++) values[nx + j] = y[j]!;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  let rankSumX = 0;
  let tieTerm = 0;
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && values[order[e]!] === values[order[s]!]) e++;
    const midRank = (s + 1 + e) / 2; // ranks s+1..e share their mean
    for (let i = s; i < e; i++) if (order[i]! < nx) rankSumX += midRank;
    const t = e - s;
    tieTerm += t * t * t - t;
    s = e;
  }
  return { u: rankSumX - (nx * (nx + 1)) / 2, tieTerm };
}

export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitneyResult {
  const nx = x.length;
  const ny = y.length;
  if (nx === 0 || ny === 0) throw new Error(`Mann–Whitney: both samples need values, got ${nx} and ${ny}`);
  const { u, tieTerm } = rankSumU(x, y);
  const n = nx + ny;
  const variance = ((nx * ny) / 12) * (n + 1 - (n > 1 ? tieTerm / (n * (n - 1)) : 0));
  const z = variance > 0 ? (u - (nx * ny) / 2) / Math.sqrt(variance) : 0;
  return { u, nx, ny, auc: u / (nx * ny), z, p: variance > 0 ? twoSidedNormalP(z) : 1 };
}
