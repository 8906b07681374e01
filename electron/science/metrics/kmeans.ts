/**
 * k-means (Lloyd) with seeded k-means++ initialisation, in float64 JS: the cells of the C_T
 * test (Meehan et al. 2020) are fitted on the training set, optionally on a seeded subsample.
 * Minimises sum_i ||x_i - c_{a(i)}||^2; a(i) = nearest centre, ties to the lower centre index.
 */
import { metricRandom, metricStreams } from './random';

export interface KMeansModel {
  k: number;
  d: number;
  /** [k * d] centres. */
  centroids: Float64Array;
  /** Lloyd iterations run (stops when no assignment changes). */
  iterations: number;
  /** sum of squared distances of the fitted rows to their centres. */
  inertia: number;
}

function squaredToCentre(data: Float32Array, row: number, centroids: Float64Array, c: number, d: number): number {
  let s = 0;
  const ro = row * d;
  const co = c * d;
  for (let j = 0; j < d; j++) {
    const t = data[ro + j]! - centroids[co + j]!;
    s += t * t;
  }
  return s;
}

function nearestCentre(data: Float32Array, row: number, centroids: Float64Array, k: number, d: number): { cell: number; d2: number } {
  let cell = 0;
  let best = Infinity;
  for (let c = 0; c < k; c++) {
    const s = squaredToCentre(data, row, centroids, c, d);
    if (s < best) {
      best = s;
      cell = c;
    }
  }
  return { cell, d2: best };
}

/**
 * Fits k centres to the rows `rows` (default all) of data [n, d].
 * k-means++: first centre uniform, each next one drawn with probability proportional to the
 * squared distance to the nearest centre chosen so far. An emptied cell is re-seeded with the
 * fitted row farthest from its centre.
 */
export function kMeans(
  data: Float32Array,
  n: number,
  d: number,
  k: number,
  opts: { rows?: ArrayLike<number>; seed?: number; maxIterations?: number } = {},
): KMeansModel {
  if (data.length !== n * d) throw new Error(`kMeans: expected ${n} x ${d} = ${n * d} values, found ${data.length}`);
  const rows = opts.rows ?? Int32Array.from({ length: n }, (_, i) => i);
  const count = rows.length;
  if (!Number.isInteger(k) || k < 1 || k > count) throw new Error(`kMeans: k must be an integer in 1..${count} (rows to fit), got ${k}`);
  const maxIterations = opts.maxIterations ?? 50;
  const rng = metricRandom(opts.seed ?? 0, metricStreams.kmeans);
  const centroids = new Float64Array(k * d);
  const setCentre = (c: number, row: number) => {
    for (let j = 0; j < d; j++) centroids[c * d + j] = data[row * d + j]!;
  };

  // k-means++ seeding
  const nearest = new Float64Array(count).fill(Infinity);
  setCentre(0, rows[Math.floor(rng.uniform() * count)]!);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < count; i++) {
      nearest[i] = Math.min(nearest[i]!, squaredToCentre(data, rows[i]!, centroids, c - 1, d));
      total += nearest[i]!;
    }
    let pick = count - 1;
    if (total > 0) {
      let u = rng.uniform() * total;
      for (let i = 0; i < count; i++) {
        u -= nearest[i]!;
        if (u < 0 && nearest[i]! > 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = Math.floor(rng.uniform() * count); // all rows coincide with the centres
    }
    setCentre(c, rows[pick]!);
  }

  // Lloyd iterations
  const assignment = new Int32Array(count).fill(-1);
  const distance = new Float64Array(count);
  let iterations = 0;
  let inertia = 0;
  for (;;) {
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < count; i++) {
      const { cell, d2 } = nearestCentre(data, rows[i]!, centroids, k, d);
      if (cell !== assignment[i]) changed++;
      assignment[i] = cell;
      distance[i] = d2;
      inertia += d2;
    }
    if (changed === 0 || iterations >= maxIterations) break;
    iterations++;
    const sizes = new Int32Array(k);
    centroids.fill(0);
    for (let i = 0; i < count; i++) {
      const c = assignment[i]!;
      sizes[c]!++;
      const ro = rows[i]! * d;
      for (let j = 0; j < d; j++) centroids[c * d + j]! += data[ro + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c]! > 0) {
        for (let j = 0; j < d; j++) centroids[c * d + j]! /= sizes[c]!;
      } else {
        let far = 0;
        for (let i = 1; i < count; i++) if (distance[i]! > distance[far]!) far = i;
        setCentre(c, rows[far]!);
        distance[far] = 0;
      }
    }
  }
  return { k, d, centroids, iterations, inertia };
}

/** Nearest-centre cell of each of the m rows of points [m, d]. */
export function assignCells(points: Float32Array, m: number, model: KMeansModel): Int32Array {
  if (points.length !== m * model.d) throw new Error(`assignCells: expected ${m} x ${model.d} = ${m * model.d} values, found ${points.length}`);
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) out[i] = nearestCentre(points, i, model.centroids, model.k, model.d).cell;
  return out;
}
