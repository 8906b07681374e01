/**
 * Authenticity's leave-one-out NN1 distances of training rows, cached by row in the workspace
 * (electron/jobs/audit/cache.ts): a complete cache means no search and the same report, a partial
 * one means only the missing rows are searched, and the distances equal a float64 brute force.
 * Also: one search with the larger k serves both the audit's k and the top weights' first round.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../helpers/tf';
import { createNoise } from '../../electron/science/noise';
import { createReferenceSet, firstNeighbours, firstNeighbourIndices, nearestNeighbours, selfNeighbours } from '../../electron/science/neighbours';
import { auditMetrics, type AuditInput } from '../../electron/science/metrics';
import { loadSelfDistances, storeSelfDistances } from '../../electron/jobs/audit/cache';
import { bruteForce } from './fixtures/neighbour-references';
import { pixelLevels } from '../helpers/seeded';

beforeAll(async () => {
  await useTestBackend();
});

const d = 48, n = 400, m = 30;
const rng = createNoise(31, 0);
const train = Uint8Array.from(rng.uniformInt(256, n * d));
train.copyWithin(9 * d, 2 * d, 3 * d); // rows 2 and 9 equal: a leave-one-out distance of 0
const unit = pixelLevels(train);
const samples = Float32Array.from({ length: m * d }, () => rng.uniform());
samples.set(unit.subarray(2 * d, 3 * d), 0);
samples.set(unit.subarray(7 * d, 8 * d), d);

/** The report and the rows authenticity searched, with `known` handed in as the cache. */
async function audit(known?: Map<number, number>) {
  const ref = createReferenceSet(train, n, d);
  const searched: number[][] = [];
  try {
    const neighbours = await nearestNeighbours(samples, m, ref, 5);
    const input: AuditInput = { samples, train: ref, neighbours, ...(known ? { trainSelfDistances: known } : {}) };
    const report = await auditMetrics(input, { precisionRecall: false, onSelfDistances: (fresh) => searched.push([...fresh.keys()]) });
    const nn1 = [...new Set(Array.from({ length: m }, (_, i) => neighbours.indices[i * 5]!))].sort((a, b) => a - b);
    return { report, searched, nn1 };
  } finally {
    ref.dispose();
  }
}

describe('cached leave-one-out distances (authenticity)', () => {
  it('fresh distances equal a float64 brute force; a full cache searches nothing, a partial one only the rest', async () => {
    const fresh = await audit();
    expect(fresh.searched).toEqual([fresh.nn1]);
    const cache = new Map<number, number>();
    const rows = fresh.nn1;
    const want = bruteForce(Float32Array.from(rows.flatMap((r) => Array.from(unit.subarray(r * d, (r + 1) * d)))), rows.length, unit, n, d, 1, rows);
    // what the audit searched, as the cache would store it (JSON round trip)
    const ref = createReferenceSet(train, n, d);
    let stored;
    try {
      const own = await selfNeighbours(ref, 1, { rows });
      rows.forEach((r, i) => cache.set(r, own.distances[i]!));
      expect(Array.from(own.distances)).toEqual(want.distances);
      stored = loadSelfDistances(JSON.parse(JSON.stringify(storeSelfDistances(cache))), n);
    } finally {
      ref.dispose();
    }
    expect(stored).toEqual(cache);
    expect(cache.get(2)).toBe(0); // row 2's twin, row 9

    const full = await audit(stored);
    expect(full.searched).toEqual([]);
    expect(full.report).toEqual(fresh.report);

    const partial = new Map([...stored].filter(([r]) => r % 2 === 0));
    const half = await audit(partial);
    expect(half.searched).toEqual([rows.filter((r) => r % 2 === 1)]);
    expect(half.report).toEqual(fresh.report);
  });

  it('malformed cache entries are left out (searched again)', () => {
    const got = loadSelfDistances({ rows: [1, -1, 2.5, 3, 400], distances: [0.5, 1, 1, Number.NaN, 1] }, n);
    expect([...got]).toEqual([[1, 0.5]]);
    expect(loadSelfDistances({ rows: [1], distances: [] }, n).size).toBe(0);
    expect(loadSelfDistances(null, n).size).toBe(0);
  });
});

describe('first neighbours of a wider search', () => {
  it('the first k of an exact 9-NN equal an exact k-NN and a brute force', async () => {
    const ref = createReferenceSet(train, n, d);
    try {
      const nine = await nearestNeighbours(samples, m, ref, 9);
      const five = firstNeighbours(nine, 5);
      const want = bruteForce(samples, m, unit, n, d, 5);
      expect(Array.from(five.indices)).toEqual(want.indices);
      expect(Array.from(five.distances)).toEqual(want.distances);
      expect(firstNeighbourIndices(nine, [3, 0], 2)).toEqual(Int32Array.from([nine.indices[27]!, nine.indices[28]!, nine.indices[0]!, nine.indices[1]!]));
      expect(() => firstNeighbourIndices(five, [0], 6)).toThrow(/lists 5 neighbours, 6 asked/);
    } finally {
      ref.dispose();
    }
  });
});
