/**
 * The paper's CIFAR-10 run with the empirical score (docs/math.md §4): EDM Heun, 18 Karras levels in
 * [0.002, 80], rho 7, stopped 2 steps early (sigma = 0.00753): every sample is a training image.
 * Saves samples.npz (arr_0 uint8 NHWC), nearest.npz, neighbours.json, figure-nearest.png (each
 * sample above its nearest training image), figure-ratios.svg (d1/d2 per sample) and table.csv/json.
 */
import { experiments } from '../../contract/experiments';
import { stageContext, type JobContext } from '../../science/job-context';
import type { Cifar10ExperimentRequest, Cifar10ExperimentResult } from '../../contract/sampling';
import { cifarEmpirical } from '../../science/experiments/cifar-empirical';
import { defaultThreshold } from '../../science/metrics/memorization';
import { gatherItems, reportNearest } from './reported-distances';
import { saveRun, runDirectory } from '../../workspace/runs';
import { runEnvironment } from './environment';
import { loadTrainingData } from './training-data';
import { barFigureSvg, figureColours } from './figures';
import { writeArrays, writeJson, writeStackedImagesPng, writeTable, writeText, type RichRunContent } from './run-files';

export async function runCifar10Experiment(workspace: string, req: Cifar10ExperimentRequest & { data: string }, ctx?: JobContext): Promise<Cifar10ExperimentResult> {
  ctx?.progress(0, 'loading training images');
  const data = await loadTrainingData(workspace, req.data, req.subset);
  if (data.kind !== 'images' || !data.pixels) throw new Error(`experiment cifar10 needs images; dataset ${data.ref} holds vectors`);
  ctx?.throwIfCancelled();
  const r = await cifarEmpirical(
    data.matrix,
    { n: req.n, seed: req.seed, steps: req.steps, stopEarly: req.stopEarly, sigmaMin: req.sigmaMin, sigmaMax: req.sigmaMax, rho: req.rho },
    stageContext(ctx, 0.02, 0.95),
  );
  ctx?.throwIfCancelled();
  const environment = await runEnvironment();
  const D = data.matrix.cols;
  const itemShape = data.itemShape;
  // distances in the reported unit (L2 on pixels in [0, 1]), as the audit measures them
  const { nn, summary: memo, unit } = reportNearest(
    { index: Int32Array.from(r.nearestIndex), first: Float64Array.from(r.nearestDistance), second: Float64Array.from(r.secondDistance) },
    data.scaling,
  );
  const ratios = r.nearestDistance.map((d, i) => d / r.secondDistance[i]!);
  const summary = {
    ...memo,
    lastSigma: r.sigmas.at(-1)!,
    trainingImages: data.used,
    data: data.ref,
    distanceUnits: unit.label,
  };
  const figures = ['figure-nearest.png', 'figure-ratios.svg'];
  const nearest = gatherItems(data.pixels, r.nearestIndex, req.n, D);
  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, experiments.cifar10.runKind, async (dir): Promise<RichRunContent> => {
    await writeArrays(dir, 'samples.npz', { arr_0: { data: r.samplesUint8, shape: [req.n, ...itemShape] } });
    await writeArrays(dir, 'nearest.npz', { arr_0: { data: nearest, shape: [req.n, ...itemShape] }, index: { data: Int32Array.from(r.nearestIndex), shape: [req.n] } });
    await writeJson(dir, 'neighbours.json', { units: unit.label, k: 2, index: r.nearestIndex, d1: Array.from(nn.first), d2: Array.from(nn.second) });
    await writeStackedImagesPng(dir, figures[0]!, [r.samplesUint8, nearest], req.n, itemShape, 16, 3);
    await writeText(dir, figures[1]!, barFigureSvg({
      title: 'Distance ratio to the two nearest training images',
      subtitle: `${data.ref}, N = ${data.used}; EDM Heun ${req.steps} levels stopped ${req.stopEarly} early (sigma ${r.sigmas.at(-1)!.toPrecision(3)}); memorised ${(100 * memo.memorizedFraction).toFixed(0)}%`,
      xLabel: 'sample',
      yLabel: 'd1 / d2',
      values: ratios,
      colours: ratios.map((q) => (q < defaultThreshold ? figureColours.train : figureColours.samples)),
      marks: [{ y: defaultThreshold, label: '1/3: memorised below' }],
    }));
    await writeTable(dir, 'table', ['sample', 'nearestIndex', 'd1', 'd2', 'ratio', 'memorized'],
      ratios.map((q, i) => [i, r.nearestIndex[i]!, nn.first[i]!, nn.second[i]!, q, q < defaultThreshold]));
    return {
      kind: experiments.cifar10.runKind,
      title: `CIFAR-10 empirical score, EDM ${req.steps} levels stopped ${req.stopEarly} early (N=${data.used}, n=${req.n})`,
      params: { ...req, data: data.ref, subset: data.used },
      environment,
      timings: { total: r.seconds },
      summary,
      details: {
        dataset: { ref: data.ref, sha256: data.sha256, usedItems: data.used, totalItems: data.total, scaling: data.scaling.kind },
        samples: { file: 'samples.npz', member: 'arr_0', dtype: 'uint8', shape: [req.n, ...itemShape], coordinates: 'data (EDM output at the last noise level), bytes = clip(round((x + 1) * 127.5))' },
        sigmas: r.sigmas,
        neighbours: `exact L2 on the float samples in [-1, 1], reported as ${unit.label} (half the [-1, 1] distance); memorised iff d1/d2 < 1/3`,
      },
    };
  });
  ctx?.progress(1, 'done');
  return { run: manifest.id, dir: runDirectory(workspace, manifest.id), summary, n: req.n, itemShape, figures };
}
