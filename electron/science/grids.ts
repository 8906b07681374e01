/**
 * Time and noise-level schedules (docs/math.md §2-3). Every OU-time grid runs from
 * t_0 = T down to t_K = delta (K = steps); every sigma grid runs from large to small.
 */
import type { GridChoice } from '../contract/sampling';
import { ou } from './forward-process';

/**
 * Requests arrive validated (contract/early-stopping.ts); this only guards the grid itself: a grid
 * reaching t <= 0 or past T would give wrong numbers silently (the score at t = 0 is singular).
 */
function checkTimes(name: string, T: number, delta: number, steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`${name}: steps must be an integer >= 1, got ${steps}`);
  if (!(delta > 0) || !(T > delta) || !Number.isFinite(T)) {
    throw new Error(`${name}: expected 0 < delta < T (finite), got T = ${T}, delta = ${delta}`);
  }
}

/** Uniform grid t_n = T - n (T - delta)/K, n = 0..K. */
export function uniformGrid(T: number, delta: number, steps: number): Float64Array {
  checkTimes('uniformGrid', T, delta, steps);
  const g = new Float64Array(steps + 1);
  for (let n = 0; n <= steps; n++) g[n] = T - ((T - delta) * n) / steps;
  g[steps] = delta; // exact end point, no rounding drift
  return g;
}

/** Geometric (log-spaced) grid t_n = T (delta/T)^{n/K}: dense near delta. */
export function geometricGrid(T: number, delta: number, steps: number): Float64Array {
  checkTimes('geometricGrid', T, delta, steps);
  const g = new Float64Array(steps + 1);
  for (let n = 0; n <= steps; n++) g[n] = T * Math.pow(delta / T, n / steps);
  g[0] = T;
  g[steps] = delta;
  return g;
}

/**
 * Karras/EDM noise levels sigma_i = (smax^{1/rho} + i/(K-1) (smin^{1/rho} - smax^{1/rho}))^rho,
 * i = 0..K-1 (K = steps levels, from sigmaMax down to sigmaMin). The EDM sampler appends sigma = 0
 * itself when it runs to the end.
 */
export function edmSigmas(steps: number, sigmaMin = 0.002, sigmaMax = 80, rho = 7): Float64Array {
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`edmSigmas: steps must be an integer >= 2, got ${steps}`);
  if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin)) {
    throw new Error(`edmSigmas: expected 0 < sigmaMin < sigmaMax, got ${sigmaMin}, ${sigmaMax}`);
  }
  if (!(rho > 0)) throw new Error(`edmSigmas: rho must be positive, got ${rho}`);
  const a = Math.pow(sigmaMax, 1 / rho);
  const b = Math.pow(sigmaMin, 1 / rho);
  const s = new Float64Array(steps);
  for (let i = 0; i < steps; i++) s[i] = Math.pow(a + (i / (steps - 1)) * (b - a), rho);
  s[0] = sigmaMax;
  s[steps - 1] = sigmaMin;
  return s;
}

/**
 * Noise levels for `steps` EDM Heun steps from sigmaMax down to sigmaMin: the steps + 1 Karras
 * levels of edmSigmas, ending AT sigmaMin (no final step to sigma = 0).
 */
export function edmStepSigmas(steps: number, sigmaMin: number, sigmaMax: number, rho = 7): Float64Array {
  return edmSigmas(steps + 1, sigmaMin, sigmaMax, rho);
}

/** Converts VE noise levels to OU times, t = 0.5 ln(1 + sigma^2) (same order). */
export function sigmasToTimes(sigmas: ArrayLike<number>): Float64Array {
  const t = new Float64Array(sigmas.length);
  for (let i = 0; i < sigmas.length; i++) t[i] = ou.tOfSigma(sigmas[i]!);
  return t;
}

/** Converts OU times to VE noise levels, sigma = sqrt(e^{2t} - 1) (same order). */
export function timesToSigmas(times: ArrayLike<number>): Float64Array {
  const s = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) s[i] = ou.sigmaOfT(times[i]!);
  return s;
}

/** An EDM/Karras schedule expressed as an OU-time grid: edmSigmas(...) mapped through tOfSigma. */
export function edmTimeGrid(steps: number, sigmaMin = 0.002, sigmaMax = 80, rho = 7): Float64Array {
  return sigmasToTimes(edmSigmas(steps, sigmaMin, sigmaMax, rho));
}

/** One entry point: an OU-time grid of the named kind (the contract's grid ids) from T to delta. */
export function timeGrid(kind: GridChoice, T: number, delta: number, steps: number, rho = 7): Float64Array {
  switch (kind) {
    case 'uniform':
      return uniformGrid(T, delta, steps);
    case 'geometric':
      return geometricGrid(T, delta, steps);
    case 'edm': {
      checkTimes('timeGrid(edm)', T, delta, steps);
      const g = sigmasToTimes(edmStepSigmas(steps, ou.sigmaOfT(delta), ou.sigmaOfT(T), rho));
      g[0] = T;
      g[steps] = delta;
      return g;
    }
  }
}
