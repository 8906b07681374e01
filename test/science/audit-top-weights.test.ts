/**
 * The audit's exact top softmax weights of the empirical score (electron/jobs/audit/top-weights.ts)
 * against a float64 brute force over every training row, written from the formula
 *   w_i = softmax_i( -||m x - m y_i||^2 / (2 s^2) ),  m = e^{-delta}, s^2 = 1 - e^{-2 delta},
 * on pixels scaled to [-1, 1]. The candidates come from the real exact k-NN search (native kernels
 * when built, else tfjs). Covers near one-hot weights (small delta), spread weights (the search
 * widens until every listed weight is exact), exact ties between training rows, and weights too
 * spread for any search to bound (rows reported undecided, never filled with a guess).
 */
import { describe, expect, it } from 'vitest';
import { exactTopWeights, topWeightsBySearch, TOP_WEIGHTS_MAX_BOUND, type CandidateSearch } from '../../electron/jobs/audit/top-weights';
import { createReferenceSet, nearestNeighbours, pixelRowsToUnit, pixelsToUnit } from '../../electron/science/neighbours';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** n random uint8 rows; rows 7 and 8 are copies of row 5 (exact ties), samples near training rows and fresh. */
function fixture(n: number, d: number, seed: number) {
  const r = lcg(seed);
  const train = new Uint8Array(n * d);
  for (let i = 0; i < train.length; i++) train[i] = Math.floor(r() * 256);
  train.copyWithin(7 * d, 5 * d, 6 * d);
  train.copyWithin(8 * d, 5 * d, 6 * d);
  const near = [5, 11, 40, n - 1];
  const count = near.length + 3;
  const samples = new Uint8Array(count * d);
  near.forEach((row, b) => {
    for (let c = 0; c < d; c++) samples[b * d + c] = Math.min(255, Math.max(0, train[row * d + c]! + Math.round((r() - 0.5) * 6)));
  });
  for (let i = near.length * d; i < samples.length; i++) samples[i] = Math.floor(r() * 256);
  return { train, samples, count };
}

/** float64 softmax over all n rows: top k (largest first, ties by the lower index) and the full weights. */
function bruteForce(samples: Uint8Array, train: Uint8Array, d: number, count: number, n: number, delta: number, k: number) {
  const m = Math.exp(-delta);
  const s2 = 1 - Math.exp(-2 * delta);
  const out: { index: number; weight: number }[][] = [];
  const all: Float64Array[] = [];
  for (let b = 0; b < count; b++) {
    const logits = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let q = 0;
      for (let c = 0; c < d; c++) {
        const t = m * (samples[b * d + c]! / 127.5 - 1) - m * (train[i * d + c]! / 127.5 - 1);
        q += t * t;
      }
      logits[i] = -q / (2 * s2);
    }
    let max = -Infinity;
    for (const l of logits) max = Math.max(max, l);
    let z = 0;
    for (const l of logits) z += Math.exp(l - max);
    const w = logits.map((l) => Math.exp(l - max) / z);
    all.push(w);
    const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => w[q]! - w[p]! || p - q);
    out.push(order.slice(0, k).map((i) => ({ index: i, weight: w[i]! })));
  }
  return { top: out, all };
}

function searchOn(samples: Uint8Array, train: Uint8Array, d: number, used: number): { search: CandidateSearch; dispose: () => void } {
  const ref = createReferenceSet(pixelsToUnit(train, used, d), used, d);
  return {
    search: async (rows, K) => {
      const q = new Float32Array(rows.length * d);
      rows.forEach((r, i) => pixelRowsToUnit(samples, d, r, 1, q.subarray(i * d, (i + 1) * d)));
      return (await nearestNeighbours(q, rows.length, ref, K)).indices;
    },
    dispose: () => ref.dispose(),
  };
}

/** Listed weights equal the brute force up to float32 rounding (relative, or to 0 below float32's range) plus the accepted bound. */
function expectMatches(got: { indices: Int32Array; weights: Float32Array }, ref: ReturnType<typeof bruteForce>, rows: number[], k: number) {
  for (const b of rows) {
    for (let j = 0; j < k; j++) {
      const want = ref.top[b]![j]!;
      // an index may differ only where the weights themselves are equal (exact ties)
      if (got.indices[b * k + j] !== want.index) expect(ref.all[b]![got.indices[b * k + j]!]).toBe(want.weight);
      expect(Math.abs(got.weights[b * k + j]! - want.weight)).toBeLessThanOrEqual(want.weight * (2 ** -23 + TOP_WEIGHTS_MAX_BOUND) + 2 ** -149);
    }
  }
}

describe('exact top softmax weights from the nearest training images', () => {
  const d = 48;
  const n = 300;
  const k = 8;
  const { train, samples, count } = fixture(n, d, 3);
  const all = Array.from({ length: count }, (_, i) => i);

  for (const delta of [0.001, 0.02, 0.2]) {
    it(`delta ${delta}: the widened search answers every row, equal to the float64 brute force`, async () => {
      const { search, dispose } = searchOn(samples, train, d, n);
      try {
        const got = await topWeightsBySearch(samples, train, d, count, n, delta, k, search);
        expect(got.undecided).toEqual([]);
        // near one-hot at small delta (one search of k + 1); at 0.2 some rows need every row searched
        if (delta === 0.2) expect(got.searches).toEqual([9, 72, 300]);
        else expect(got.searches).toEqual([9]);
        expectMatches(got, bruteForce(samples, train, d, count, n, delta, k), all, k);
        for (const b of got.bounds) expect(b).toBeLessThanOrEqual(TOP_WEIGHTS_MAX_BOUND);
      } finally {
        dispose();
      }
    });
  }

  it('with K = k + 1 neighbours: the bound holds the true unsearched mass, and rows it cannot settle are left undecided', async () => {
    const { search, dispose } = searchOn(samples, train, d, n);
    try {
      for (const delta of [0.001, 0.2, 3]) {
        const K = k + 1;
        const cand = await search(all, K);
        const got = exactTopWeights(samples, train, d, count, n, cand, K, delta, k);
        const ref = bruteForce(samples, train, d, count, n, delta, k);
        for (let b = 0; b < count; b++) {
          const listed = new Set(Array.from(cand.subarray(b * K, (b + 1) * K)));
          let inside = 0;
          let outside = 0;
          ref.all[b]!.forEach((w, i) => {
            if (listed.has(i)) inside += w;
            else outside += w;
          });
          if (Number.isFinite(got.bounds[b]!)) expect(outside / inside).toBeLessThanOrEqual(got.bounds[b]! * (1 + 1e-9) + 1e-300);
        }
        const decided = all.filter((b) => !got.undecided.includes(b));
        expectMatches(got, ref, decided, k);
        for (const b of got.undecided) expect(Array.from(got.weights.subarray(b * k, (b + 1) * k))).toEqual(new Array(k).fill(0));
        if (delta === 3) expect(got.undecided.length).toBe(count); // nearly uniform weights: no 9 rows bound the rest
      }
    } finally {
      dispose();
    }
  });

  it('exact ties: copies of one training row get equal weights, listed by the lower index', async () => {
    const { search, dispose } = searchOn(samples, train, d, n);
    try {
      const got = await topWeightsBySearch(samples, train, d, count, n, 0.02, k, search);
      // sample 0 sits near training row 5, whose copies are rows 7 and 8
      expect(Array.from(got.indices.subarray(0, 3))).toEqual([5, 7, 8]);
      expect(got.weights[0]).toBe(got.weights[1]);
      expect(got.weights[1]).toBe(got.weights[2]);
      expect(got.weights[0]! * 3).toBeCloseTo(1, 5);
    } finally {
      dispose();
    }
  });

  it('weights too spread for 512 neighbours of 600 rows: rows are returned undecided for the tfjs score', async () => {
    const big = fixture(600, d, 9);
    const rows = Array.from({ length: big.count }, (_, i) => i);
    const { search, dispose } = searchOn(big.samples, big.train, d, 600);
    try {
      const got = await topWeightsBySearch(big.samples, big.train, d, big.count, 600, 3, k, search);
      expect(got.searches).toEqual([9, 72, 576]);
      expect(got.undecided.length).toBeGreaterThan(0);
      expectMatches(got, bruteForce(big.samples, big.train, d, big.count, 600, 3, k), rows.filter((b) => !got.undecided.includes(b)), k);
    } finally {
      dispose();
    }
  });
});
