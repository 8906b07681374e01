/**
 * A sampling run from start to folder: load the training split (first `subset` items), scale it,
 * build the score, sample, find each sample's two nearest training items (memorisation: d1/d2 <
 * 1/3, docs/math.md §5), and write <workspace>/runs/<id>/:
 *   run.json        every parameter (seeds included), backend + device, versions, timings, summary
 *   samples.npz     arr_0: uint8 [n, H, W, C] images (from [-1, 1], rounded and clipped), or
 *                   float32 [n, D] vectors; data coordinates (see draw-samples.ts)
 *   neighbours.json nearest and second-nearest training index/distance per sample (images: L2 on
 *                   pixels in [0, 1], as the audit; vectors: data units; reported-distances.ts)
 *   images:  nearest.npz (arr_0: each sample's nearest training image, index) + figure-nearest.png
 *   vectors: points.json (coordinates 0, 1 for charts; for the empirical score also the target KDE
 *            p_delta^N on an 80 x 80 grid, metrics/kde-density.ts) + figure-samples.svg
 * Nothing is written until the samples exist: a cancelled job leaves no folder.
 */
import type { JobContext } from '../../science/job-context';
import type { SampleRequest, SampleRunResult, RunPoints, KdeDensityGrid } from '../../contract/sampling';
import { ou } from '../../science/forward-process';
import { pixelNoise255 } from '../../contract/early-stopping';
import { runKinds } from '../../contract/run-kinds';
import { minus1To1ToBytes, bytesToMinus1To1 } from '../../science/data-scaling';
import { searchNearestTwo } from '../../science/experiments/nearest';
import { gatherItems, reportNearest } from './reported-distances';
import { saveRun, runDirectory } from '../../workspace/runs';
import { loadTrainingData, type TrainingData } from './training-data';
import { earlyStopOf, type EarlyStop } from '../../contract/early-stopping';
import { kdeDensityGrid } from '../../science/metrics/kde-density';
import { drawSamples } from './draw-samples';
import { trainedRangeWarning } from '../../workspace/model-run';
import { loadLearnedModel, resolveLocalPatch, resolveSmoothing, type ScoreInputs } from './score-choice';
import { runEnvironment } from './environment';
import { lapTimer } from './lap-timer';
import { firstTwo } from '../../science/points';
import { figureColours, scatterPanelsSvg } from './figures';
import { writeArrays, writeJson, writeStackedImagesPng, writeText, type RichRunContent } from './run-files';

/** Training points kept for charts (the full set stays in the dataset). */
const TRAIN_POINTS_LIMIT = 5000;
/** Pairs drawn in figure-nearest.png. */
const FIGURE_PAIRS = 32;

function title(req: SampleRequest, ref: string, used: number, delta: number | null, { smoothing, local }: ScoreInputs): string {
  const control = req.sampler === 'cifar-kde' ? `factor ${req.factor}` : `δ=${delta?.toPrecision(3)}`;
  const smoothed = smoothing ? ` σ=${smoothing.sigma.toPrecision(3)} M=${smoothing.draws}` : '';
  const patch = local ? ` ${local.patch}×${local.patch}` : '';
  const score = req.sampler === 'kde' || req.sampler === 'cifar-kde' ? '' : ` · ${req.score} score${smoothed}${patch}`;
  return `${req.sampler}${score} · ${ref} (N=${used}) · ${control} · n=${req.n}`;
}

/**
 * The KDE the empirical-score run samples from (docs/math.md §3), on the 2-D view: the samples are
 * stored in data coordinates (x = e^delta x_OU, draw-samples.ts), where p_delta^N is the mixture of
 * N(y_i, sigma(delta)^2 I) (= e^delta times N(e^{-delta} y_i, h^2 I)); the kde and edm samplers
 * target the same law. Coordinates 0 and 1 only: the exact marginal of the isotropic mixture.
 */
function kdeDensityForView(data: TrainingData, stop: EarlyStop, sigma: number, samples: [number, number][]): KdeDensityGrid {
  const grid = kdeDensityGrid(data.matrix.values, data.used, data.matrix.cols, { std: sigma, include: samples });
  return { ...grid, bandwidth: stop.bandwidth, kernelStd: sigma };
}

export async function runSample(workspace: string, req: SampleRequest, ctx?: JobContext): Promise<SampleRunResult> {
  const started = performance.now();
  const lap = lapTimer();
  const timings: Record<string, number> = {};
  // resolved by the contract (withEarlyStop); cifar-kde has no early stopping
  const stop = req.sampler === 'cifar-kde' ? null : earlyStopOf(req);
  /** Things a reader of the numbers should know (e.g. a network sampled outside its training range). */
  const warnings: string[] = [];

  ctx?.progress(0, 'loading training data');
  const data = await loadTrainingData(workspace, req.data, req.subset);
  timings['load'] = lap();
  ctx?.throwIfCancelled();

  const D = data.matrix.cols;
  // what the learned, smoothed and local scores need beyond the data, settled before sampling
  const inputs: ScoreInputs = {};
  if (req.score === 'learned' && req.model) {
    inputs.learned = await loadLearnedModel(workspace, req.model, data.itemShape, data.ref);
    const outside = stop && trainedRangeWarning(inputs.learned.run, stop.delta, req.T);
    if (outside) warnings.push(outside);
    timings['loadModel'] = lap();
  }
  if (req.score === 'smoothed' && stop) {
    ctx?.progress(0.02, req.smoothing === undefined ? 'measuring the nearest-neighbour spacing (default smoothing)' : 'smoothing');
    inputs.smoothing = await resolveSmoothing(req, data.matrix, data.ref);
    timings['smoothing'] = lap();
    ctx?.throwIfCancelled();
  }
  if (req.score === 'local' && stop) inputs.local = resolveLocalPatch(req, data);
  const { learned, smoothing, local } = inputs;
  // the settled smoothing / patch, recorded in params and summary alike
  const settled = {
    ...(smoothing ? { smoothing: smoothing.sigma, smoothingDraws: smoothing.draws } : {}),
    ...(local ? { patch: local.patch } : {}),
  };
  const drawn = drawSamples(req, data, ctx, 0.05, 0.85, inputs);
  timings['sample'] = lap();
  ctx?.throwIfCancelled();

  // Images are judged as stored: quantised to bytes, then back to [-1, 1].
  const images = data.kind === 'images';
  const bytes = images ? minus1To1ToBytes(drawn.values) : null;
  const queries = bytes ? bytesToMinus1To1(bytes) : drawn.values;
  const found = await searchNearestTwo(data.matrix, queries, req.n, ctx, 0.85, 0.97);
  const { nn, summary: memo, unit } = reportNearest(found, data.scaling);
  timings['neighbours'] = lap();
  ctx?.throwIfCancelled();

  const environment = await runEnvironment();
  const itemShape = data.itemShape;
  // distances in the reported unit; the smoothing sigma stays a model-space parameter
  const units = unit.label;
  const modelUnits = images ? '[-1, 1] model units (pixel / 127.5 - 1)' : 'data units';
  const kernelRadius = stop && req.score === 'empirical' ? ou.sigmaOfT(stop.delta) : null;
  let points: RunPoints | null = null;
  if (!images) {
    lap();
    const samplePoints = firstTwo(drawn.values, req.n, D);
    points = {
      sets: [
        { name: 'training points', points: firstTwo(data.matrix.values, data.used, D, TRAIN_POINTS_LIMIT) },
        { name: 'samples', points: samplePoints },
      ],
      kernelRadius,
      dimension: D,
      density: stop && kernelRadius !== null && D >= 2 ? kdeDensityForView(data, stop, kernelRadius, samplePoints) : null,
    };
    timings['density'] = lap();
  }

  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, runKinds.sample, async (dir): Promise<RichRunContent> => {
    ctx?.throwIfCancelled();
    const w0 = performance.now();
    await writeArrays(dir, 'samples.npz', {
      arr_0: bytes ? { data: bytes, shape: [req.n, ...itemShape] } : { data: drawn.values, shape: [req.n, D] },
    });
    await writeJson(dir, 'neighbours.json', { units, k: 2, index: Array.from(nn.index), d1: Array.from(nn.first), d2: Array.from(nn.second) });
    if (bytes && data.pixels) {
      const nearest = gatherItems(data.pixels, nn.index, req.n, D);
      await writeArrays(dir, 'nearest.npz', { arr_0: { data: nearest, shape: [req.n, ...itemShape] }, index: { data: Int32Array.from(nn.index), shape: [req.n] } });
      if (itemShape.length === 3) await writeStackedImagesPng(dir, 'figure-nearest.png', [bytes, nearest], Math.min(req.n, FIGURE_PAIRS), itemShape, 16, 3);
    }
    if (points) {
      await writeJson(dir, 'points.json', points);
      await writeText(dir, 'figure-samples.svg', scatterPanelsSvg(title(req, data.ref, data.used, stop?.delta ?? null, inputs), [{
        title: `memorised ${(100 * memo.memorizedFraction).toFixed(1)}% · median NN distance ${memo.medianNearestDistance.toPrecision(3)}`,
        series: [
          { name: 'samples', points: points.sets[1]!.points, colour: figureColours.samples, size: 4 },
          { name: 'training points', points: points.sets[0]!.points, colour: figureColours.train, size: 8, hollow: true },
        ],
      }], 520));
    }
    timings['write'] = (performance.now() - w0) / 1000;
    timings['total'] = (performance.now() - started) / 1000;
    const content: RichRunContent = {
      kind: runKinds.sample,
      title: title(req, data.ref, data.used, stop?.delta ?? null, inputs),
      params: {
        ...req,
        data: data.ref,
        subset: data.used,
        delta: stop?.delta ?? null,
        bandwidth: stop?.bandwidth ?? null,
        earlyStopGiven: stop?.given ?? null,
        samplerSeed: req.samplerSeed ?? req.seed,
        ...settled,
      },
      environment,
      timings,
      summary: {
        ...memo,
        n: req.n,
        data: data.ref,
        trainingItems: data.used,
        sampler: req.sampler,
        score: req.sampler === 'kde' || req.sampler === 'cifar-kde' ? null : req.score,
        ...(learned ? { model: learned.run.id } : {}),
        ...settled,
        delta: stop?.delta ?? null,
        bandwidth: stop?.bandwidth ?? null,
        ...(images && stop ? { pixelNoise255: pixelNoise255(stop.delta) } : {}),
        distanceUnits: units,
        ...(warnings.length ? { warnings } : {}),
      },
      details: {
        dataset: { ref: data.ref, sha256: data.sha256, kind: data.kind, itemShape, totalItems: data.total, usedItems: data.used, scaling: data.scaling.kind },
        samples: {
          file: 'samples.npz', member: 'arr_0',
          dtype: bytes ? 'uint8' : 'float32',
          shape: bytes ? [req.n, ...itemShape] : [req.n, D],
          coordinates: drawn.coordinates,
          ...(bytes ? { mapping: 'bytes = clip(round((x + 1) * 127.5), 0, 255)' } : {}),
        },
        sampler: { id: req.sampler, schedule: drawn.schedule, scoreEvaluationsPerSample: drawn.scoreEvaluations },
        score: drawn.scoreDescription,
        ...(learned ? {
          model: {
            run: learned.run.id, title: learned.run.title, data: learned.run.dataLabel, dataRef: learned.run.dataRef, dataSha256: learned.run.dataSha256,
            architecture: learned.run.architecture, steps: learned.run.steps, finalLoss: learned.run.finalLoss,
          },
        } : {}),
        ...(smoothing ? {
          smoothing: {
            sigma: smoothing.sigma, draws: smoothing.draws, units: modelUnits, sigmaFrom: smoothing.sigmaFrom,
            ...(smoothing.spacing !== null ? { medianNearestNeighbourSpacing: smoothing.spacing, spacingItems: smoothing.spacingItems } : {}),
            what: 's(t, x) = (1/M) sum_m s_N(t, x + e^{-t} sigma eps_m), eps_m in antithetic pairs (eps, -eps): sigma in data units at every t',
          },
        } : {}),
        ...(local ? {
          localPatch: {
            patch: local.patch, patchFrom: local.patchFrom, itemShape: local.itemShape, borders: 'zero padding (a border patch is the part of the window inside the image)',
            what: 'ybar(p) = sum_n softmax_n(-||P_p(x) - e^{-t} P_p(y_n)||^2 / (2 s_t^2)) y_n(p), P_p the patch x patch window at pixel p; s = (e^{-t} ybar - x) / s_t^2',
          },
        } : {}),
        noise: {
          initial: `seed ${req.seed}, stream initial, keyed by sample row`,
          steps: `seed ${req.samplerSeed ?? req.seed}, stream sampler, keyed by sample row`,
          ...(smoothing ? { smoothing: `seed ${smoothing.seed}, stream picks, keyed by (t, the row's values): fresh draws at every evaluation, independent of the batch` } : {}),
          note: 'the same seed gives the same initial noise: runs that differ only in delta, steps or sampler start from the same points',
        },
        ...(points?.density ? {
          density: {
            file: 'points.json', member: 'density',
            what: `KDE p_delta^N in data coordinates: (1/N) sum_i N(y_i, sigma(delta)^2 I), sigma = ${points.density.kernelStd.toPrecision(4)}, coordinates 0 and 1; ${points.density.nx} x ${points.density.ny} cell means, max = 1`,
            centres: points.density.centres,
          },
        } : {}),
        neighbours: { file: 'neighbours.json', search: 'exact L2 (tfjs chunked products, float64 re-rank)', units, criterion: 'memorised iff d1/d2 < 1/3' },
      },
    };
    return content;
  });
  ctx?.progress(1, 'done');
  return {
    run: manifest.id,
    dir: runDirectory(workspace, manifest.id),
    dataKind: data.kind,
    itemShape,
    n: req.n,
    delta: stop?.delta ?? null,
    bandwidth: stop?.bandwidth ?? null,
    summary: memo,
    distanceUnits: units,
    timings: manifest.timings,
    points,
    smoothing: smoothing ? { sigma: smoothing.sigma, draws: smoothing.draws, spacing: smoothing.spacing } : null,
    patch: local?.patch ?? null,
    warnings,
  };
}
