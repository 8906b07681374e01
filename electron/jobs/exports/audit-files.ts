/**
 * The files of an audit run (<workspace>/runs/<id>/), readable without the app:
 *   run.json        parameters (seed, k, threshold, splits), backend, versions, timings, summary,
 *                   details (source, training / test split with SHA-256, cache use)
 *   metrics.json    every metric of electron/science/metrics/audit.ts (AuditReport without
 *                   perSample) and the stamp (dataset hash, parameters, seed, backend, app version)
 *   per-sample.csv  one row per sample: ratio, memorised, d1, d2, calibrated distance, distance to
 *                   the test split, authenticity, then index / distance / label of each neighbour
 *   neighbours.npz  indices int32 [m, k], distances float32 [m, k], labels int32 [m, k] (-1: none),
 *                   ratios float64 [m], calibrated float64 [m], test_d1 float32 [m] (with a test
 *                   split), authentic uint8 [m] (when computed); empirical-score runs also
 *                   top_indices int32 [m, kw], top_weights float32 [m, kw]
 *   samples.npz     arr_0 uint8 [m, H, W, C]: the samples as audited
 *   samples.json    where the samples came from and each one's name (file path or arr_0[i])
 * Distances are L2 on pixels scaled to [0, 1].
 */
export const auditFiles = {
  metrics: 'metrics.json',
  csv: 'per-sample.csv',
  neighbours: 'neighbours.npz',
  samples: 'samples.npz',
  names: 'samples.json',
} as const;

export interface PerSampleColumns {
  count: number;
  k: number;
  names: readonly string[];
  ratios: ArrayLike<number>;
  indices: ArrayLike<number>;
  distances: ArrayLike<number>;
  /** -1 when the training set is unlabelled. */
  labels: ArrayLike<number>;
  calibrated: ArrayLike<number>;
  testD1: ArrayLike<number> | null;
  authentic: ArrayLike<number | boolean> | null;
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The per-sample table as CSV (memorised at `threshold`; class names when the set has them). */
export function perSampleCsv(c: PerSampleColumns, threshold: number, classNames: readonly string[] | null): string {
  const head = ['index', 'name', 'ratio', 'memorized', 'd1', 'd2', 'nn1_index', 'nn1_label', 'nn1_class', 'calibrated', 'test_d1', 'authentic'];
  for (let j = 1; j <= c.k; j++) head.push(`nn${j}_index`, `nn${j}_distance`, `nn${j}_label`);
  const lines = [head.join(',')];
  for (let i = 0; i < c.count; i++) {
    const o = i * c.k;
    const label = c.labels[o]!;
    const row: (string | number | boolean | null)[] = [
      i,
      c.names[i] ?? '',
      c.ratios[i]!,
      c.ratios[i]! < threshold,
      c.distances[o]!,
      c.distances[o + 1]!,
      c.indices[o]!,
      label >= 0 ? label : null,
      label >= 0 ? (classNames?.[label] ?? null) : null,
      c.calibrated[i]!,
      c.testD1 ? c.testD1[i]! : null,
      c.authentic ? Boolean(c.authentic[i]) : null,
    ];
    for (let j = 0; j < c.k; j++) {
      const l = c.labels[o + j]!;
      row.push(c.indices[o + j]!, c.distances[o + j]!, l >= 0 ? l : null);
    }
    lines.push(row.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
