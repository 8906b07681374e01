/**
 * The score a run asks for, built on its training data:
 * - empirical: s_N, the exact score of the Gaussian KDE of the training set (docs/math.md §3);
 * - gaussian: the exact score of a Gaussian fitted to the training set (docs/math.md §1). With full
 *   covariance up to D = 128 (one Jacobi eigendecomposition, ~0.25 s there); above that an isotropic Gaussian with the
 *   data mean and the average per-coordinate variance (a D x D covariance of images is neither
 *   cheap to estimate nor to diagonalise here). run.json records which one was used.
 * - learned: the network of a train-score run (scores/learned.ts), loaded from its weights.npz by
 *   `loadLearnedModel` before sampling (async I/O) and passed to buildScore.
 * - smoothed: s_N averaged over Gaussian perturbations of x (scores/smoothed.ts, docs/math.md §6), with
 *   sigma and M settled by `resolveSmoothing` before sampling (the default sigma needs a
 *   nearest-neighbour search, async) and passed to buildScore.
 * - local: the LS local patch score machine on images (scores/local-patch.ts, docs/math.md §6, Kamb &
 *   Ganguli), with the patch side and image shape settled by `resolveLocalPatch` (which refuses
 *   vector data) and passed to buildScore.
 */
import { join } from 'node:path';
import { DEFAULT_SMOOTHING_DRAWS, defaultLocalPatch, type ScoreChoice } from '../../contract/sampling';
import { readNpz } from '../../../native-data';
import { runDirectory } from '../../workspace/runs';
import { empiricalScore } from '../../science/scores/empirical';
import type { DataMatrix } from '../../science/data-matrix';
import { fitGaussian, gaussianScore, isotropicGaussianScore } from '../../science/scores/gaussian';
import { learnedScore } from '../../science/scores/learned';
import { checkWeights, describeArchitecture, type NamedArray, type NetworkModel } from '../../science/networks';
import { median } from '../../science/metrics/stats';
import { neighbourSearch } from '../../science/neighbours';
import { checkSmoothingOptions, smoothedEmpiricalScore } from '../../science/scores/smoothed';
import { checkLocalPatch, fullPatch, localPatchScore } from '../../science/scores/local-patch';
import type { Score } from '../../science/scores/score';
import { checkModelFits, readModelRun, WEIGHTS_FILE, type ModelRun } from '../../workspace/model-run';

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
  model: NetworkModel;
}

/**
 * Loads the network of train-score run `id` for sampling items of `itemShape` (data named `dataRef`
 * in errors): refuses a missing run, another kind of run, or items of another shape.
 */
export async function loadLearnedModel(workspace: string, id: string, itemShape: readonly number[], dataRef: string): Promise<LoadedModel> {
  const run = await readModelRun(workspace, id);
  checkModelFits(run, itemShape, dataRef);
  const file = join(runDirectory(workspace, id), WEIGHTS_FILE);
  const arrays = await readNpz(file);
  const weights: NamedArray[] = Object.entries(arrays).map(([name, a]) => {
    if (!(a.data instanceof Float32Array)) throw new Error(`${file}: "${name}" must be float32, found ${a.dtype.descr}`);
    return { name, shape: [...a.shape], values: a.data };
  });
  const model: NetworkModel = { architecture: run.architecture, weights };
  checkWeights(model, file);
  return { run, model };
}

/** Sigma, M and seed of a smoothed score, and where sigma came from (for run.json). */
export interface SmoothingSettings {
  /** sigma, data units. */
  sigma: number;
  /** M, perturbations per evaluation. */
  draws: number;
  /** Seed of the perturbations (stream picks): the run's sampler seed. */
  seed: number;
  /** 'request', or 'median nearest-neighbour spacing' (the default). */
  sigmaFrom: 'request' | 'median nearest-neighbour spacing';
  /** The training set's median nearest-neighbour distance (null when sigma was given). */
  spacing: number | null;
  /** Training items the spacing was measured on (an even stride when the set is large). */
  spacingItems: number | null;
}

/** Training items whose nearest-neighbour distance sets the default sigma (an even stride above this). */
const SPACING_ITEMS = 256;

/**
 * The median distance from a training item to its nearest other item, over up to SPACING_ITEMS
 * items at an even stride (exact search; duplicates count at distance 0).
 */
export async function nearestNeighbourSpacing(data: DataMatrix): Promise<{ spacing: number; items: number }> {
  if (data.rows < 2) throw new Error(`smoothed score: need at least 2 training items to measure their spacing, got ${data.rows}`);
  const items = Math.min(SPACING_ITEMS, data.rows);
  const rows = Array.from({ length: items }, (_, i) => Math.floor((i * data.rows) / items));
  const ref = neighbourSearch.createReference(data.values, data.rows, data.cols);
  try {
    const nn = await neighbourSearch.self(ref, 1, { rows });
    return { spacing: median(nn.distances), items };
  } finally {
    ref.dispose();
  }
}

/**
 * The smoothing a request asks for. sigma defaults to the median nearest-neighbour spacing of the
 * training items: the smallest radius at which a typical point's perturbations reach its nearest
 * neighbour, so samples move to barycentres of neighbouring pairs rather than onto single points
 * (on the paper's 2-D set, 1 x spacing drops the memorised fraction from ~96% to ~22% while the
 * samples still spread over ~all training points; 2-3 x merges larger groups).
 */
export async function resolveSmoothing(
  req: { smoothing?: number | undefined; smoothingDraws?: number | undefined; seed: number; samplerSeed?: number | undefined },
  data: DataMatrix,
  dataRef: string,
): Promise<SmoothingSettings> {
  const draws = req.smoothingDraws ?? DEFAULT_SMOOTHING_DRAWS;
  const seed = req.samplerSeed ?? req.seed;
  if (req.smoothing !== undefined) {
    checkSmoothingOptions({ smoothing: req.smoothing, draws, seed });
    return { sigma: req.smoothing, draws, seed, sigmaFrom: 'request', spacing: null, spacingItems: null };
  }
  const { spacing, items } = await nearestNeighbourSpacing(data);
  if (!(spacing > 0)) {
    throw new Error(`smoothed score: the training items of ${dataRef} have median nearest-neighbour distance 0 (duplicates); give smoothing (sigma, data units) explicitly`);
  }
  checkSmoothingOptions({ smoothing: spacing, draws, seed });
  return { sigma: spacing, draws, seed, sigmaFrom: 'median nearest-neighbour spacing', spacing, spacingItems: items };
}

/** The patch side and image shape of a local patch score (for buildScore and run.json). */
export interface LocalPatchSettings {
  patch: number;
  /** [H, W, C]. */
  itemShape: [number, number, number];
  /** 'request' or 'default'. */
  patchFrom: 'request' | 'default';
}

/**
 * The local patch score a request asks for on `data`: images only, patch odd and at most
 * 2 max(H, W) - 1. The default is the odd side nearest a third of the image side (11 for CIFAR's
 * 32 x 32). Measured on CIFAR-10 (the mini set, N = 1000, 8 EDM samples of 12 steps, delta 0.002):
 * k = 3..7 matches too little context and gives "noise soup" (colour blobs, median NN distance
 * 10.5-12 as L2 on pixels in [0, 1], 0 memorised); k = 11 gives mosaics with coherent local
 * structure (objects, edges, backgrounds) that are new globally (distance 10, 0 memorised); k = 21
 * gives larger pieces of single training images (8.5, 0 memorised); k = 31 gives copies (1.8, 7 of 8 memorised),
 * as s_N does (k = 63 is exactly s_N). A fixed patch cannot do what Kamb & Ganguli's calibrated,
 * time-dependent one does (large at high noise, small at the end), so a middle value it is.
 */
export function resolveLocalPatch(req: { patch?: number | undefined }, data: { ref: string; kind: 'images' | 'vectors'; itemShape: readonly number[] }): LocalPatchSettings {
  if (data.kind !== 'images' || data.itemShape.length !== 3) {
    const shape = data.itemShape.length === 1 ? `${data.itemShape[0]}-D vectors` : `items of shape ${data.itemShape.join('x')}`;
    throw new Error(`the local patch score works on images; dataset ${data.ref} holds ${shape} (use score empirical, gaussian, learned or smoothed)`);
  }
  const patch = req.patch ?? Math.min(defaultLocalPatch(data.itemShape), fullPatch(data.itemShape));
  const itemShape = checkLocalPatch(data.itemShape, patch, `local patch score on ${data.ref}`);
  return { patch, itemShape: [...itemShape], patchFrom: req.patch === undefined ? 'default' : 'request' };
}

/** What some score choices need beyond the data: a loaded network, smoothing settings, the patch and image shape. */
export interface ScoreInputs {
  learned?: LoadedModel | undefined;
  smoothing?: SmoothingSettings | undefined;
  local?: LocalPatchSettings | undefined;
}

export function buildScore(choice: ScoreChoice, data: DataMatrix, inputs: ScoreInputs = {}): BuiltScore {
  if (choice === 'local') {
    const l = inputs.local;
    if (!l) throw new Error('local patch score: no patch settings (resolveLocalPatch before buildScore)');
    const [H, W, C] = l.itemShape;
    return {
      score: localPatchScore(data, l.itemShape, { patch: l.patch }),
      description: `local patch score machine (Kamb & Ganguli, LS): each pixel a softmax average of the same pixel of ${data.rows} training images, `
        + `weighted by the match of the ${l.patch}x${l.patch} patch around it (zero padded at the borders), ${H}x${W}x${C} images`,
    };
  }
  if (choice === 'smoothed') {
    const s = inputs.smoothing;
    if (!s) throw new Error('smoothed score: no smoothing settings (resolveSmoothing before buildScore)');
    const from = s.spacing !== null ? ` = the median nearest-neighbour spacing of ${s.spacingItems} training items` : '';
    return {
      score: smoothedEmpiricalScore(data, { smoothing: s.sigma, draws: s.draws, seed: s.seed }),
      description: `smoothed empirical score (Scarvelis et al.): s_N of ${data.rows} training points averaged over M = ${s.draws} Gaussian perturbations `
        + `of x (antithetic pairs), sigma = ${s.sigma.toPrecision(4)} data units${from}`,
    };
  }
  if (choice === 'learned') {
    const m = inputs.learned;
    if (!m) throw new Error('learned score: no model loaded (give model: the id of a train-score run)');
    return {
      score: learnedScore(m.model),
      description: `learned score -eps_theta(x, t) / s_t: ${describeArchitecture(m.model.architecture)} of train-score run ${m.run.id}, trained on ${m.run.dataLabel} (${m.run.steps} steps, final loss ${m.run.finalLoss.toPrecision(4)})`,
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
