/**
 * How a network's output F relates to the score (docs/math.md §8). Both parametrisations are
 * linear in (y, z) for a training pair x_t = m_t y + s_t z, and linear in (x_t, F) for the
 * denoiser, so each is four coefficients per time:
 *   network input  = inY y + inZ z            (= inputScale x_t)
 *   training target = outY y + outZ z
 *   denoiser D(x_t) = fromX x_t + fromF F      (posterior mean of y), score = (m_t D - x_t) / s_t^2
 *
 * - noise prediction (the MLP): input x_t, target z; D = (x_t - s_t F) / m_t.
 * - EDM preconditioning (Karras et al. 2022; the U-Net): with sigma = s_t / m_t and x_VE = x_t / m_t
 *   = y + sigma z, input c_in x_VE, D = c_skip x_VE + c_out F, target (y - c_skip x_VE) / c_out,
 *   c_in = 1 / sqrt(sigma^2 + sd^2), c_skip = sd^2 / (sigma^2 + sd^2), c_out = sigma sd / sqrt(sigma^2 + sd^2),
 *   sd the data's standard deviation. The target has unit scale at every sigma and the denoiser's
 *   error is c_out |F error| <= sd |F error|, where noise prediction's is sigma |F error|: at
 *   sigma = 80 (where samplers start) a 10% error in eps moves D by 8 data units, which sent every
 *   sampler of an eps-predicting U-Net to saturated images in our runs.
 */
import { ou } from '../forward-process';

export type Preconditioning = { kind: 'noise' } | { kind: 'edm'; sigmaData: number };

export const noisePrediction: Preconditioning = { kind: 'noise' };
/** CIFAR-10 in [-1, 1] has a standard deviation of about 0.5 per coordinate (EDM's sigma_data). */
export const edmImages: Preconditioning = { kind: 'edm', sigmaData: 0.5 };

export interface TrainingCoefficients {
  inY: number;
  inZ: number;
  outY: number;
  outZ: number;
}

export interface DenoiserCoefficients {
  /** Network input = inputScale x_t. */
  inputScale: number;
  fromX: number;
  fromF: number;
}

function edm(t: number, sd: number) {
  const sigma = ou.sigmaOfT(t);
  const v = sigma * sigma + sd * sd;
  return { sigma, cIn: 1 / Math.sqrt(v), cSkip: (sd * sd) / v, cOut: (sigma * sd) / Math.sqrt(v) };
}

export function trainingCoefficients(p: Preconditioning, t: number): TrainingCoefficients {
  if (p.kind === 'noise') return { inY: ou.mean(t), inZ: ou.std(t), outY: 0, outZ: 1 };
  const { sigma, cIn, cSkip, cOut } = edm(t, p.sigmaData);
  return { inY: cIn, inZ: cIn * sigma, outY: (1 - cSkip) / cOut, outZ: (-cSkip * sigma) / cOut };
}

export function denoiserCoefficients(p: Preconditioning, t: number): DenoiserCoefficients {
  const m = ou.mean(t);
  if (p.kind === 'noise') return { inputScale: 1, fromX: 1 / m, fromF: -ou.std(t) / m };
  const { cIn, cSkip, cOut } = edm(t, p.sigmaData);
  return { inputScale: cIn / m, fromX: cSkip / m, fromF: cOut };
}
