/**
 * Early stopping as one control (docs/math.md §3): a request gives delta OR the KDE bandwidth
 * h = sqrt(1 - e^{-2 delta}); the other is derived. The contract resolves it once, in the request
 * schemas (withEarlyStop): hosts and the engine read the resolved delta and bandwidth and never
 * check them again. tfjs-free: the renderer's slider uses the same conversions and field schemas.
 */
import { z } from 'zod';

/** delta when a request gives neither delta nor bandwidth. */
export const DEFAULT_DELTA = 0.001;

/**
 * Smallest delta the engine resolves. The engine computes in float32 (relative resolution 6e-8):
 * at delta = 1e-6 the leftover noise h = 1.4e-3 is over a thousand times the resolution of data of
 * size 10 (the paper's 2-D set), and every sampler lands within its expected distance of a
 * training point. Much below, the noise drowns in rounding (at 1e-20 the distances are float32
 * steps) and at 1e-300 s_t^2 underflows: the samples are NaN (measured, the 2-D set, all samplers).
 */
export const MIN_DELTA = 1e-6;

/** Largest horizon T (m_T = e^{-50} ~ 2e-22: the OU process has long forgotten the data). */
export const MAX_T = 50;

/**
 * Largest T for the EDM sampler, which starts at x = sigma(T) z in data units: beyond sigma(20) =
 * 4.9e8 float32 loses the data under the initial noise (measured on the 2-D set: T = 20 needs 200
 * steps, T = 50 lands 5e4 away from every training point).
 */
export const EDM_MAX_T = 20;

/** Forward variance s_t^2 = 1 - e^{-2t} (docs/math.md §1); expm1 keeps small t accurate. */
export function forwardVariance(t: number): number {
  return -Math.expm1(-2 * t);
}

/** KDE bandwidth reached at early-stopping time delta: h(delta) = sqrt(1 - e^{-2 delta}) ~ sqrt(2 delta). */
export function bandwidthOfDelta(delta: number): number {
  return Math.sqrt(forwardVariance(delta));
}

/** Inverse of bandwidthOfDelta: delta = -0.5 ln(1 - h^2), for h in [0, 1). */
export function deltaOfBandwidth(h: number): number {
  return -0.5 * Math.log1p(-h * h);
}

/** VE/EDM noise level of OU time t: sigma = sqrt(e^{2t} - 1) = s_t / m_t. */
export function sigmaOfTime(t: number): number {
  return Math.sqrt(Math.expm1(2 * t));
}

/** OU time of VE noise level sigma: t = 0.5 ln(1 + sigma^2) (inverse of sigmaOfTime). */
export function timeOfSigma(sigma: number): number {
  return 0.5 * Math.log1p(sigma * sigma);
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

const MIN_DELTA_MESSAGE = `delta must be at least ${MIN_DELTA}: the float32 engine resolves no smaller early stopping`;

/** An early-stopping time as a request gives it. */
export const Delta = z.number().finite().positive('delta must be positive').gte(MIN_DELTA, MIN_DELTA_MESSAGE);
/** The same control as a KDE bandwidth in (0, 1). */
export const Bandwidth = z.number().finite().positive('bandwidth must be positive')
  .lt(1, 'bandwidth must be below 1 (h = sqrt(1 - e^{-2 delta}) < 1)');
/** The horizon T of the reverse process. */
export const Horizon = z.number().finite().positive().max(MAX_T);

export type EarlyStopGiven = 'delta' | 'bandwidth' | 'default';

export interface EarlyStop {
  delta: number;
  bandwidth: number;
  /** Which of the two the request gave. */
  given: EarlyStopGiven;
}

/** A refusal of resolveEarlyStop, naming the request field it is about. */
export class EarlyStopRefusal extends Error {
  /** `mentions`: request fields the message names (contract/sampling.ts refusal). */
  constructor(readonly field: 'delta' | 'bandwidth', message: string, readonly mentions: string[] = []) {
    super(message);
    this.name = 'EarlyStopRefusal';
  }
}

/** {delta?, bandwidth?} and T to the one control; throws EarlyStopRefusal with a message for people. */
export function resolveEarlyStop(r: { delta?: number | undefined; bandwidth?: number | undefined; T: number }): EarlyStop {
  if (r.delta !== undefined && r.bandwidth !== undefined) {
    throw new EarlyStopRefusal('bandwidth', 'give delta or bandwidth, not both: they are one control (h = sqrt(1 - e^{-2 delta}))', ['delta', 'bandwidth']);
  }
  let stop: EarlyStop;
  if (r.bandwidth !== undefined) {
    const h = r.bandwidth;
    if (!(h > 0 && h < 1)) throw new EarlyStopRefusal('bandwidth', `bandwidth must be in (0, 1), got ${h}`);
    stop = { delta: deltaOfBandwidth(h), bandwidth: h, given: 'bandwidth' };
    if (!(stop.delta >= MIN_DELTA)) {
      throw new EarlyStopRefusal('bandwidth', `bandwidth ${h} means delta = ${stop.delta.toPrecision(4)}; ${MIN_DELTA_MESSAGE} (bandwidth ${bandwidthOfDelta(MIN_DELTA).toPrecision(4)})`);
    }
  } else {
    const delta = r.delta ?? DEFAULT_DELTA;
    if (!(delta > 0) || !Number.isFinite(delta)) throw new EarlyStopRefusal('delta', `delta must be positive and finite, got ${delta}`);
    if (!(delta >= MIN_DELTA)) throw new EarlyStopRefusal('delta', `${MIN_DELTA_MESSAGE}; got ${delta}`);
    stop = { delta, bandwidth: bandwidthOfDelta(delta), given: r.delta === undefined ? 'default' : 'delta' };
  }
  if (!(stop.delta < r.T)) {
    const what = stop.given === 'bandwidth' ? `bandwidth ${stop.bandwidth} means delta = ${stop.delta.toPrecision(4)}, which` : `delta ${stop.delta}`;
    throw new EarlyStopRefusal(stop.given === 'bandwidth' ? 'bandwidth' : 'delta', `${what} is not below T = ${r.T}: stop earlier than the horizon`);
  }
  return stop;
}

/** The early-stopping fields of a request schema: give one (or neither: DEFAULT_DELTA). */
export const earlyStopFields = {
  /** Early-stopping time delta, MIN_DELTA <= delta < T. */
  delta: Delta.optional().describe('early-stopping time delta (or give --bandwidth)'),
  /** The same control as a KDE bandwidth h = sqrt(1 - e^{-2 delta}) in (0, 1). */
  bandwidth: Bandwidth.optional().describe('the same control as the KDE bandwidth h = sqrt(1 - e^{-2 delta})'),
};

/** What withEarlyStop puts on a parsed request: the resolved control and which half was given. */
export interface ResolvedEarlyStop {
  delta: number;
  bandwidth: number;
  earlyStopGiven: EarlyStopGiven;
}

/** The resolved control of a parsed request, as one value. */
export function earlyStopOf(r: ResolvedEarlyStop): EarlyStop {
  return { delta: r.delta, bandwidth: r.bandwidth, given: r.earlyStopGiven };
}

/**
 * Resolves early stopping once, at the door: a schema whose output has {delta?, bandwidth?, T}
 * becomes one whose output has the resolved delta and bandwidth and `earlyStopGiven`. Refusals
 * (both given, past T, below MIN_DELTA) are issues on the field they are about.
 */
export function withEarlyStop<S extends z.ZodType<{ delta?: number | undefined; bandwidth?: number | undefined; T: number }>>(schema: S) {
  return schema.transform((r: z.output<S>, ctx): Omit<z.output<S>, 'delta' | 'bandwidth'> & ResolvedEarlyStop => {
    try {
      const stop = resolveEarlyStop(r);
      return { ...r, delta: stop.delta, bandwidth: stop.bandwidth, earlyStopGiven: stop.given };
    } catch (e) {
      if (!(e instanceof EarlyStopRefusal)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message, path: [e.field], input: r, ...(e.mentions.length ? { params: { mentions: e.mentions } } : {}) });
      return z.NEVER;
    }
  });
}
