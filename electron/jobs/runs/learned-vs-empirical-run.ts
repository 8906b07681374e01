/**
 * Learned vs empirical score as a run (kind 'experiment:learned-vs-empirical'): train a score
 * network on the data (saved as its own train-score run, reusable) or reuse one, then sample n
 * points with it and with s_N from the same noise; memorised fraction (d1/d2 < 1/3) and NN
 * distances for both. Default data: the paper's 2-D set, whose exact score is known, so the run
 * also reports each score's relative L2 error against it at a few times.
 * Files: figure-samples.svg (two scatter panels), table.csv/json, samples.npz (learned, empirical).
 */
import { experiments } from '../../contract/experiments';
import type { JobContext } from '../../science/job-context';
import type { LearnedVsEmpiricalRequest, LearnedVsEmpiricalResult } from '../../contract/sampling';
import { TrainScoreRequest, learnedScoreRefusal } from '../../contract/training';
import { gaussian2dTrainingSet } from '../../science/experiments/gaussian2d';
import { sampleWithEachScore, relativeScoreErrors } from '../../science/experiments/learned-vs-empirical';
import { searchNearestTwo } from '../../science/experiments/nearest';
import { identityScaling } from '../../science/data-scaling';
import { reportNearest } from './reported-distances';
import { empiricalScore } from '../../science/scores/empirical';
import { isotropicGaussianScore } from '../../science/scores/gaussian';
import { learnedScore } from '../../science/scores/learned';
import { trainScore } from '../../science/training/train-score';
import { saveRun, runDirectory } from '../../workspace/runs';
import { runEnvironment } from './environment';
import { loadTrainingData, type TrainingData } from './training-data';
import { loadLearnedModel, type LoadedModel } from './score-choice';
import { resolveTraining, saveTrainedScore, type TrainingSet } from './train-score-run';
import { readModelRun } from '../../workspace/model-run';
import { runLearnedVsEmpiricalImages } from './learned-vs-empirical-images';
import { firstTwo } from '../../science/points';
import { figureColours, scatterPanelsSvg } from './figures';
import { writeArrays, writeTable, writeText, type RichRunContent } from './run-files';

const KIND = experiments.learnedVsEmpirical.runKind;
const FIGURE = 'figure-samples.svg';
/** The paper's target (docs/math.md §4). */
const PAPER = { mean: [-5, 5] as [number, number], variance: 10, N: 100 };
/** Times of the score-error comparison. */
const ERROR_TIMES = [0.01, 0.1, 0.5, 1];
/** Points per set in the result and the figure. */
const POINTS_LIMIT = 5000;

/** The vector data a request names (loaded by the caller), or the paper's 2-D set. */
function trainingSet(req: LearnedVsEmpiricalRequest, data: TrainingData | null): TrainingSet & { synthetic: boolean } {
  if (data) {
    const refusal = learnedScoreRefusal(data.ref, data.kind, data.itemShape, 'mlp');
    if (refusal) throw new Error(refusal);
    return {
      matrix: data.matrix, label: `${data.ref} (N=${data.used})`, synthetic: false,
      details: { ref: data.ref, sha256: data.sha256, kind: data.kind, itemShape: data.itemShape, totalItems: data.total, usedItems: data.used, units: 'data units (not standardised)' },
    };
  }
  const N = req.subset ?? PAPER.N;
  return {
    matrix: { values: gaussian2dTrainingSet(N, PAPER.mean, PAPER.variance, req.seed), rows: N, cols: 2 },
    label: `2-D Gaussian N((-5, 5), 10 I) (N=${N})`,
    synthetic: true,
    details: { ref: null, sha256: null, synthetic: `gaussian2dTrainingSet(${N}, [-5, 5], 10, seed ${req.seed})`, units: 'data units' },
  };
}

export async function runLearnedVsEmpiricalExperiment(workspace: string, req: LearnedVsEmpiricalRequest, ctx?: JobContext): Promise<LearnedVsEmpiricalResult> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  ctx?.progress(0, 'loading training data');
  const data = req.data ? await loadTrainingData(workspace, req.data, req.subset) : null;
  if (data?.kind === 'images') return runLearnedVsEmpiricalImages(workspace, req, data, ctx);
  const set = trainingSet(req, data);
  const D = set.matrix.cols;
  let loaded: LoadedModel;
  if (req.model) {
    loaded = await loadLearnedModel(workspace, req.model, [D], set.label);
  } else {
    const defaults = TrainScoreRequest.parse({ data: 'training-set', steps: req.trainSteps, T: req.T, seed: req.seed });
    const { options } = resolveTraining(defaults, { ref: set.label, kind: 'vectors', itemShape: [D] });
    const trained = await trainScore(set.matrix, options, ctx && {
      ...ctx, progress: (f, m) => ctx.progress(0.6 * f, `training: ${m ?? ''}`),
    });
    const saved = await saveTrainedScore(workspace, trained, set, { data: set.details.ref, subset: set.matrix.rows, trainedFor: KIND });
    loaded = { run: await readModelRun(workspace, saved.run), model: trained.model };
  }
  timings['train'] = (performance.now() - started) / 1000;
  ctx?.throwIfCancelled();

  const learned = learnedScore(loaded.model);
  const empirical = empiricalScore(set.matrix);
  let samples: Float32Array[];
  let scoreError: LearnedVsEmpiricalResult['scoreError'] = null;
  try {
    const t0 = performance.now();
    samples = sampleWithEachScore([{ label: 'learned', score: learned }, { label: 'empirical', score: empirical }], D, {
      sampler: req.sampler, n: req.n, steps: req.steps, grid: req.grid, delta: req.delta, T: req.T, seed: req.seed,
    }, ctx, req.model ? 0.05 : 0.6, 0.9);
    timings['sample'] = (performance.now() - t0) / 1000;
    if (set.synthetic) {
      const exact = isotropicGaussianScore(PAPER.mean, Math.sqrt(PAPER.variance));
      try {
        const errors = relativeScoreErrors([learned, empirical], exact, PAPER.mean, PAPER.variance, ERROR_TIMES, req.seed);
        scoreError = ERROR_TIMES.map((t, k) => ({ t, learned: errors[k]![0]!, empirical: errors[k]![1]! }));
      } finally {
        exact.dispose();
      }
    }
  } finally {
    learned.dispose();
    empirical.dispose();
  }
  ctx?.throwIfCancelled();
  const t1 = performance.now();
  const nnLearned = await searchNearestTwo(set.matrix, samples[0]!, req.n, ctx, 0.9, 0.94);
  const nnEmpirical = await searchNearestTwo(set.matrix, samples[1]!, req.n, ctx, 0.94, 0.97);
  timings['neighbours'] = (performance.now() - t1) / 1000;
  // vector data: distances in data units
  const reportedLearned = reportNearest(nnLearned, identityScaling);
  const memo = { learned: reportedLearned.summary, empirical: reportNearest(nnEmpirical, identityScaling).summary };
  const train = firstTwo(set.matrix.values, set.matrix.rows, D, POINTS_LIMIT);
  const points = samples.map((s) => firstTwo(s, req.n, D, POINTS_LIMIT));

  const summary = {
    data: set.label,
    model: loaded.run.id,
    memorizedFraction: { learned: memo.learned.memorizedFraction, empirical: memo.empirical.memorizedFraction },
    medianNearestDistance: { learned: memo.learned.medianNearestDistance, empirical: memo.empirical.medianNearestDistance },
    distanceUnits: reportedLearned.unit.label,
    ...(scoreError ? { relativeScoreError: Object.fromEntries(scoreError.map((e) => [`t=${e.t}`, { learned: e.learned, empirical: e.empirical }])) } : {}),
  };
  const environment = await runEnvironment();
  const control = `${req.sampler}, ${req.steps} steps (${req.grid}), δ = ${req.delta}, T = ${req.T}, n = ${req.n}, seed ${req.seed}`;
  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, KIND, async (dir): Promise<RichRunContent> => {
    const panel = (name: 'learned' | 'empirical', title: string, k: number) => ({
      title: `${title} · memorised ${(100 * memo[name].memorizedFraction).toFixed(1)}% · median NN ${memo[name].medianNearestDistance.toPrecision(3)}`,
      series: [
        { name: 'samples', points: points[k]!, colour: figureColours.samples, size: 4 },
        { name: 'training points', points: train, colour: figureColours.train, size: 8, hollow: true },
      ],
    });
    await writeText(dir, FIGURE, scatterPanelsSvg(`Learned vs empirical score, same noise: ${set.label}; ${control}`,
      [panel('learned', 'learned network', 0), panel('empirical', 'empirical score s_N', 1)], 460));
    await writeTable(dir, 'table', ['score', 'memorizedFraction', 'medianNearestDistance', 'meanNearestDistance', 'distinctNearest'],
      (['learned', 'empirical'] as const).map((k) => [k, memo[k].memorizedFraction, memo[k].medianNearestDistance, memo[k].meanNearestDistance, memo[k].distinctNearest]));
    if (scoreError) await writeTable(dir, 'table-score-error', ['t', 'learned', 'empirical'], scoreError.map((e) => [e.t, e.learned, e.empirical]));
    await writeArrays(dir, 'samples.npz', {
      learned: { data: samples[0]!, shape: [req.n, D] },
      empirical: { data: samples[1]!, shape: [req.n, D] },
    });
    return {
      kind: KIND,
      title: `Learned vs empirical score: ${set.label}, n=${req.n}`,
      params: { ...req, data: req.data ?? null, model: loaded.run.id, modelGiven: req.model !== undefined },
      environment,
      timings: { ...timings, total: (performance.now() - started) / 1000 },
      summary,
      details: {
        dataset: set.details,
        model: { run: loaded.run.id, title: loaded.run.title, architecture: loaded.run.architecture, steps: loaded.run.steps, finalLoss: loaded.run.finalLoss, trainedHere: !req.model },
        samples: 'samples.npz members learned and empirical, float32 [n, D], data coordinates (x = e^delta x_OU)',
        noise: `seed ${req.seed}: the same initial points and step noise for both scores (row-keyed)`,
        neighbours: 'exact L2 against the training set; memorised iff d1/d2 < 1/3',
        ...(scoreError ? { scoreError: `table-score-error.csv: ||s - s_exact|| / ||s_exact|| over 2000 x ~ p_t of N((-5, 5), 10 I) per t, the same points for both scores` } : {}),
      },
    };
  });
  ctx?.progress(1, 'done');
  const withSamples = (k: 'learned' | 'empirical', i: number) => ({ ...memo[k], samples: points[i]! });
  return {
    run: manifest.id, dir: runDirectory(workspace, manifest.id), model: loaded.run.id, summary, train,
    learned: withSamples('learned', 0), empirical: withSamples('empirical', 1), scoreError, figures: [FIGURE],
  };
}
