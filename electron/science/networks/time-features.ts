/**
 * The noise-level input of a noise predictor: f(t) = [tau, sin(2^k tau), cos(2^k tau), k < K] with
 * tau = ln(sigma(t)) / 4 and sigma(t) = sqrt(e^{2t} - 1) the VE noise level of OU time t (EDM's
 * c_noise). tau spans about -0.8 .. 1.3 on t in [1e-3, 5], so K = 4..6 octaves resolve every decade
 * of t without aliasing.
 */
import { ou } from '../forward-process';

/** Number of time features: tau and a sine/cosine pair per frequency. */
export function timeFeatureCount(frequencies: number): number {
  return 1 + 2 * frequencies;
}

/** Writes f(t) into out[offset ..]; t > 0. */
export function writeTimeFeatures(t: number, frequencies: number, out: Float32Array, offset = 0): void {
  const tau = 0.25 * Math.log(ou.sigmaOfT(t));
  out[offset] = tau;
  for (let k = 0; k < frequencies; k++) {
    const w = 2 ** k * tau;
    out[offset + 1 + 2 * k] = Math.sin(w);
    out[offset + 2 + 2 * k] = Math.cos(w);
  }
}
