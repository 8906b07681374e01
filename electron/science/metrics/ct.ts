/**
 * C_T data-copying statistic (Meehan, Chaudhuri, Dasgupta 2020), docs/math.md §5.
 * Cells pi come from k-means on the training set T. In each cell, L(x) = min_t d(x, t) for the
 * generated samples Q_pi (n of them) and the held-out test points P_pi (m of them);
 *   U    = #{(q, p) in Q_pi x P_pi : L(q) > L(p)} + 0.5 #{L(q) = L(p)}
 *          (pairs where the generated sample is farther from the training set),
 *   Z_U  = (U - m n / 2) / sqrt(m n (m + n + 1) / 12),
 *   C_T  = sum_{pi in Pi_tau} P_n(pi) Z_U(pi) / sum_{pi in Pi_tau} P_n(pi),
 * with P_n(pi) the share of test points in pi and Pi_tau the cells holding more than a share
 * tau (default 20 / |Q|, i.e. more than 20) of the generated samples.
 * Copies sit closer to T than test points do: U -> 0, so C_T << 0 means copying and C_T >> 0
 * underfitting; C_T near 0 is what a model that generalises gives.
 */
import { rankSumU } from './mannWhitney';

export interface CtCell {
  cell: number;
  /** Generated samples in the cell (n) and their share of Q. */
  samples: number;
  sampleShare: number;
  /** Held-out test points in the cell (m) and their share P_n of P. */
  test: number;
  testShare: number;
  /** U and Z_U; null when the cell lacks samples or test points. */
  u: number | null;
  z: number | null;
  /** In Pi_tau and with test points: counted in C_T. */
  included: boolean;
}

export interface CtReport {
  /** C_T, or null when no cell qualifies (see `reason`). */
  value: number | null;
  reason: string | null;
  tau: number;
  cells: CtCell[];
}

export function ctStatistic(input: {
  /** L(q) for each generated sample. */
  sampleDistances: ArrayLike<number>;
  sampleCells: ArrayLike<number>;
  /** L(p) for each held-out test point. */
  testDistances: ArrayLike<number>;
  testCells: ArrayLike<number>;
  cells: number;
  /** Minimum share of Q a cell must exceed (default 20 / |Q|). */
  tau?: number;
}): CtReport {
  const { sampleDistances, sampleCells, testDistances, testCells, cells } = input;
  const nq = sampleDistances.length;
  const np = testDistances.length;
  if (sampleCells.length !== nq || testCells.length !== np) {
    throw new Error(`C_T: ${nq} sample distances with ${sampleCells.length} cells, ${np} test distances with ${testCells.length} cells`);
  }
  if (nq === 0 || np === 0) throw new Error(`C_T: needs generated samples and test points, got ${nq} and ${np}`);
  const tau = input.tau ?? 20 / nq;
  const q: number[][] = Array.from({ length: cells }, () => []);
  const p: number[][] = Array.from({ length: cells }, () => []);
  for (let i = 0; i < nq; i++) q[sampleCells[i]!]!.push(sampleDistances[i]!);
  for (let i = 0; i < np; i++) p[testCells[i]!]!.push(testDistances[i]!);
  let weighted = 0;
  let weights = 0;
  const report: CtCell[] = [];
  for (let c = 0; c < cells; c++) {
    const n = q[c]!.length;
    const m = p[c]!.length;
    const sampleShare = n / nq;
    const testShare = m / np;
    let u: number | null = null;
    let z: number | null = null;
    if (n > 0 && m > 0) {
      u = rankSumU(q[c]!, p[c]!).u;
      z = (u - (m * n) / 2) / Math.sqrt((m * n * (m + n + 1)) / 12);
    }
    const included = sampleShare > tau && z !== null;
    if (included) {
      weighted += testShare * z!;
      weights += testShare;
    }
    report.push({ cell: c, samples: n, sampleShare, test: m, testShare, u, z, included });
  }
  if (weights === 0) {
    return { value: null, reason: `no cell holds more than a share ${tau.toFixed(4)} of the ${nq} samples together with test points`, tau, cells: report };
  }
  return { value: weighted / weights, reason: null, tau, cells: report };
}
