/**
 * The audit's cached k-means cells (C_T): a fit handed back to auditMetrics, after the JSON round
 * trip the workspace cache does (electron/jobs/audit/cache.ts), gives the same report as fitting
 * again; a fit for other settings is refitted (with a note), never used.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../helpers/tf';
import { createNoise } from '../../electron/science/noise';
import { createReferenceSet, nearestNeighbours } from '../../electron/science/neighbours';
import { auditMetrics, type AuditInput, type AuditOptions, type CachedKMeans } from '../../electron/science/metrics';
import { loadKMeans, storeKMeans } from '../../electron/jobs/audit/cache';

beforeAll(async () => {
  await useTestBackend();
});

const d = 27;
const n = 300;
const m = 40;
const nTest = 60;
const uniform = (rows: number, seed: number) => {
  const rng = createNoise(seed, 0);
  return Float32Array.from({ length: rows * d }, () => rng.uniform());
};
const train = uniform(n, 21);
const test = uniform(nTest, 22);
const samples = uniform(m, 23);
samples.set(train.subarray(5 * d, 6 * d), 0); // one exact copy

async function audit(extra: Partial<AuditInput>, opts: Partial<AuditOptions> = {}) {
  const ref = createReferenceSet(train, n, d);
  const fitted: CachedKMeans[] = [];
  try {
    const neighbours = await nearestNeighbours(samples, m, ref, 5);
    const report = await auditMetrics(
      { samples, train: ref, neighbours, test: { data: test, n: nTest }, ...extra },
      { cells: 4, kmeansSample: 200, seed: 3, onKMeansFitted: (k) => fitted.push(k), ...opts },
    );
    return { report, fitted };
  } finally {
    ref.dispose();
  }
}

describe('cached k-means cells', () => {
  it('a cached fit (after the JSON round trip) gives the same report and is not refitted', async () => {
    const first = await audit({});
    expect(first.fitted).toHaveLength(1);
    const fit = first.fitted[0]!;
    expect(fit).toMatchObject({ k: 4, d, fitCount: 200, trainCount: n, seed: 3, maxIterations: 50 });
    expect(first.report.ct).not.toBeNull();

    const stored = loadKMeans(JSON.parse(JSON.stringify(storeKMeans(fit))))!;
    expect(Array.from(stored.centroids)).toEqual(Array.from(fit.centroids)); // float64 exact through JSON
    const again = await audit({ kmeans: stored });
    expect(again.fitted).toEqual([]);
    expect(again.report).toEqual(first.report);
  });

  it('a fit for other cells, rows or seed is refitted, with a note, and the report equals a fresh one', async () => {
    const fresh = await audit({});
    const fit = fresh.fitted[0]!;
    for (const stale of [{ ...fit, k: 3 }, { ...fit, fitCount: 100 }, { ...fit, seed: 4 }, { ...fit, trainCount: n + 1 }]) {
      const again = await audit({ kmeans: stale });
      expect(again.fitted).toHaveLength(1);
      expect(again.report.notes.some((x) => x.startsWith('k-means cells refitted'))).toBe(true);
      expect({ ...again.report, notes: [] }).toEqual({ ...fresh.report, notes: [] });
    }
  });

  it('a malformed stored fit is not loaded', () => {
    expect(loadKMeans(undefined)).toBeNull();
    expect(loadKMeans({ k: 2, d, centroids: ['x'] } as never)).toBeNull();
  });
});
