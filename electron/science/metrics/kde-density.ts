/**
 * The density of a 2-D isotropic Gaussian mixture on a regular grid, for the run views:
 *   p(x) = (1/M) sum_k N(x; shrink * c_k, std^2 I)
 * With shrink = e^{-delta}, std = h(delta) and c_k the training points this is the KDE p_delta^N
 * that the empirical-score SGM samples from when stopped at delta (docs/math.md §3); the samples a run
 * stores are in data coordinates (x = e^delta x_OU), where the same KDE has shrink = 1 and
 * std = sigma(delta) = e^delta h. For data of dimension D > 2 the marginal of the isotropic mixture
 * over coordinates 0 and 1 is exactly the 2-D mixture of the projected centres, so callers pass
 * the first two coordinates of each centre.
 *
 * Each cell holds the density AVERAGED over the cell (its probability mass / area), not the value
 * at its centre: a kernel narrower than a cell (small delta: copies of the training points) still
 * lights the cell it sits in instead of falling between grid points. When cells are small against
 * std the two agree to O((cell / std)^2). The mixture is separable, so the mass of cell (i, j) is
 * (1/M) sum_k mx[k][i] my[k][j] with the 1-D masses of each kernel over the column / row: 5-point
 * Gauss–Legendre where the log-density changes by less than ~1 across a cell, erfc differences
 * otherwise (relative error ~1e-6, far below the 4 stored digits). Products only underflow where
 * the true mass is below ~1e-308, and there is no 0/0: the result is divided by its largest cell,
 * which holds at least a share of one kernel.
 *
 * Cost: O(M (nx + ny) + M nx ny) with zero spans skipped; more than MAX_CENTRES centres are
 * subsampled with an even stride (deterministic; the grid records how many were used).
 */
import { erfc } from './stats';

/** Centres beyond this are subsampled with an even stride (80 x 80 cells x 20 000 wide kernels: ~0.5 s). */
export const MAX_CENTRES = 20_000;
/** Default grid: 80 x 80 cells (6400 values, ~40 kB of JSON). */
export const DEFAULT_GRID_CELLS = 80;
/** Relative values below this are stored as 0 (invisible; keeps the JSON small). */
const STORE_FLOOR = 1e-6;

export interface KdeGridOptions {
  /** Standard deviation of every Gaussian (> 0), in the grid's coordinates. */
  std: number;
  /** Centres are multiplied by this (e^{-delta} in OU coordinates; 1 in data coordinates). */
  shrink?: number;
  nx?: number;
  ny?: number;
  /** Grid extent; default: the (shrunk) centres and `include` points, padded. */
  range?: { x: [number, number]; y: [number, number] };
  /** Extra points the default extent must cover (e.g. the samples). */
  include?: ArrayLike<readonly [number, number]>;
  /** Rounding of the stored values (significant digits; default 4). */
  digits?: number;
}

export interface KdeGrid {
  x: [number, number];
  y: [number, number];
  nx: number;
  ny: number;
  /** Row-major [ny][nx] cell means divided by the largest (max = 1). */
  values: number[];
  /** Absolute mean density of the largest cell. */
  peak: number;
  /** Centres used (after the stride), of `trainingItems`. */
  centres: number;
  trainingItems: number;
}

// 5-point Gauss–Legendre on [-1, 1]
const GL_X = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
const GL_W = [0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** P(a <= Z <= b) for Z ~ N(0, 1), a <= b, accurate in relative terms in both tails. */
export function normalMass(a: number, b: number): number {
  const m = 0.5 * (a + b);
  const r = 0.5 * (b - a);
  if (2 * r * (Math.abs(m) + 1) < 1) {
    // narrow (the log-density changes by less than ~1 over [a, b]): quadrature of the density,
    // no cancellation between two nearly equal tails
    let s = 0;
    for (let g = 0; g < 5; g++) {
      const t = m + r * GL_X[g]!;
      s += GL_W[g]! * Math.exp(-0.5 * t * t);
    }
    return s * r * INV_SQRT_2PI;
  }
  if (a >= 0) return 0.5 * (erfc(a / Math.SQRT2) - erfc(b / Math.SQRT2));
  if (b <= 0) return 0.5 * (erfc(-b / Math.SQRT2) - erfc(-a / Math.SQRT2));
  return 1 - 0.5 * erfc(-a / Math.SQRT2) - 0.5 * erfc(b / Math.SQRT2);
}

/** Rounds to `digits` significant digits (0 stays 0). */
function round(v: number, digits: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(digits));
}

/**
 * Default extent: the centres and the extra points, padded by 5% of the span and by up to two
 * kernel widths (at most a quarter of the span, so wide kernels do not swamp the view).
 */
export function defaultGridRange(
  cx: Float64Array, cy: Float64Array, std: number, include?: ArrayLike<readonly [number, number]>,
): { x: [number, number]; y: [number, number] } {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const take = (x: number, y: number) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  };
  for (let k = 0; k < cx.length; k++) take(cx[k]!, cy[k]!);
  if (include) for (let i = 0; i < include.length; i++) take(include[i]![0], include[i]![1]);
  const side = (lo: number, hi: number): [number, number] => {
    const span = Math.max(hi - lo, 4 * std, 1e-9 * Math.max(1, Math.abs(lo)));
    const pad = Math.max(0.05 * span, Math.min(2 * std, 0.25 * span));
    const mid = 0.5 * (lo + hi);
    return [mid - 0.5 * span - pad, mid + 0.5 * span + pad];
  };
  return { x: side(x0, x1), y: side(y0, y1) };
}

/**
 * Grid density of (1/M) sum_k N(shrink c_k, std^2 I) in 2-D. `centres` holds `rows` rows of
 * `cols` values (row-major); coordinates 0 and 1 of each row are used (cols >= 2).
 */
export function kdeDensityGrid(centres: ArrayLike<number>, rows: number, cols: number, opts: KdeGridOptions): KdeGrid {
  const { std } = opts;
  const shrink = opts.shrink ?? 1;
  const nx = opts.nx ?? DEFAULT_GRID_CELLS;
  const ny = opts.ny ?? DEFAULT_GRID_CELLS;
  const digits = opts.digits ?? 4;
  if (!(std > 0) || !Number.isFinite(std)) throw new Error(`kdeDensityGrid: std must be positive and finite, got ${std}`);
  if (cols < 2) throw new Error(`kdeDensityGrid: needs 2 coordinates per centre, got ${cols}`);
  if (rows < 1) throw new Error('kdeDensityGrid: needs at least one centre');
  if (!(Number.isInteger(nx) && nx >= 1 && Number.isInteger(ny) && ny >= 1)) throw new Error(`kdeDensityGrid: bad grid ${nx} x ${ny}`);
  if (centres.length < rows * cols) throw new Error(`kdeDensityGrid: expected ${rows} x ${cols} values, found ${centres.length}`);

  const stride = Math.max(1, Math.ceil(rows / MAX_CENTRES));
  const M = Math.ceil(rows / stride);
  const cx = new Float64Array(M);
  const cy = new Float64Array(M);
  for (let k = 0; k < M; k++) {
    cx[k] = shrink * centres[k * stride * cols]!;
    cy[k] = shrink * centres[k * stride * cols + 1]!;
  }
  const range = opts.range ?? defaultGridRange(cx, cy, std, opts.include);
  const [x0, x1] = range.x;
  const [y0, y1] = range.y;
  if (!(x1 > x0 && y1 > y0)) throw new Error(`kdeDensityGrid: empty range x [${x0}, ${x1}], y [${y0}, ${y1}]`);
  const dx = (x1 - x0) / nx;
  const dy = (y1 - y0) / ny;

  // 1-D masses of one kernel over every column / row; the nonzero span [lo, hi)
  const mx = new Float64Array(nx);
  const my = new Float64Array(ny);
  const masses = (c: number, lo: number, d: number, n: number, out: Float64Array): [number, number] => {
    let first = -1, last = -1;
    // beyond 40 std the mass is below 1e-340: zero in doubles
    const from = Math.max(0, Math.floor((c - 40 * std - lo) / d));
    const to = Math.min(n, Math.ceil((c + 40 * std - lo) / d));
    out.fill(0);
    for (let i = from; i < to; i++) {
      const m = normalMass((lo + i * d - c) / std, (lo + (i + 1) * d - c) / std);
      out[i] = m;
      if (m > 0) {
        if (first < 0) first = i;
        last = i;
      }
    }
    return first < 0 ? [0, 0] : [first, last + 1];
  };

  const acc = new Float64Array(nx * ny);
  for (let k = 0; k < M; k++) {
    const [i0, i1] = masses(cx[k]!, x0, dx, nx, mx);
    if (i1 === i0) continue;
    const [j0, j1] = masses(cy[k]!, y0, dy, ny, my);
    for (let j = j0; j < j1; j++) {
      const w = my[j]!;
      if (w === 0) continue;
      const row = j * nx;
      for (let i = i0; i < i1; i++) acc[row + i]! += w * mx[i]!;
    }
  }

  let max = 0;
  for (let c = 0; c < acc.length; c++) if (acc[c]! > max) max = acc[c]!;
  const values = new Array<number>(acc.length);
  for (let c = 0; c < acc.length; c++) {
    const v = max > 0 ? acc[c]! / max : 0;
    values[c] = v < STORE_FLOOR ? 0 : round(v, digits);
  }
  return {
    x: [x0, x1],
    y: [y0, y1],
    nx,
    ny,
    values,
    // mass / (M * area) of the largest cell
    peak: max / (M * dx * dy),
    centres: M,
    trainingItems: rows,
  };
}
