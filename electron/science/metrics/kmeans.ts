/**
 * k-means (Lloyd) with seeded k-means++ initialisation, in float64: the cells of the C_T
 * test (Meehan et al. 2020) are fitted on the training set, optionally on a seeded subsample.
 * Minimises sum_i ||x_i - c_{a(i)}||^2; a(i) = nearest centre, ties to the lower centre index.
 * Rows are float32, or uint8 pixels read as v/255 rounded to float32 (pixelsToUnit's values).
 * The distances to the centres and the centre sums run in the native kernels when they are
 * loaded (centreDistances, centreSums: the same float64 operations in the same order, so the
 * model is bit for bit the one of the JS loops below, which remain the fallback).
 */
import { loadNativeKernels, type NativeKernels } from '../native/kernels';
import { gatherUnitRows, unitLevels, unitRowsAsFloat32 } from '../neighbours/scale';
import { metricRandom, metricStreams } from './random';

/** Rows k-means reads: float32, or uint8 pixels (read as v/255 rounded to float32). */
export type KMeansRows = Float32Array | Uint8Array;

/** Options of the calls that may use the native kernels. */
export interface KMeansNativeOption {
  /** false: the JS loops even when the native kernels are loaded (same results; for tests). Default true. */
  native?: boolean;
}


type KMeansKernels = Required<Pick<NativeKernels, 'centreDistances' | 'centreSums'>> & Pick<NativeKernels, 'hardwareThreads'>;

/** The native k-means pieces, when asked for, loaded and present in this binary. */
function nativeKMeans(opts: KMeansNativeOption): KMeansKernels | undefined {
  if (opts.native === false) return undefined;
  const kernels = loadNativeKernels();
  if (!kernels?.centreDistances || !kernels.centreSums) return undefined;
  return { centreDistances: kernels.centreDistances, centreSums: kernels.centreSums, hardwareThreads: kernels.hardwareThreads };
}

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

/** nearestCentre's answer from precomputed distances[i * k + c] (the same scan and tie rule). */
function nearestOf(distances: Float64Array, i: number, k: number): { cell: number; d2: number } {
  let cell = 0;
  let best = Infinity;
  for (let c = 0; c < k; c++) {
    const s = distances[i * k + c]!;
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
  data: KMeansRows,
  n: number,
  d: number,
  k: number,
  opts: { rows?: ArrayLike<number>; seed?: number; maxIterations?: number } & KMeansNativeOption = {},
): KMeansModel {
  if (data.length !== n * d) throw new Error(`kMeans: expected ${n} x ${d} = ${n * d} values, found ${data.length}`);
  const fitRows = opts.rows ?? Int32Array.from({ length: n }, (_, i) => i);
  const count = fitRows.length;
  if (!Number.isInteger(k) || k < 1 || k > count) throw new Error(`kMeans: k must be an integer in 1..${count} (rows to fit), got ${k}`);
  const maxIterations = opts.maxIterations ?? 50;
  const rng = metricRandom(opts.seed ?? 0, metricStreams.kmeans);
  const centroids = new Float64Array(k * d);
  const native = nativeKMeans(opts);
  // The JS loops read float32 rows: uint8 pixels become their fitted rows' levels (the same values).
  const pixelsInJs = !native && data instanceof Uint8Array;
  const src: KMeansRows = pixelsInJs ? gatherUnitRows(data, d, fitRows) : data;
  const rows: ArrayLike<number> = pixelsInJs ? Int32Array.from({ length: count }, (_, i) => i) : fitRows;
  const nativeRows = native ? (rows instanceof Int32Array ? rows : Int32Array.from(rows)) : undefined;
  const choice = native ? { threads: native.hardwareThreads, portable: false } : undefined;
  const value = (index: number) => (src instanceof Uint8Array ? unitLevels[src[index]!]! : src[index]!);
  const setCentre = (c: number, row: number) => {
    for (let j = 0; j < d; j++) centroids[c * d + j] = value(row * d + j);
  };
  /** out[i * centres + c] = squaredToCentre(row i, centre first + c), natively. */
  const nativeDistances = (first: number, centres: number, out: Float64Array) =>
    native!.centreDistances(src, d, nativeRows!, centroids.subarray(first * d, (first + centres) * d), centres, out, choice!);

  // k-means++ seeding
  const nearest = new Float64Array(count).fill(Infinity);
  const toLatest = native ? new Float64Array(count) : undefined;
  setCentre(0, rows[Math.floor(rng.uniform() * count)]!);
  for (let c = 1; c < k; c++) {
    let total = 0;
    if (toLatest) {
      nativeDistances(c - 1, 1, toLatest);
      for (let i = 0; i < count; i++) {
        nearest[i] = Math.min(nearest[i]!, toLatest[i]!);
        total += nearest[i]!;
      }
    } else {
      const x = src as Float32Array;
      for (let i = 0; i < count; i++) {
        nearest[i] = Math.min(nearest[i]!, squaredToCentre(x, rows[i]!, centroids, c - 1, d));
        total += nearest[i]!;
      }
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
  const toCentres = native ? new Float64Array(count * k) : undefined;
  let iterations = 0;
  let inertia = 0;
  for (;;) {
    let changed = 0;
    inertia = 0;
    if (toCentres) nativeDistances(0, k, toCentres);
    for (let i = 0; i < count; i++) {
      const { cell, d2 } = toCentres ? nearestOf(toCentres, i, k) : nearestCentre(src as Float32Array, rows[i]!, centroids, k, d);
      if (cell !== assignment[i]) changed++;
      assignment[i] = cell;
      distance[i] = d2;
      inertia += d2;
    }
    if (changed === 0 || iterations >= maxIterations) break;
    iterations++;
    const sizes = new Int32Array(k);
    for (let i = 0; i < count; i++) sizes[assignment[i]!]!++;
    if (native) {
      native.centreSums(src, d, nativeRows!, assignment, k, centroids, choice);
    } else {
      const x = src as Float32Array;
      centroids.fill(0);
      for (let i = 0; i < count; i++) {
        const co = assignment[i]! * d;
        const ro = rows[i]! * d;
        for (let j = 0; j < d; j++) centroids[co + j]! += x[ro + j]!;
      }
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

/** Nearest-centre cell of each of the m rows of points [m, d] (float32, or uint8 pixels). */
export function assignCells(points: KMeansRows, m: number, model: KMeansModel, opts: KMeansNativeOption = {}): Int32Array {
  if (points.length !== m * model.d) throw new Error(`assignCells: expected ${m} x ${model.d} = ${m * model.d} values, found ${points.length}`);
  const { k, d, centroids } = model;
  const out = new Int32Array(m);
  const native = nativeKMeans(opts);
  if (native) {
    const distances = new Float64Array(m * k);
    const rows = Int32Array.from({ length: m }, (_, i) => i);
    native.centreDistances(points, d, rows, centroids, k, distances, { threads: native.hardwareThreads, portable: false });
    for (let i = 0; i < m; i++) out[i] = nearestOf(distances, i, k).cell;
    return out;
  }
  const x = unitRowsAsFloat32(points, m, d);
  for (let i = 0; i < m; i++) out[i] = nearestCentre(x, i, centroids, k, d).cell;
  return out;
}
