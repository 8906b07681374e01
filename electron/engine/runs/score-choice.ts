/**
 * The score a run asks for, built on its training data:
 * - empirical: s_N, the exact score of the Gaussian KDE of the training set (math.md §3);
 * - gaussian: the exact score of a Gaussian fitted to the training set (math.md §1). With full
 *   covariance up to D = 128 (one Jacobi eigendecomposition, ~0.25 s there); above that an isotropic Gaussian with the
 *   data mean and the average per-coordinate variance (a D x D covariance of images is neither
 *   cheap to estimate nor to diagonalise here). run.json records which one was used.
 * - learned: the network of a train-score run (scores/learned.ts), loaded from its weights.npz by
 *   `loadLearnedModel` before sampling (async I/O) and passed to buildScore.
 */
import { join } from 'node:path';
import type { ScoreChoice } from '../../contract/sampling';
import { readNpz } from '../../../native-data';
import { runDirectory } from '../../workspace/runs';
import { empiricalScore, type DataMatrix } from '../scores/empirical';
import { fitGaussian, gaussianScore, isotropicGaussianScore } from '../scores/gaussian';
import { checkWeights, learnedScore, type LearnedScoreModel, type NamedArray } from '../scores/learned';
import type { Score } from '../scores/score';
import { checkModelFits, readModelRun, WEIGHTS_FILE, type ModelRun } from '../training/model-run';

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

/** A train-score run with its weights, ready to build a learned score. */
export interface LoadedModel {
  run: ModelRun;
  model: LearnedScoreModel;
}

/**
 * Loads the network of train-score run `id` for sampling data of `dimension` (named `dataRef` in
 * errors): refuses a missing run, another kind of run, or a dimension mismatch.
 */
export async function loadLearnedModel(workspace: string, id: string, dimension: number, dataRef: string): Promise<LoadedModel> {
  const run = await readModelRun(workspace, id);
  checkModelFits(run, dimension, dataRef);
  const file = join(runDirectory(workspace, id), WEIGHTS_FILE);
  const arrays = await readNpz(file);
  const weights: NamedArray[] = Object.entries(arrays).map(([name, a]) => {
    if (!(a.data instanceof Float32Array)) throw new Error(`${file}: "${name}" must be float32, found ${a.dtype.descr}`);
    return { name, shape: [...a.shape], values: a.data };
  });
  const model: LearnedScoreModel = { architecture: run.architecture, weights };
  checkWeights(model, file);
  return { run, model };
}

export function buildScore(choice: ScoreChoice, data: DataMatrix, learned?: LoadedModel): BuiltScore {
  if (choice === 'learned') {
    const m = learned;
    if (!m) throw new Error('learned score: no model loaded (give model: the id of a train-score run)');
    const a = m.model.architecture;
    return {
      score: learnedScore(m.model),
      description: `learned score -eps_theta(x, t) / s_t: MLP ${a.depth}x${a.width} of train-score run ${m.run.id}, trained on ${m.run.dataLabel} (${m.run.steps} steps, final loss ${m.run.finalLoss.toPrecision(4)})`,
    };
  }
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
