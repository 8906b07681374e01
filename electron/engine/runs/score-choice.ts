/**
 * The score a run asks for, built on its training data:
 * - empirical: s_N, the exact score of the Gaussian KDE of the training set (math.md §3);
 * - gaussian: the exact score of a Gaussian fitted to the training set (math.md §1). With full
 *   covariance up to D = 128 (one Jacobi eigendecomposition, ~0.25 s there); above that an isotropic Gaussian with the
 *   data mean and the average per-coordinate variance (a D x D covariance of images is neither
 *   cheap to estimate nor to diagonalise here). run.json records which one was used.
 */
import type { ScoreChoice } from '../../contract/sampling';
import { empiricalScore, type DataMatrix } from '../scores/empirical';
import { fitGaussian, gaussianScore, isotropicGaussianScore } from '../scores/gaussian';
import type { Score } from '../scores/score';

/** Largest dimension for which the Gaussian score uses the full fitted covariance. */
export const FULL_COVARIANCE_MAX_D = 128;

export interface BuiltScore {
  score: Score;
  /** What was built, for run.json. */
  description: string;
}

/** Mean and average per-coordinate variance (unbiased) of the rows, in float64. */
function meanAndAverageVariance(m: DataMatrix): { mean: Float64Array; variance: number } {
  const mean = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let d = 0; d < m.cols; d++) mean[d] = mean[d]! + m.values[i * m.cols + d]!;
  for (let d = 0; d < m.cols; d++) mean[d] = mean[d]! / m.rows;
  let sq = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let d = 0; d < m.cols; d++) {
      const v = m.values[i * m.cols + d]! - mean[d]!;
      sq += v * v;
    }
  }
  return { mean, variance: sq / ((m.rows - 1) * m.cols) };
}

export function buildScore(choice: ScoreChoice, data: DataMatrix): BuiltScore {
  if (choice === 'empirical') {
    return { score: empiricalScore(data), description: `empirical optimal score s_N of ${data.rows} training points (Gaussian KDE score)` };
  }
  if (data.cols <= FULL_COVARIANCE_MAX_D) {
    const { mean, covariance } = fitGaussian(data.values, data.rows, data.cols);
    return { score: gaussianScore(mean, covariance), description: `exact score of N(mean, covariance) fitted to ${data.rows} training points` };
  }
  const { mean, variance } = meanAndAverageVariance(data);
  if (!(variance > 0)) throw new Error('gaussian score: the training data have zero variance');
  return {
    score: isotropicGaussianScore(mean, Math.sqrt(variance)),
    description: `exact score of N(mean, c^2 I) fitted to ${data.rows} training points (c^2 = average variance ${variance.toPrecision(4)}; D = ${data.cols} > ${FULL_COVARIANCE_MAX_D}, so no full covariance)`,
  };
}
