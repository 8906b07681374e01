/**
 * auditMetrics end to end on small seeded data with known answers (exact copies, noisy copies,
 * fresh draws), every reported metric checked against a plain brute-force reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { createNoise } from '../../electron/science/noise';
import { createReferenceSet, nearestNeighbours, type ReferenceSet } from '../../electron/science/neighbours';
import {
  assignCells,
  auditMetrics,
  kMeans,
  summarizeMemorization,
  type AuditReport,
  type HeldOutDistances,
  type TrainingRadii,
} from '../../electron/science/metrics';

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useTestBackend();
});

const d = 48;
const n = 240;
const nTest = 80;

function uniform(rows: number, seed: number): Float32Array {
  const rng = createNoise(seed, 0);
  return Float32Array.from({ length: rows * d }, () => rng.uniform());
}

const train = uniform(n, 11);
train.set(train.subarray(0, d), 239 * d); // row 239 duplicates row 0
const labels = Array.from({ length: n }, (_, i) => i % 4);
const test = uniform(nTest, 12);

/** 30 exact copies, 30 copies with N(0, 0.01^2) noise, 40 fresh draws from the same law. */
function mixedSamples(): { data: Float32Array; m: number; source: number[] } {
  const m = 100;
  const data = new Float32Array(m * d);
  const source: number[] = [];
  const noise = createNoise(13, 0).normalArray(30 * d);
  const fresh = uniform(40, 14);
  for (let i = 0; i < 60; i++) {
    const row = (i * 7) % n === 239 ? 1 : (i * 7) % n;
    source.push(row);
    for (let j = 0; j < d; j++) data[i * d + j] = train[row * d + j]! + (i >= 30 ? 0.01 * noise[(i - 30) * d + j]! : 0);
  }
  data.set(fresh, 60 * d);
  return { data, m, source };
}

// ---- brute-force references, written plainly -------------------------------------------
function dist(a: Float32Array, i: number, b: Float32Array, j: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += (a[i * d + c]! - b[j * d + c]!) ** 2;
  return Math.fround(Math.sqrt(s));
}
function sortedNeighbours(a: Float32Array, i: number, b: Float32Array, rows: number, skip = -1) {
  const all: { j: number; dist: number }[] = [];
  for (let j = 0; j < rows; j++) if (j !== skip) all.push({ j, dist: dist(a, i, b, j) });
  return all.sort((x, y) => x.dist - y.dist || x.j - y.j);
}
function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

async function runAudit(samples: Float32Array, m: number, extra: Partial<Parameters<typeof auditMetrics>[1]> = {}, withTest = true) {
  const ref = createReferenceSet(train, n, d, { chunkSize: 64 });
  const computed: { trainingRadii?: TrainingRadii; heldOut?: HeldOutDistances }[] = [];
  try {
    const neighbours = await nearestNeighbours(samples, m, ref, 10);
    const report = await auditMetrics(
      { samples, train: ref, neighbours, trainLabels: labels, classNames: ['a', 'b', 'c', 'd'], ...(withTest ? { test: { data: test, n: nTest } } : {}) },
      { calibratedN: 10, cells: 3, kmeansSample: n, maxRadiiPoints: n, seed: 5, onComputed: (p) => computed.push(p), ...extra },
    );
    return { report, computed, ref };
  } finally {
    ref.dispose();
  }
}

describe('auditMetrics', () => {
  let mixed: ReturnType<typeof mixedSamples>;
  let report: AuditReport;
  let computed: { trainingRadii?: TrainingRadii; heldOut?: HeldOutDistances }[];

  beforeAll(async () => {
    mixed = mixedSamples();
    const start = tf.memory().numTensors;
    ({ report, computed } = await runAudit(mixed.data, mixed.m));
    expect(tf.memory().numTensors).toBe(start);
  });

  it('finds exact copies at distance 0 with the right index; copies and noisy copies are memorised, fresh draws are not', () => {
    const { perSample } = report;
    for (let i = 0; i < 30; i++) {
      expect(perSample[i]!.neighbours[0]).toEqual({ index: mixed.source[i], label: labels[mixed.source[i]!], distance: 0 });
      expect(perSample[i]!.ratio).toBe(0);
      expect(perSample[i]!.calibrated).toBe(0);
      expect(perSample[i]!.memorized).toBe(true);
      expect(perSample[i]!.authentic).toBe(false);
    }
    for (let i = 30; i < 60; i++) {
      expect(perSample[i]!.neighbours[0]!.index).toBe(mixed.source[i]);
      expect(perSample[i]!.memorized).toBe(true);
      expect(perSample[i]!.ratio).toBeLessThan(0.1);
    }
    for (let i = 60; i < 100; i++) expect(perSample[i]!.memorized).toBe(false);
    expect(report.memorizedFraction).toBe(0.6);
    expect(report.memorizedCI[0]).toBeLessThanOrEqual(0.6);
    expect(report.memorizedCI[1]).toBeGreaterThanOrEqual(0.6);
    expect(report.memorizedCI[1] - report.memorizedCI[0]).toBeGreaterThan(0.1);
    expect(report.count).toBe(100);
    expect(report.k).toBe(10);
  });

  it('per-sample neighbours, ratio, calibrated distance and test distance equal brute force', () => {
    for (let i = 0; i < mixed.m; i++) {
      const nb = sortedNeighbours(mixed.data, i, train, n);
      const s = report.perSample[i]!;
      expect(s.neighbours).toEqual(nb.slice(0, 10).map((x) => ({ index: x.j, label: labels[x.j], distance: x.dist })));
      const ratio = nb[0]!.dist === 0 ? 0 : nb[0]!.dist / nb[1]!.dist;
      expect(s.ratio).toBeCloseTo(ratio, 12);
      expect(s.memorized).toBe(ratio < 1 / 3);
      const mean10 = nb.slice(0, 10).reduce((a, x) => a + x.dist, 0) / 10;
      expect(s.calibrated).toBeCloseTo(nb[0]!.dist === 0 ? 0 : nb[0]!.dist / (0.5 * mean10), 10);
      expect(s.testD1).toBe(sortedNeighbours(mixed.data, i, test, nTest)[0]!.dist);
    }
    const d1 = report.perSample.map((s) => s.neighbours[0]!.distance);
    expect(report.medianD1).toBeCloseTo(medianOf(d1), 12);
    expect(report.medianRatio).toBeCloseTo(medianOf(report.perSample.map((s) => s.ratio)), 12);
    expect(report.calibrated.extractedFraction).toBe(report.perSample.filter((s) => s.calibrated < 1).length / 100);
  });

  it('authenticity, coverage and per-class breakdown equal brute force', () => {
    let authentic = 0;
    const nn1 = new Set<number>();
    const perClass = [0, 1, 2, 3].map(() => ({ count: 0, memorized: 0 }));
    for (let i = 0; i < mixed.m; i++) {
      const r = sortedNeighbours(mixed.data, i, train, n)[0]!;
      const own = sortedNeighbours(train, r.j, train, n, r.j)[0]!.dist;
      const isAuthentic = r.dist > own;
      expect(report.perSample[i]!.authentic).toBe(isAuthentic);
      if (isAuthentic) authentic++;
      nn1.add(r.j);
      perClass[labels[r.j]!]!.count++;
      if (report.perSample[i]!.memorized) perClass[labels[r.j]!]!.memorized++;
    }
    expect(report.authenticity).toEqual({ fraction: authentic / 100, authentic });
    expect(authentic).toBeGreaterThan(10); // fresh draws are mostly authentic
    expect(report.coverage).toEqual({ distinct: nn1.size, fraction: nn1.size / n });
    expect(report.perClass!.map((c) => ({ count: c.count, memorized: c.memorized }))).toEqual(perClass);
    expect(report.perClass![2]!.name).toBe('c');
  });

  it('train/test gap: Mann–Whitney U and histograms equal brute force; samples sit closer than test images', () => {
    const gap = report.trainTestGap!;
    const lq = report.perSample.map((s) => s.neighbours[0]!.distance);
    const lp = Array.from({ length: nTest }, (_, i) => sortedNeighbours(test, i, train, n)[0]!.dist);
    let u = 0;
    for (const a of lq) for (const b of lp) u += a > b ? 1 : a === b ? 0.5 : 0;
    expect(gap.mannWhitney.u).toBe(u);
    expect(gap.mannWhitney.z).toBeLessThan(-3);
    expect(gap.testCount).toBe(nTest);
    expect(gap.testMedian).toBeCloseTo(medianOf(lp), 12);
    expect(gap.histogram.samples.reduce((a, b) => a + b, 0)).toBe(100);
    expect(gap.histogram.test.reduce((a, b) => a + b, 0)).toBe(nTest);
    expect(computed.find((c) => c.heldOut)!.heldOut!.distances).toEqual(lp);
  });

  it('C_T equals the definition computed plainly on the same k-means cells, and is negative here', () => {
    const model = kMeans(train, n, d, 3, { seed: 5, rows: Int32Array.from({ length: n }, (_, i) => i) });
    const cq = assignCells(mixed.data, 100, model);
    const cp = assignCells(test, nTest, model);
    const lq = report.perSample.map((s) => s.neighbours[0]!.distance);
    const lp = Array.from({ length: nTest }, (_, i) => sortedNeighbours(test, i, train, n)[0]!.dist);
    let num = 0, den = 0;
    for (let c = 0; c < 3; c++) {
      const q = lq.filter((_, i) => cq[i] === c);
      const p = lp.filter((_, i) => cp[i] === c);
      if (q.length <= 20 || p.length === 0) continue;
      let u = 0;
      for (const a of q) for (const b of p) u += a > b ? 1 : a === b ? 0.5 : 0;
      const z = (u - (q.length * p.length) / 2) / Math.sqrt((q.length * p.length * (q.length + p.length + 1)) / 12);
      num += (p.length / nTest) * z;
      den += p.length / nTest;
    }
    expect(report.ct!.value).toBeCloseTo(num / den, 12);
    expect(report.ct!.value!).toBeLessThan(-2);
  });

  it('precision and recall equal brute force with k = 3 radii in each set', () => {
    const radius = (set: Float32Array, rows: number, i: number) => sortedNeighbours(set, i, set, rows, i)[2]!.dist;
    const trainRadii = Array.from({ length: n }, (_, i) => radius(train, n, i));
    const sampleRadii = Array.from({ length: 100 }, (_, i) => radius(mixed.data, 100, i));
    let precise = 0;
    for (let i = 0; i < 100; i++) if (trainRadii.some((r, j) => dist(mixed.data, i, train, j) <= r)) precise++;
    let recalled = 0;
    for (let j = 0; j < n; j++) if (sampleRadii.some((r, i) => dist(mixed.data, i, train, j) <= r)) recalled++;
    expect(report.precision).toBe(precise / 100);
    expect(report.recall).toBe(recalled / n);
    expect(report.precisionRecall).toEqual({ k: 3, realCount: n, sampleCount: 100 });
    expect(computed.find((c) => c.trainingRadii)!.trainingRadii!.radii).toEqual(trainRadii);
  });

  it('is plain JSON, and a new threshold re-filters from the ratios alone', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const ratios = report.perSample.map((s) => s.ratio);
    const relaxed = summarizeMemorization(ratios, 0.95, { seed: 5 });
    expect(relaxed.memorizedCount).toBe(ratios.filter((r) => r < 0.95).length);
  });

  it('reuses cached radii and held-out distances: same report, nothing recomputed', async () => {
    const radii = computed.find((c) => c.trainingRadii)!.trainingRadii!;
    const heldOut = computed.find((c) => c.heldOut)!.heldOut!;
    const ref = createReferenceSet(train, n, d);
    const seen: unknown[] = [];
    try {
      const neighbours = await nearestNeighbours(mixed.data, 100, ref, 10);
      const again = await auditMetrics(
        { samples: mixed.data, train: ref, neighbours, trainLabels: labels, classNames: ['a', 'b', 'c', 'd'], test: { data: test, n: nTest }, trainingRadii: radii, heldOut },
        { calibratedN: 10, cells: 3, kmeansSample: n, maxRadiiPoints: n, seed: 5, onComputed: (p) => seen.push(p) },
      );
      expect(seen).toEqual([]);
      expect(again).toEqual(report);
    } finally {
      ref.dispose();
    }
  });
});

describe('auditMetrics, other cases', () => {
  it('all exact copies: all memorised, none authentic, precision 1, C_T strongly negative', async () => {
    const m = 90;
    const samples = new Float32Array(m * d);
    for (let i = 0; i < m; i++) samples.set(train.subarray((i + 1) * d, (i + 2) * d), i * d);
    const { report } = await runAudit(samples, m);
    expect(report.memorizedFraction).toBe(1);
    expect(report.memorizedCI).toEqual([1, 1]);
    expect(report.medianD1).toBe(0);
    expect(report.authenticity!.fraction).toBe(0);
    expect(report.precision).toBe(1);
    expect(report.coverage.distinct).toBe(90);
    expect(report.ct!.value!).toBeLessThan(-5);
  });

  it('a training-radii subsample matches brute force on the rows it names; no test split or labels says why', async () => {
    const { data, m } = mixedSamples();
    const ref = createReferenceSet(train, n, d, { chunkSize: 50 });
    let radii: TrainingRadii | undefined;
    let report: AuditReport;
    try {
      const neighbours = await nearestNeighbours(data, m, ref, 3);
      report = await auditMetrics({ samples: data, train: ref, neighbours }, { maxRadiiPoints: 100, authenticity: false, onComputed: (p) => (radii = p.trainingRadii ?? radii) });
    } finally {
      ref.dispose();
    }
    expect(radii!.indices.length).toBe(100);
    const rows = radii!.indices;
    const sub = new Float32Array(rows.length * d);
    rows.forEach((r, i) => sub.set(train.subarray(r * d, (r + 1) * d), i * d));
    const rad = rows.map((_, i) => sortedNeighbours(sub, i, sub, rows.length, i)[2]!.dist);
    expect(radii!.radii).toEqual(rad);
    let precise = 0;
    for (let i = 0; i < m; i++) if (rad.some((r, j) => dist(data, i, sub, j) <= r)) precise++;
    expect(report.precision).toBe(precise / m);
    expect(report.precisionRecall!.realCount).toBe(100);
    expect(report.ct).toBeNull();
    expect(report.trainTestGap).toBeNull();
    expect(report.perClass).toBeNull();
    expect(report.authenticity).toBeNull();
    expect(report.perSample[0]!.testD1).toBeNull();
    expect(report.unavailable).toMatchObject({ ct: 'no held-out test split was given', perClass: 'the training set has no labels', authenticity: 'turned off' });
    expect(report.notes[0]).toMatch(/averages the 3 nearest/);
    expect(report.k).toBe(3);
  });

  it('rejects mismatched inputs with what was expected and found', async () => {
    const ref: ReferenceSet = createReferenceSet(train, n, d);
    try {
      const neighbours = await nearestNeighbours(train.subarray(0, 5 * d), 5, ref, 2);
      await expect(auditMetrics({ samples: new Float32Array(4 * d), train: ref, neighbours })).rejects.toThrow(/expected 5 x 48 = 240 sample values, found 192/);
      await expect(auditMetrics({ samples: train.subarray(0, 5 * d), train: ref, neighbours, trainLabels: [1, 2] })).rejects.toThrow(/2 training labels for 240/);
    } finally {
      ref.dispose();
    }
  });
});
