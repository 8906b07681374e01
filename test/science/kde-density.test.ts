/**
 * The KDE density grid of the run views (science/metrics/kde-density.ts): cell means of the mixture
 * (1/N) sum_i N(e^{-delta} y_i, h^2 I) against the closed form, normalised to max = 1, and still
 * visible (cell masses) when the kernel is far narrower than a cell.
 */
import { describe, expect, it } from 'vitest';
import { kdeDensityGrid, normalMass, MAX_CENTRES, defaultGridRange } from '../../electron/science/metrics/kde-density';
import { ou } from '../../electron/science/forward-process';

/** Direct evaluation of (1/N) sum_i N(x; shrink c_i, s^2 I) in 2-D. */
function mixture(centres: number[][], shrink: number, s: number, x: number, y: number): number {
  let p = 0;
  for (const [cx, cy] of centres) {
    const dx = x - shrink * cx!;
    const dy = y - shrink * cy!;
    p += Math.exp(-(dx * dx + dy * dy) / (2 * s * s)) / (2 * Math.PI * s * s);
  }
  return p / centres.length;
}

const cellCentre = (g: { x: [number, number]; y: [number, number]; nx: number; ny: number }, i: number, j: number) => [
  g.x[0] + ((i + 0.5) * (g.x[1] - g.x[0])) / g.nx,
  g.y[0] + ((j + 0.5) * (g.y[1] - g.y[0])) / g.ny,
] as const;

/** The mixture averaged over cell (i, j) by a 40 x 40 midpoint rule: the cell mean, directly. */
function cellMean(g: { x: [number, number]; y: [number, number]; nx: number; ny: number }, centres: number[][], shrink: number, s: number, i: number, j: number): number {
  const dx = (g.x[1] - g.x[0]) / g.nx;
  const dy = (g.y[1] - g.y[0]) / g.ny;
  const k = 40;
  let sum = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) sum += mixture(centres, shrink, s, g.x[0] + (i + (a + 0.5) / k) * dx, g.y[0] + (j + (b + 0.5) / k) * dy);
  }
  return sum / (k * k);
}

const maxOf = (v: number[]) => v.reduce((m, x) => (x > m ? x : m), -Infinity);

function argmax(values: number[]): number {
  let best = 0;
  for (let c = 1; c < values.length; c++) if (values[c]! > values[best]!) best = c;
  return best;
}

describe('normalMass (1-D cell mass of N(0, 1))', () => {
  it('matches Phi differences in the bulk, in both tails and on narrow cells', () => {
    expect(normalMass(-1, 1)).toBeCloseTo(0.6826894921370859, 6);
    expect(normalMass(-Infinity, 0)).toBeCloseTo(0.5, 7);
    expect(normalMass(0, 1.959963984540054)).toBeCloseTo(0.475, 6);
    // narrow cell: mass ~ width * phi(mid), no cancellation
    const w = 1e-4;
    expect(normalMass(2, 2 + w) / (w * Math.exp(-0.5 * (2 + w / 2) ** 2) / Math.sqrt(2 * Math.PI))).toBeCloseTo(1, 8);
    // far tail keeps relative accuracy: P(Z > 8) = 6.22096e-16
    expect(normalMass(8, Infinity) / 6.220960574271785e-16).toBeCloseTo(1, 5);
    // symmetric
    expect(normalMass(-3, -2)).toBeCloseTo(normalMass(2, 3), 12);
  });
});

describe('kdeDensityGrid', () => {
  it('one centre (OU coordinates): a Gaussian bump at e^{-delta} y with half-width h sqrt(2 ln 2)', () => {
    const delta = 0.05;
    const h = ou.bandwidth(delta);
    const m = ou.mean(delta);
    const y = [1.3, -0.7];
    // cells 1/50 of h: cell means equal point values to ~1e-5
    const span = 8 * h;
    const g = kdeDensityGrid(Float32Array.from(y), 1, 2, {
      std: h, shrink: m, nx: 400, ny: 400,
      range: { x: [m * y[0]! - span / 2, m * y[0]! + span / 2], y: [m * y[1]! - span / 2, m * y[1]! + span / 2] },
    });
    expect(g.values).toHaveLength(400 * 400);
    expect(maxOf(g.values)).toBe(1);
    expect(g.centres).toBe(1);
    // peak at the shrunk centre (the grid is centred there: the 4 middle cells tie)
    const [px, py] = cellCentre(g, argmax(g.values) % g.nx, Math.floor(argmax(g.values) / g.nx));
    const cell = span / 400;
    expect(Math.abs(px - m * y[0]!)).toBeLessThanOrEqual(cell);
    expect(Math.abs(py - m * y[1]!)).toBeLessThanOrEqual(cell);
    // absolute values: values * peak = the mixture formula at grid points
    const f32 = Float32Array.from(y); // the centre as the engine sees it (float32)
    for (const [i, j] of [[200, 200], [150, 260], [30, 330], [399, 200], [120, 200]] as const) {
      const [x, yy] = cellCentre(g, i, j);
      const exact = mixture([[f32[0]!, f32[1]!]], m, h, x, yy);
      const got = g.values[j * g.nx + i]! * g.peak;
      expect(Math.abs(got - exact) / exact).toBeLessThan(1e-3);
    }
    // relative values below 1e-6 are stored as 0 (the corner is e^{-16} of the peak)
    expect(g.values[0]).toBe(0);
    // half maximum along the row through the peak at distance h sqrt(2 ln 2) from the centre
    const j = 200;
    const row = g.values.slice(j * g.nx, (j + 1) * g.nx);
    const rowMax = maxOf(row);
    let cross = -1;
    for (let i = 200; i < g.nx - 1; i++) {
      if (row[i]! >= rowMax / 2 && row[i + 1]! < rowMax / 2) {
        const [xa] = cellCentre(g, i, j);
        const t = (row[i]! - rowMax / 2) / (row[i]! - row[i + 1]!);
        cross = xa + t * cell;
        break;
      }
    }
    expect(Math.abs(cross - m * f32[0]! - h * Math.sqrt(2 * Math.LN2)) / h).toBeLessThan(0.01);
  });

  it('two symmetric centres: symmetric map, equal peaks, the midpoint density from the closed form', () => {
    const s = 0.4;
    const centres = [[-1, 0], [1, 0]];
    const g = kdeDensityGrid(Float64Array.from(centres.flat()), 2, 2, { std: s, nx: 161, ny: 81, range: { x: [-3, 3], y: [-1.5, 1.5] } });
    expect(maxOf(g.values)).toBe(1);
    for (let j = 0; j < g.ny; j++) {
      for (let i = 0; i < g.nx; i++) {
        expect(g.values[j * g.nx + i]).toBeCloseTo(g.values[j * g.nx + (g.nx - 1 - i)]!, 4); // x -> -x
        expect(g.values[j * g.nx + i]).toBeCloseTo(g.values[(g.ny - 1 - j) * g.nx + i]!, 4); // y -> -y
      }
    }
    // cell (80, 40) is centred on the origin. Each cell holds the formula averaged over the cell
    // (to 4 digits), which is the formula at the cell centre up to O((cell / s)^2)
    for (const [i, j] of [[80, 40], [60, 40], [100, 50], [10, 70], [27, 40]] as const) {
      const [x, y] = cellCentre(g, i, j);
      const got = g.values[j * g.nx + i]! * g.peak;
      expect(got / cellMean(g, centres, 1, s, i, j)).toBeCloseTo(1, 3);
      expect(got / mixture(centres, 1, s, x, y)).toBeCloseTo(1, 1);
    }
    // the peak cell sits on a centre: its mean is within a cell's curvature of the point density
    expect(g.peak / mixture(centres, 1, s, -1, 0)).toBeCloseTo(1, 2);
  });

  it('a projected 3-D mixture uses coordinates 0 and 1 only', () => {
    const a = kdeDensityGrid(Float32Array.from([0, 0, 5, 1, 1, -7]), 2, 3, { std: 0.5, nx: 20, ny: 20, range: { x: [-2, 3], y: [-2, 3] } });
    const b = kdeDensityGrid(Float32Array.from([0, 0, 1, 1]), 2, 2, { std: 0.5, nx: 20, ny: 20, range: { x: [-2, 3], y: [-2, 3] } });
    expect(a.values).toEqual(b.values);
  });

  it('kernels far narrower than a cell still show: each centre lights its own cell', () => {
    const h = 0.0005; // the paper's step as a bandwidth, against cells of 0.25
    const centres = [[-5, 5], [-3.1, 6.2], [2.3, -4.4], [2.31, -4.41]];
    const g = kdeDensityGrid(Float64Array.from(centres.flat()), 4, 2, { std: h });
    expect(g.nx * g.ny).toBe(6400);
    const lit = g.values.filter((v) => v > 0.01).length;
    expect(lit).toBe(3); // the last two share a cell: that cell has twice the mass
    expect(maxOf(g.values)).toBe(1);
    expect(g.values.filter((v) => v === 0.5)).toHaveLength(2);
    // no NaN or negative anywhere
    expect(g.values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });

  it('default range covers centres and extra points, padded; many centres are subsampled evenly', () => {
    const r = defaultGridRange(Float64Array.from([0, 10]), Float64Array.from([0, 4]), 0.1, [[12, -1]]);
    expect(r.x[0]).toBeLessThan(0);
    expect(r.x[1]).toBeGreaterThan(12);
    expect(r.y[0]).toBeLessThan(-1);
    expect(r.y[1]).toBeGreaterThan(4);
    const n = MAX_CENTRES * 2 + 1;
    const big = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) { big[2 * i] = Math.sin(i); big[2 * i + 1] = Math.cos(i); }
    const g = kdeDensityGrid(big, n, 2, { std: 0.2, nx: 40, ny: 40 });
    expect(g.centres).toBe(Math.ceil(n / 3));
    expect(g.trainingItems).toBe(n);
  });

  it('refuses a zero bandwidth and 1-D centres', () => {
    expect(() => kdeDensityGrid([0, 0], 1, 2, { std: 0 })).toThrow(/std/);
    expect(() => kdeDensityGrid([0, 0], 2, 1, { std: 1 })).toThrow(/2 coordinates/);
  });
});
