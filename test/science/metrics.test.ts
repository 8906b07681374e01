/**
 * The metric building blocks of docs/math.md §5, each against a hand-computed value or a plain
 * brute-force reference written out here.
 */
import { describe, expect, it } from 'vitest';
import { createNoise } from '../../electron/science/noise';
import {
  assignCells,
  authenticFlags,
  bootstrapFraction,
  calibratedDistances,
  ctStatistic,
  erfc,
  histogram,
  kMeans,
  mannWhitneyU,
  median,
  memorizedFlags,
  nearestRatios,
  perClassMemorization,
  seededSubsample,
  sharedEdges,
  summarizeMemorization,
  trainingCoverage,
} from '../../electron/science/metrics';
import type { NeighbourResult } from '../../electron/science/neighbours';

function result(rows: number[][], indices?: number[][]): NeighbourResult {
  const k = rows[0]!.length;
  return {
    m: rows.length,
    k,
    distances: Float32Array.from(rows.flat()),
    indices: Int32Array.from(indices ? indices.flat() : rows.flatMap((r) => r.map((_, j) => j))),
  };
}

describe('Mann–Whitney U', () => {
  it('matches a hand-computed example with a tie', () => {
    // x = 1.1, 2.0, 3.5; y = 2.0, 4.0, 5.0, 6.0
    // pairs x > y: (3.5 > 2.0) = 1, tie (2.0 = 2.0) = 0.5 -> U = 1.5;  E[U] = 3*4/2 = 6
    // one tie group of t = 2: sum (t^3 - t) = 6, N = 7
    // Var = 12/12 * (8 - 6/42) = 7.857142857...; z = -4.5 / 2.8030595529 = -1.6053886530
    // p = erfc(|z| / sqrt 2) = 0.1084082999814652 (scipy mannwhitneyu, no continuity: same)
    const r = mannWhitneyU([1.1, 2.0, 3.5], [2.0, 4.0, 5.0, 6.0]);
    expect(r.u).toBe(1.5);
    expect(r.auc).toBeCloseTo(1.5 / 12, 15);
    expect(r.z).toBeCloseTo(-1.6053886530285204, 12);
    expect(r.p).toBeCloseTo(0.10840829998146523, 7);
  });

  it('matches a hand-computed example without ties, and is symmetric', () => {
    // x = 1, 2; y = 3, 4, 5: U = 0, Var = 6/12 * 6 = 3, z = -sqrt 3, p = 0.0832645166635504
    const r = mannWhitneyU([1, 2], [3, 4, 5]);
    expect(r.u).toBe(0);
    expect(r.z).toBeCloseTo(-Math.sqrt(3), 12);
    expect(r.p).toBeCloseTo(0.0832645166635504, 7);
    const s = mannWhitneyU([3, 4, 5], [1, 2]);
    expect(s.u).toBe(6);
    expect(s.z).toBeCloseTo(Math.sqrt(3), 12);
    expect(s.p).toBeCloseTo(r.p, 15);
  });

  it('counts pairs like a brute-force double loop on tie-heavy data; all tied gives p = 1', () => {
    const rng = createNoise(1, 0);
    const x = Array.from(rng.uniformInt(6, 40));
    const y = Array.from(rng.uniformInt(6, 55), (v) => v + 1);
    let u = 0;
    for (const a of x) for (const b of y) u += a > b ? 1 : a === b ? 0.5 : 0;
    expect(mannWhitneyU(x, y).u).toBe(u);
    const flat = mannWhitneyU([2, 2, 2], [2, 2]);
    expect(flat.z).toBe(0);
    expect(flat.p).toBe(1);
  });

  it('erfc keeps 1e-7 relative accuracy into the tail', () => {
    const known: [number, number][] = [[0, 1], [0.3, 0.6713732405408726], [1, 0.15729920705028513], [2, 0.004677734981047265], [5, 1.5374597944280351e-12], [-1, 1.842700792949715]];
    for (const [x, v] of known) expect(Math.abs(erfc(x) - v) / v).toBeLessThan(1.3e-7);
  });
});

describe('descriptive statistics', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('histogram counts match a brute-force bin search; the last bin is closed', () => {
    const rng = createNoise(2, 0);
    const a = Array.from(rng.normalArray(300));
    const b = Array.from({ length: 200 }, () => 1 + rng.uniform());
    const edges = sharedEdges([a, b], 17);
    expect(edges.length).toBe(18);
    for (const values of [a, b]) {
      const counts = histogram(values, edges);
      const want = new Array<number>(17).fill(0);
      for (const v of values) {
        for (let bin = 0; bin < 17; bin++) {
          if (v >= edges[bin]! && (v < edges[bin + 1]! || (bin === 16 && v === edges[17]))) {
            want[bin]!++;
            break;
          }
        }
      }
      expect(counts).toEqual(want);
      expect(counts.reduce((s, c) => s + c, 0)).toBe(values.length);
    }
    expect(sharedEdges([[2, 2]], 2)).toEqual([1.5, 2, 2.5]);
  });
});

describe('memorisation ratio and calibrated distance', () => {
  it('ratio = d1 / d2, an exact copy gives 0 (also with a duplicate at 0), flags at the threshold', () => {
    const r = nearestRatios(result([[0, 2], [0, 0], [1, 4], [3, 3], [1, 3]]));
    expect(Array.from(r)).toEqual([0, 0, 0.25, 1, 1 / 3]);
    expect(Array.from(memorizedFlags(r))).toEqual([1, 1, 1, 0, 0]); // 1/3 is not < 1/3
    expect(Array.from(memorizedFlags(r, 0.5))).toEqual([1, 1, 1, 0, 1]);
    expect(() => nearestRatios(result([[1], [2]]))).toThrow(/k >= 2/);
  });

  it('calibrated = d1 / (alpha * mean of the n nearest), the sqrt(D) of l2n cancelling', () => {
    const rows = [[1, 2, 3, 6], [0, 0, 1, 1], [2, 2, 2, 2], [0, 0, 0, 0]];
    const c = calibratedDistances(result(rows), 3, 0.5);
    expect(c.n).toBe(3);
    // plain formula with l2n = L2 / sqrt(D), D = 3072
    const D = 3072;
    const want = rows.map((r) => {
      const l2n = r.slice(0, 3).map((v) => v / Math.sqrt(D));
      const meanL2n = l2n.reduce((s, v) => s + v, 0) / 3;
      return r[0] === 0 ? 0 : r[0]! / Math.sqrt(D) / (0.5 * meanL2n);
    });
    Array.from(c.values).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    expect(c.values[2]).toBeCloseTo(2, 12); // equidistant neighbours: 1 / alpha
    expect(calibratedDistances(result(rows), 50).n).toBe(4); // capped at the k searched
  });
});

describe('bootstrap interval of the memorised fraction', () => {
  const flagsOf = (n: number, p: number, seed: number) => {
    const rng = createNoise(seed, 0);
    return Uint8Array.from({ length: n }, () => (rng.uniform() < p ? 1 : 0));
  };

  it('contains the estimate, is seeded, and shrinks like 1/sqrt(n)', () => {
    const small = bootstrapFraction(flagsOf(100, 0.3, 3), { seed: 7 });
    const large = bootstrapFraction(flagsOf(2500, 0.3, 4), { seed: 7 });
    for (const ci of [small, large]) {
      expect(ci.lo).toBeLessThanOrEqual(ci.estimate);
      expect(ci.hi).toBeGreaterThanOrEqual(ci.estimate);
    }
    const ws = small.hi - small.lo;
    const wl = large.hi - large.lo;
    expect(wl).toBeLessThan(ws / 3);
    // normal-approximation width 2 * 1.96 * sqrt(p (1 - p) / n) within 20%
    const normalWidth = (ci: typeof small) => 2 * 1.96 * Math.sqrt((ci.estimate * (1 - ci.estimate)) / ci.n);
    expect(ws / normalWidth(small)).toBeGreaterThan(0.8);
    expect(ws / normalWidth(small)).toBeLessThan(1.2);
    expect(bootstrapFraction(flagsOf(100, 0.3, 3), { seed: 7 })).toEqual(small);
    expect(bootstrapFraction(flagsOf(100, 0.3, 3), { seed: 8 })).not.toEqual(small);
    expect(bootstrapFraction(new Uint8Array(50).fill(1))).toMatchObject({ estimate: 1, lo: 1, hi: 1 });
  });

  it('a new threshold is one cheap call on the ratios', () => {
    const ratios = [0, 0.1, 0.2, 0.34, 0.5, 0.9];
    expect(summarizeMemorization(ratios).memorizedCount).toBe(3);
    const s = summarizeMemorization(ratios, 0.6);
    expect(s.memorizedFraction).toBeCloseTo(5 / 6, 15);
    expect(s.count).toBe(6);
  });
});

describe('k-means (seeded k-means++ then Lloyd)', () => {
  it('recovers separated blobs and ends at a Lloyd fixed point', () => {
    const d = 6, per = 40, k = 3;
    const rng = createNoise(5, 0);
    const data = new Float32Array(k * per * d);
    const blob: number[] = [];
    for (let b = 0; b < k; b++) {
      for (let i = 0; i < per; i++) {
        const row = b * per + i;
        blob.push(b);
        for (let j = 0; j < d; j++) data[row * d + j] = 5 * b + 0.3 * rng.uniform();
      }
    }
    const n = k * per;
    const model = kMeans(data, n, d, k, { seed: 1 });
    const cells = assignCells(data, n, model);
    // same partition as the blobs
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(cells[i] === cells[j]).toBe(blob[i] === blob[j]);
    // fixed point: centres are the means of their rows, rows sit in their nearest centre
    for (let c = 0; c < k; c++) {
      const members = Array.from({ length: n }, (_, i) => i).filter((i) => cells[i] === c);
      for (let j = 0; j < d; j++) {
        const meanJ = members.reduce((s, i) => s + data[i * d + j]!, 0) / members.length;
        expect(model.centroids[c * d + j]).toBeCloseTo(meanJ, 10);
      }
    }
    expect(kMeans(data, n, d, k, { seed: 1 })).toEqual(model);
  });

  it('fits on a row subset and assigns other points', () => {
    const rng = createNoise(6, 0);
    const data = Float32Array.from({ length: 200 * 4 }, () => rng.uniform());
    const rows = seededSubsample(200, 50, 3, 1);
    expect(rows.length).toBe(50);
    expect(new Set(rows).size).toBe(50);
    expect(Array.from(rows)).toEqual(Array.from(rows).sort((a, b) => a - b));
    const model = kMeans(data, 200, 4, 5, { rows, seed: 2 });
    const cells = assignCells(data, 200, model);
    for (let i = 0; i < 200; i++) {
      let best = 0, bestD = Infinity;
      for (let c = 0; c < 5; c++) {
        let s = 0;
        for (let j = 0; j < 4; j++) s += (data[i * 4 + j]! - model.centroids[c * 4 + j]!) ** 2;
        if (s < bestD) { bestD = s; best = c; }
      }
      expect(cells[i]).toBe(best);
    }
  });
});

describe('C_T (Meehan et al.)', () => {
  /** The definition written plainly: U by a double loop over pairs. */
  function ctReference(lq: number[], cq: number[], lp: number[], cp: number[], cells: number, tau: number): number | null {
    let num = 0, den = 0;
    for (let c = 0; c < cells; c++) {
      const q = lq.filter((_, i) => cq[i] === c);
      const p = lp.filter((_, i) => cp[i] === c);
      if (q.length / lq.length <= tau || p.length === 0) continue;
      let u = 0;
      for (const a of q) for (const b of p) u += a > b ? 1 : a === b ? 0.5 : 0;
      const m = p.length, n = q.length;
      const z = (u - (m * n) / 2) / Math.sqrt((m * n * (m + n + 1)) / 12);
      const share = p.length / lp.length;
      num += share * z;
      den += share;
    }
    return den > 0 ? num / den : null;
  }

  it('equals the plain definition on random cells, tau excluding thin cells', () => {
    const rng = createNoise(7, 0);
    const lq = Array.from({ length: 150 }, () => Math.round(rng.uniform() * 20) / 10); // with ties
    const lp = Array.from({ length: 90 }, () => Math.round(rng.uniform() * 20) / 10);
    const cq = Array.from({ length: 150 }, (_, i) => (i < 15 ? 4 : Math.floor(rng.uniform() * 4))); // cell 4 is thin
    const cp = Array.from(rng.uniformInt(5, 90));
    const r = ctStatistic({ sampleDistances: lq, sampleCells: cq, testDistances: lp, testCells: cp, cells: 5 });
    expect(r.tau).toBeCloseTo(20 / 150, 15);
    expect(r.value).toBeCloseTo(ctReference(lq, cq, lp, cp, 5, 20 / 150)!, 12);
    expect(r.cells[4]!.samples).toBe(15);
    expect(r.cells[4]!.included).toBe(false);
  });

  it('copies give C_T << 0, samples farther than the test points give C_T >> 0', () => {
    const rng = createNoise(8, 0);
    const lp = Array.from({ length: 200 }, () => 1 + rng.uniform());
    const cp = Array.from(rng.uniformInt(3, 200));
    const cq = Array.from(rng.uniformInt(3, 300));
    const copies = ctStatistic({ sampleDistances: new Array(300).fill(0), sampleCells: cq, testDistances: lp, testCells: cp, cells: 3 });
    expect(copies.value!).toBeLessThan(-10);
    const far = ctStatistic({ sampleDistances: Array.from({ length: 300 }, () => 3 + rng.uniform()), sampleCells: cq, testDistances: lp, testCells: cp, cells: 3 });
    expect(far.value!).toBeGreaterThan(10);
    const alike = ctStatistic({ sampleDistances: Array.from({ length: 300 }, () => 1 + rng.uniform()), sampleCells: cq, testDistances: lp, testCells: cp, cells: 3 });
    expect(Math.abs(alike.value!)).toBeLessThan(3);
  });

  it('says why when no cell qualifies', () => {
    const r = ctStatistic({ sampleDistances: [1, 2], sampleCells: [0, 1], testDistances: [1], testCells: [0], cells: 2 });
    expect(r.value).toBeNull();
    expect(r.reason).toMatch(/no cell holds more than a share/);
  });
});

describe('authenticity, coverage, per class', () => {
  it('authentic iff d(g, r*) > d(r*, NN1(r*; T \\ r*))', () => {
    const own = new Map([[3, 0.5], [7, 0.2]]);
    expect(Array.from(authenticFlags([0, 0.5, 0.6, 0.1, 0.3], [3, 3, 3, 7, 7], own))).toEqual([0, 0, 1, 0, 1]);
    expect(() => authenticFlags([1], [9], own)).toThrow(/training row 9/);
  });

  it('coverage counts distinct nearest training images', () => {
    expect(trainingCoverage([4, 4, 2, 9, 2], 20)).toEqual({ distinct: 3, fraction: 3 / 20 });
  });

  it('per-class counts and memorised fractions follow the class of NN1', () => {
    const labels = [0, 1, 2, 1, 0, 2];
    const out = perClassMemorization([1, 3, 0, 1, 4], [1, 0, 1, 1, 0], labels, ['a', 'b', 'c']);
    expect(out).toEqual([
      { label: 0, name: 'a', count: 2, memorized: 1, memorizedFraction: 0.5 },
      { label: 1, name: 'b', count: 3, memorized: 2, memorizedFraction: 2 / 3 },
      { label: 2, name: 'c', count: 0, memorized: 0, memorizedFraction: null },
    ]);
  });
});
