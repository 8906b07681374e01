/**
 * The paper's 2-D experiment as a run (docs/math.md §4, reference figures §7): the empirical score and
 * the exact Gaussian score from the same initial points and step noise. Saves samples.npz
 * (train, empirical, gaussian), points.json (with delta > 0 also the empirical score's target KDE on a
 * grid), figure-samples.svg (two panels) and table.csv/json
 * (one row per score); headline numbers: memorised fraction and median NN distance per score.
 */
import { experiments } from '../../contract/experiments';
import { stageContext, type JobContext } from '../../science/job-context';
import { identityScaling, reportedDistanceUnit } from '../../science/data-scaling';
import type { Gaussian2dExperimentRequest, Gaussian2dExperimentResult, KdeDensityGrid, RunPoints } from '../../contract/sampling';
import { gaussian2d, type Gaussian2dResult, type Gaussian2dRun } from '../../science/experiments/gaussian2d';
import { ou } from '../../science/forward-process';
import { kdeDensityGrid } from '../../science/metrics/kde-density';
import { saveRun, runDirectory } from '../../workspace/runs';
import { runEnvironment } from './environment';
import { figureColours, scatterPanelsSvg } from './figures';
import { writeArrays, writeJson, writeTable, writeText, type RichRunContent } from './run-files';

const flat = (pairs: [number, number][]) => Float32Array.from(pairs.flat());
const pct = (f: number) => `${(100 * f).toFixed(1)}%`;

/**
 * The law the empirical-score run targets when stopped at delta > 0: the KDE p_delta^N (docs/math.md
 * §3), here in OU coordinates as the samples are (centres e^{-delta} y_i, std h(delta)). At
 * delta = 0 it is the empirical measure itself: no density.
 */
function empiricalTargetDensity(r: Gaussian2dResult, delta: number): KdeDensityGrid {
  const h = ou.bandwidth(delta);
  const grid = kdeDensityGrid(flat(r.train), r.train.length, 2, {
    std: h, shrink: ou.mean(delta), include: [...r.empirical.samples, ...r.gaussian.samples],
  });
  return { ...grid, bandwidth: h, kernelStd: h };
}

export async function runGaussian2dExperiment(workspace: string, req: Gaussian2dExperimentRequest, ctx?: JobContext): Promise<Gaussian2dExperimentResult> {
  const r = await gaussian2d(
    { nTrain: req.nTrain, nSamples: req.nSamples, steps: req.steps, T: req.T, delta: req.delta, seed: req.seed, sampler: req.sampler },
    stageContext(ctx, 0, 0.95),
  );
  ctx?.throwIfCancelled();
  const environment = await runEnvironment();
  const summary = {
    memorizedFraction: { empirical: r.empirical.memorizedFraction, gaussian: r.gaussian.memorizedFraction },
    medianNearestDistance: { empirical: r.empirical.medianNearestDistance, gaussian: r.gaussian.medianNearestDistance },
    distanceUnits: reportedDistanceUnit(identityScaling).label,
    gaussianVariance: r.gaussian.variance,
  };
  const points: RunPoints = {
    sets: [
      { name: 'training points', points: r.train },
      { name: 'empirical score', points: r.empirical.samples },
      { name: 'Gaussian score', points: r.gaussian.samples },
    ],
    kernelRadius: null,
    dimension: 2,
    density: req.delta > 0 ? empiricalTargetDensity(r, req.delta) : null,
  };
  const figures = ['figure-samples.svg'];
  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, experiments.gaussian2d.runKind, async (dir): Promise<RichRunContent> => {
    await writeArrays(dir, 'samples.npz', {
      train: { data: flat(r.train), shape: [r.train.length, 2] },
      empirical: { data: flat(r.empirical.samples), shape: [r.empirical.samples.length, 2] },
      gaussian: { data: flat(r.gaussian.samples), shape: [r.gaussian.samples.length, 2] },
    });
    await writeJson(dir, 'points.json', points);
    const panel = (name: string, run: Gaussian2dRun) => ({
      title: `${name}: memorised ${pct(run.memorizedFraction)}, median NN ${run.medianNearestDistance.toFixed(3)}`,
      series: [
        { name: 'samples', points: run.samples, colour: figureColours.samples, size: 3 },
        { name: 'training points', points: r.train, colour: figureColours.train, size: 8, hollow: true },
      ],
    });
    await writeText(dir, figures[0]!, scatterPanelsSvg(
      `2-D Gaussian N((${r.params.mean.join(', ')}), ${r.params.variance} I), N = ${r.params.nTrain}: ${r.params.steps} steps, T = ${r.params.T}`,
      [panel('empirical score', r.empirical), panel('exact Gaussian score', r.gaussian)],
    ));
    const row = (name: string, run: Gaussian2dRun) => [
      name, run.memorizedFraction, run.medianNearestDistance, run.meanNearestDistance, run.distinctNearest,
      run.sampleMean[0], run.sampleMean[1], run.variance[0], run.variance[1],
    ];
    await writeTable(dir, 'table', ['score', 'memorizedFraction', 'medianNearestDistance', 'meanNearestDistance', 'distinctNearest', 'meanX', 'meanY', 'varianceX', 'varianceY'],
      [row('empirical', r.empirical), row('gaussian', r.gaussian)]);
    return {
      kind: experiments.gaussian2d.runKind,
      title: `2-D Gaussian: empirical vs exact score (N=${r.params.nTrain}, ${r.params.steps} steps)`,
      params: { ...req, mean: r.params.mean, variance: r.params.variance, h: r.params.h },
      environment,
      timings: { total: r.seconds },
      summary,
      details: {
        samples: 'samples.npz: train [N, 2], empirical [n, 2], gaussian [n, 2] (OU output at delta; delta = 0 by default)',
        noise: `seed ${r.params.seed}: training set (stream data), initial points (stream initial) and step noise (stream sampler) shared by both scores`,
        criterion: 'memorised iff d1/d2 < 1/3 against the training points',
      },
    };
  });
  ctx?.progress(1, 'done');
  const strip = (run: Gaussian2dRun) => ({
    memorizedFraction: run.memorizedFraction, medianNearestDistance: run.medianNearestDistance, meanNearestDistance: run.meanNearestDistance,
    distinctNearest: run.distinctNearest, samples: run.samples, variance: run.variance,
  });
  return { run: manifest.id, dir: runDirectory(workspace, manifest.id), summary, train: r.train, empirical: strip(r.empirical), gaussian: strip(r.gaussian), figures };
}
