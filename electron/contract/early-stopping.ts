/**
 * Early stopping as one control (docs/math.md §3): a request gives delta OR the KDE bandwidth
 * h = sqrt(1 - e^{-2 delta}); the other is derived. Hosts use this to refuse bad requests early,
 * the engine to run them.
 */
import { DEFAULT_DELTA } from './sampling';

/** KDE bandwidth reached at early-stopping time delta: h(delta) = sqrt(1 - e^{-2 delta}) ~ sqrt(2 delta). */
export function bandwidthOfDelta(delta: number): number {
  return Math.sqrt(-Math.expm1(-2 * delta));
}

/** Inverse of bandwidthOfDelta: delta = -0.5 ln(1 - h^2), for h in [0, 1). */
export function deltaOfBandwidth(h: number): number {
  return -0.5 * Math.log1p(-h * h);
}

/** VE/EDM noise level of OU time t: sigma = sqrt(e^{2t} - 1) = s_t / m_t. */
export function sigmaOfTime(t: number): number {
  return Math.sqrt(Math.expm1(2 * t));
}

/**
 * Expected per-pixel noise (standard deviation) left by early stopping at delta, in 0-255 units,
 * for data scaled so that `dataRange` (max - min of the scaled values) spans 0..255.
 * For images in [-1, 1] (dataRange = 2) this is h(delta) * 127.5.
 * The KDE also shrinks centres by e^{-delta}; that bias is not counted here.
 */
export function pixelNoise255(delta: number, dataRange = 2): number {
  if (!(dataRange > 0)) throw new Error(`pixelNoise255: dataRange must be positive, got ${dataRange}`);
  return (bandwidthOfDelta(delta) * 255) / dataRange;
}

export interface EarlyStop {
  delta: number;
  bandwidth: number;
  /** Which of the two the request gave. */
  given: 'delta' | 'bandwidth' | 'default';
}

export function resolveEarlyStop(r: { delta?: number | undefined; bandwidth?: number | undefined; T: number }): EarlyStop {
  if (r.delta !== undefined && r.bandwidth !== undefined) {
    throw new Error('give delta or bandwidth, not both: they are one control (h = sqrt(1 - e^{-2 delta}))');
  }
  let stop: EarlyStop;
  if (r.bandwidth !== undefined) {
    const h = r.bandwidth;
    if (!(h > 0 && h < 1)) throw new Error(`bandwidth must be in (0, 1), got ${h}`);
    stop = { delta: deltaOfBandwidth(h), bandwidth: h, given: 'bandwidth' };
  } else {
    const delta = r.delta ?? DEFAULT_DELTA;
    if (!(delta > 0) || !Number.isFinite(delta)) throw new Error(`delta must be positive and finite, got ${delta}`);
    stop = { delta, bandwidth: bandwidthOfDelta(delta), given: r.delta === undefined ? 'default' : 'delta' };
  }
  if (!(stop.delta < r.T)) {
    const what = stop.given === 'bandwidth' ? `bandwidth ${stop.bandwidth} means delta = ${stop.delta.toPrecision(4)}, which` : `delta ${stop.delta}`;
    throw new Error(`${what} is not below T = ${r.T}: stop earlier than the horizon`);
  }
  return stop;
}
