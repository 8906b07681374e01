/**
 * The Ornstein–Uhlenbeck forward process of docs/math.md §1 (variance preserving):
 *   dX_t = -X_t dt + sqrt(2) dW_t,   X_t | X_0 = y ~ N(m_t y, s_t^2 I),
 *   m_t = e^{-t},  s_t^2 = 1 - e^{-2t}.
 * Plus the conversions to the VE/EDM noise level (docs/math.md §3): x_VE = e^t x_OU,
 * sigma = sqrt(e^{2t} - 1). expm1/log1p keep small t and small sigma accurate.
 */
import { bandwidthOfDelta, deltaOfBandwidth, forwardVariance, sigmaOfTime, timeOfSigma } from '../contract/early-stopping';

export const ou = {
  /** m_t = e^{-t}: the factor the data mean is shrunk by at time t. */
  mean: (t: number): number => Math.exp(-t),
  /** s_t^2 = 1 - e^{-2t}. */
  variance: forwardVariance,
  /** s_t = sqrt(1 - e^{-2t}): the same function as the KDE bandwidth h(t). */
  std: bandwidthOfDelta,
  /** KDE bandwidth reached at early-stopping time delta: h(delta) = sqrt(1 - e^{-2 delta}) ~ sqrt(2 delta). */
  bandwidth: bandwidthOfDelta,
  /** Inverse of bandwidth: delta = -0.5 ln(1 - h^2), for h in [0, 1). */
  deltaForBandwidth: deltaOfBandwidth,
  /** VE noise level of OU time t: sigma = sqrt(e^{2t} - 1) = s_t / m_t. */
  sigmaOfT: sigmaOfTime,
  /** OU time of VE noise level sigma: t = 0.5 ln(1 + sigma^2). */
  tOfSigma: timeOfSigma,
  /** x_VE = e^t x_OU: the scale between the two parametrisations at time t. */
  veScale: (t: number): number => Math.exp(t),
} as const;

/**
 * Expected L2 norm of the leftover noise over D coordinates at delta: h(delta) sqrt(D)
 * (in the scaled units). E.g. CIFAR at delta = 0.01 in [-1,1]: 0.1407 * sqrt(3072) ≈ 7.8.
 */
export function leftoverNoiseNorm(delta: number, dimension: number): number {
  return ou.bandwidth(delta) * Math.sqrt(dimension);
}
