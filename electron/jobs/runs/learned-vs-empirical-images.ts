/**
 * "Learned vs empirical" on images: the U-Net of a train-score run (or one trained here) and the
 * empirical optimal score s_N of the same N training images drive the same sampler from the SAME
 * initial noise; each sample set is audited against the N images (exact nearest neighbours,
 * memorised iff d1/d2 < 1/3, bootstrap 95% intervals), shown side by side with the nearest training
 * images, and the network's score is compared with s_N per noise level: the relative L2 error
 * ||s_theta(t, x) - s_N(t, x)|| / ||s_N(t, x)|| at x = m_t y + s_t z for training images y.
 * Saves figure-samples.png, figure-score-error.svg, table.csv, table-score-error.csv, samples.npz.
 */
import * as tf from '@tensorflow/tfjs-core';
import { experiments } from '../../contract/experiments';
import { SampleRequest, type LearnedVsEmpiricalRequest, type LearnedVsEmpiricalResult } from '../../contract/sampling';
import { TrainScoreRequest } from '../../contract/training';
import type { JobContext } from '../../science/job-context';
import { minus1To1ToBytes } from '../../science/data-scaling';
import { ou } from '../../science/forward-process';
import { createNoise, noiseStreams } from '../../science/noise';
import { empiricalScore } from '../../science/scores/empirical';
import { learnedScore } from '../../science/scores/learned';
import { trainScore } from '../../science/training/train-score';
import { readModelRun } from '../../workspace/model-run';
import { saveRun, runDirectory } from '../../workspace/runs';
import { drawSamples } from './draw-samples';
import { runEnvironment } from './environment';
import { figureColours, lineFigureSvg } from './figures';
import { auditNearest, gatherItems } from './reported-distances';
import { writeArrays, writeStackedImagesPng, writeTable, writeText, type RichRunContent } from './run-files';
import { loadLearnedModel, type LoadedModel } from './score-choice';
import type { TrainingData } from './training-data';
import { resolveTraining, saveTrainedScore } from './train-score-run';

const KIND = experiments.learnedVsEmpirical.runKind;
/** OU times of the score comparison (sigma 0.045 .. 7.3). */
const ERROR_TIMES = [0.001, 0.01, 0.1, 0.5, 1, 2];
/** Training images whose noised copies probe the scores, at most. */
const PROBE_IMAGES = 64;
const GALLERY = 16;

/** ||a - b|| / ||b|| of each score against s_N at x_t of the first training images, per t. */
function errorAgainstEmpirical(learned: ReturnType<typeof learnedScore>, empirical: ReturnType<typeof empiricalScore>, data: TrainingData, seed: number): { t: number; relativeError: number }[] {
  const D = data.matrix.cols;
  const count = Math.min(PROBE_IMAGES, data.used);
  return ERROR_TIMES.map((t, k) => {
    const x = tf.tidy(() => tf.add(
      tf.mul(tf.tensor2d(data.matrix.values.subarray(0, count * D), [count, D]), ou.mean(t)),
      tf.mul(createNoise(seed, noiseStreams.picks, 0x6c7665, k).normal([count, D]), ou.std(t)),
    ) as tf.Tensor2D);
    const a = learned.at(t, x);
    const b = empirical.at(t, x);
    const relativeError = tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0]! / tf.norm(b).dataSync()[0]!);
    tf.dispose([x, a, b]);
    return { t, relativeError };
  });
}

export async function runLearnedVsEmpiricalImages(workspace: string, req: LearnedVsEmpiricalRequest, data: TrainingData, ctx?: JobContext): Promise<LearnedVsEmpiricalResult> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  const label = `${data.ref} (N=${data.used})`;
  let loaded: LoadedModel;
  if (req.model) {
    loaded = await loadLearnedModel(workspace, req.model, data.itemShape, label);
  } else {
    const { options } = resolveTraining(TrainScoreRequest.parse({ data: data.ref, model: 'unet', steps: req.trainSteps, T: req.T, seed: req.seed }), data);
    const trained = await trainScore(data.matrix, options, ctx && { ...ctx, progress: (f, m, figures) => ctx.progress(0.6 * f, `training: ${m ?? ''}`, figures) });
    const saved = await saveTrainedScore(workspace, trained, {
      matrix: data.matrix, label,
      details: { ref: data.ref, sha256: data.sha256, kind: 'images', itemShape: data.itemShape, totalItems: data.total, usedItems: data.used, units: 'pixels scaled to [-1, 1]' },
    }, { data: data.ref, subset: data.used, model: 'unet', trainedFor: KIND });
    loaded = { run: await readModelRun(workspace, saved.run), model: trained.model };
  }
  timings['train'] = (performance.now() - started) / 1000;
  ctx?.throwIfCancelled();
  const from = req.model ? 0.05 : 0.6;
  const t0 = performance.now();
  // the same initial noise and step noise (row-keyed by seed) through both scores
  const request = (score: 'learned' | 'empirical') => SampleRequest.parse({
    data: data.ref, subset: data.used, score, ...(score === 'learned' ? { model: loaded.run.id } : {}),
    sampler: req.sampler, n: req.n, steps: req.steps, grid: req.grid, delta: req.delta, T: req.T, seed: req.seed,
  });
  const learnedSamples = drawSamples(request('learned'), data, ctx, from, from + 0.6 * (0.9 - from), { learned: loaded });
  const empiricalSamples = drawSamples(request('empirical'), data, ctx, from + 0.6 * (0.9 - from), 0.9);
  timings['sample'] = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const learned = learnedScore(loaded.model);
  const empirical = empiricalScore(data.matrix);
  let errors: { t: number; relativeError: number }[];
  try {
    errors = errorAgainstEmpirical(learned, empirical, data, req.seed);
  } finally {
    learned.dispose();
    empirical.dispose();
  }
  timings['scoreError'] = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const a = await auditNearest(data, learnedSamples.values, req.n, req.seed, ctx, 0.9, 0.94);
  const b = await auditNearest(data, empiricalSamples.values, req.n, req.seed, ctx, 0.94, 0.97);
  timings['neighbours'] = (performance.now() - t2) / 1000;
  const memo = { learned: a.summary, empirical: b.summary };
  const unit = a.unit.label;
  const summary = {
    data: label,
    model: loaded.run.id,
    memorizedFraction: { learned: memo.learned.memorizedFraction, empirical: memo.empirical.memorizedFraction },
    memorizedCI: { learned: a.memorizedCI, empirical: b.memorizedCI },
    medianNearestDistance: { learned: memo.learned.medianNearestDistance, empirical: memo.empirical.medianNearestDistance },
    distanceUnits: unit,
    relativeErrorAgainstEmpirical: Object.fromEntries(errors.map((e) => [`t=${e.t}`, e.relativeError])),
  };
  const environment = await runEnvironment();
  const D = data.matrix.cols;
  const shown = Math.min(GALLERY, req.n);
  const nearestOf = (nn: { index: Int32Array }) => gatherItems(data.pixels!, nn.index, shown, D);
  const figures = ['figure-samples.png', 'figure-score-error.svg'];
  const control = `${req.sampler}, ${req.steps} steps (${req.grid}), δ = ${req.delta}, T = ${req.T}, n = ${req.n}, seed ${req.seed}`;
  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, KIND, async (dir): Promise<RichRunContent> => {
    // rows: network samples, their nearest training images, s_N samples, their nearest training images
    await writeStackedImagesPng(dir, figures[0]!, [
      minus1To1ToBytes(learnedSamples.values.subarray(0, shown * D)), nearestOf(a.nn),
      minus1To1ToBytes(empiricalSamples.values.subarray(0, shown * D)), nearestOf(b.nn),
    ], shown, data.itemShape, GALLERY, 3);
    await writeText(dir, figures[1]!, lineFigureSvg({
      title: 'The network\'s score against the empirical optimal score s_N',
      subtitle: `${label}; ${loaded.run.title}; x = m_t y + s_t z for ${Math.min(PROBE_IMAGES, data.used)} training images`,
      xLabel: 'OU time t', yLabel: '||s_theta − s_N|| / ||s_N||', xLog: true, yLog: true,
      series: [{ name: 'network vs s_N', points: errors.map((e) => [e.t, e.relativeError]), colour: figureColours.samples, style: 'line' }],
    }));
    await writeTable(dir, 'table', ['score', 'memorizedFraction', 'memorizedLo', 'memorizedHi', 'medianNearestDistance', 'meanNearestDistance', 'distinctNearest'],
      ([['learned', a.memorizedCI], ['empirical', b.memorizedCI]] as const).map(([k, ci]) => [k, memo[k].memorizedFraction, ci[0], ci[1], memo[k].medianNearestDistance, memo[k].meanNearestDistance, memo[k].distinctNearest]));
    await writeTable(dir, 'table-score-error', ['t', 'relativeErrorAgainstEmpirical'], errors.map((e) => [e.t, e.relativeError]));
    await writeArrays(dir, 'samples.npz', {
      learned: { data: minus1To1ToBytes(learnedSamples.values), shape: [req.n, ...data.itemShape] },
      empirical: { data: minus1To1ToBytes(empiricalSamples.values), shape: [req.n, ...data.itemShape] },
    });
    return {
      kind: KIND,
      title: `Learned vs empirical score on images: ${label}, n=${req.n}`,
      params: { ...req, data: data.ref, model: loaded.run.id, modelGiven: req.model !== undefined },
      environment,
      timings: { ...timings, total: (performance.now() - started) / 1000 },
      summary,
      details: {
        dataset: { ref: data.ref, sha256: data.sha256, usedItems: data.used, itemShape: data.itemShape },
        model: { run: loaded.run.id, title: loaded.run.title, architecture: loaded.run.architecture, steps: loaded.run.steps, finalLoss: loaded.run.finalLoss, trainedHere: !req.model },
        sampling: control,
        samples: 'samples.npz members learned and empirical, uint8 NHWC (data coordinates, rounded)',
        noise: `seed ${req.seed}: the same initial points and step noise for both scores (row-keyed)`,
        neighbours: `exact L2 against the ${data.used} training images, as ${unit}; memorised iff d1/d2 < 1/3; 95% bootstrap intervals`,
        scoreError: `table-score-error.csv: ||s_theta - s_N|| / ||s_N|| at x = m_t y + s_t z, y the first ${Math.min(PROBE_IMAGES, data.used)} training images`,
      },
    };
  });
  ctx?.progress(1, 'done');
  const numbers = (k: 'learned' | 'empirical') => ({ ...memo[k], samples: [] as [number, number][] });
  return {
    run: manifest.id, dir: runDirectory(workspace, manifest.id), model: loaded.run.id, summary, train: [],
    learned: numbers('learned'), empirical: numbers('empirical'), scoreError: null, errorAgainstEmpirical: errors,
    memorizedCI: { learned: a.memorizedCI, empirical: b.memorizedCI }, figures,
  };
}
