/**
 * Memorisation against delta as a run (docs/math.md §3, §7): the empirical score at each delta, from the
 * same initial points and step noise; memorised fraction and NN distances per delta. Training data:
 * a workspace dataset, or by default the paper's 2-D Gaussian set (N = 100 from N((-5, 5), 10 I)).
 * Saves figure-delta-sweep.svg and table.csv/json, and for images figure-delta-sweep-samples.png.
 */
import { experiments } from '../../contract/experiments';
import { stageContext, type JobContext } from '../../science/job-context';
import type { DeltaSweepRequest, DeltaSweepResult } from '../../contract/sampling';
import { deltaSweep } from '../../science/experiments/delta-sweep';
import { gaussian2dTrainingSet } from '../../science/experiments/gaussian2d';
import type { DataMatrix } from '../../science/data-matrix';
import { saveRun, runDirectory } from '../../workspace/runs';
import { runEnvironment } from './environment';
import { loadTrainingData } from './training-data';
import { reportedSummary } from './reported-distances';
import { figureColours, lineFigureSvg } from './figures';
import { writeStackedImagesPng, writeTable, writeText, type RichRunContent } from './run-files';
import { identityScaling, minus1To1ToBytes, reportedDistanceUnit, type DistanceUnit } from '../../science/data-scaling';
import type { DeltaSweepPoint } from '../../science/experiments/delta-sweep';

const SAMPLES_FIGURE = 'figure-delta-sweep-samples.png';
const SAMPLES_FIGURE_COLUMNS = 12;

/**
 * The blur fading in one picture: column j is sample j (same noise at every delta), row i its
 * value at the i-th smallest delta, and the last row the training image nearest to the first row.
 */
async function writeSweepSamplesFigure(dir: string, images: { pixels: Uint8Array; itemShape: number[] }, points: DeltaSweepPoint[], columns: number): Promise<void> {
  const item = images.itemShape.reduce((a, b) => a * b, 1);
  const rows = points.map((p) => minus1To1ToBytes(p.samples!.subarray(0, columns * item)));
  const nearest = new Uint8Array(columns * item);
  for (let j = 0; j < columns; j++) {
    const i = points[0]!.nearestIndex[j]!;
    nearest.set(images.pixels.subarray(i * item, (i + 1) * item), j * item);
  }
  await writeStackedImagesPng(dir, SAMPLES_FIGURE, [...rows, nearest], columns, images.itemShape, columns, 3);
}

export async function runDeltaSweepExperiment(workspace: string, req: DeltaSweepRequest, ctx?: JobContext): Promise<DeltaSweepResult> {
  const started = performance.now();
  let matrix: DataMatrix;
  let dataLabel: string;
  let dataDetails: Record<string, unknown>;
  let images: { pixels: Uint8Array; itemShape: number[] } | null = null;
  /** Distances and noise norms are reported in this unit (reported-distances.ts). */
  let unit: DistanceUnit;
  if (req.data) {
    const data = await loadTrainingData(workspace, req.data, req.subset);
    matrix = data.matrix;
    if (data.kind === 'images' && data.pixels) images = { pixels: data.pixels, itemShape: data.itemShape };
    dataLabel = `${data.ref} (N=${data.used})`;
    unit = reportedDistanceUnit(data.scaling);
    dataDetails = { ref: data.ref, sha256: data.sha256, kind: data.kind, usedItems: data.used, scaling: data.scaling.kind, units: unit.label };
  } else {
    const N = req.subset ?? 100;
    matrix = { values: gaussian2dTrainingSet(N, [-5, 5], 10, req.seed), rows: N, cols: 2 };
    dataLabel = `2-D Gaussian N((-5, 5), 10 I) (N=${N})`;
    unit = reportedDistanceUnit(identityScaling);
    dataDetails = { ref: null, synthetic: `gaussian2dTrainingSet(${N}, [-5, 5], 10, seed ${req.seed})`, units: unit.label };
  }
  const deltas = [...req.deltas].sort((a, b) => a - b);
  const r = await deltaSweep(
    matrix,
    deltas,
    { n: req.n, steps: req.steps, grid: req.grid, T: req.T, sampler: req.sampler, seed: req.seed, keepSamples: images !== null, miDraws: req.miDraws },
    stageContext(ctx, 0, 0.95),
  );
  ctx?.throwIfCancelled();
  const environment = await runEnvironment();
  const rows = r.points.map((p) => reportedSummary({
    delta: p.delta, bandwidth: p.bandwidth, expectedNoiseNorm: p.expectedNoiseNorm * unit.perModelUnit,
    memorizedFraction: p.memorizedFraction, medianNearestDistance: p.medianNearestDistance,
    meanNearestDistance: p.meanNearestDistance, distinctNearest: p.distinctNearest,
    mutualInformation: p.mutualInformation?.nats ?? null, mutualInformationSE: p.mutualInformation?.standardError ?? null,
  }, unit));
  const logN = Math.log(matrix.rows);
  const summary = {
    data: dataLabel,
    memorizedFractionByDelta: Object.fromEntries(rows.map((x) => [String(x.delta), x.memorizedFraction])),
    medianNearestDistanceByDelta: Object.fromEntries(rows.map((x) => [String(x.delta), x.medianNearestDistance])),
    distanceUnits: unit.label,
    ...(req.miDraws >= 2 ? {
      mutualInformationByDelta: Object.fromEntries(rows.map((x) => [String(x.delta), x.mutualInformation])),
      logN,
    } : {}),
  };
  const figures = ['figure-delta-sweep.svg', ...(images ? [SAMPLES_FIGURE] : [])];
  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, experiments.deltaSweep.runKind, async (dir): Promise<RichRunContent> => {
    await writeText(dir, figures[0]!, lineFigureSvg({
      title: 'Memorisation against the early-stopping time delta',
      subtitle: `${dataLabel}; ${req.sampler}, ${req.steps} steps on a ${req.grid} grid, T = ${req.T}; ${req.n} samples per delta, same noise`,
      xLabel: 'delta (log)',
      yLabel: req.miDraws >= 2 ? 'memorised fraction (d1/d2 < 1/3); MI / log N' : 'memorised fraction (d1/d2 < 1/3)',
      rightLabel: `median distance to nearest training point (${unit.label})`,
      xLog: true,
      yMax: 1,
      series: [
        { name: 'memorised fraction', points: rows.map((x) => [x.delta, x.memorizedFraction]), colour: figureColours.samples, style: 'line' },
        { name: 'median NN distance', points: rows.map((x) => [x.delta, x.medianNearestDistance]), colour: figureColours.train, style: 'line', rightAxis: true },
        { name: 'expected leftover noise h(δ)√D', points: rows.map((x) => [x.delta, x.expectedNoiseNorm]), colour: figureColours.muted, style: 'dashed', rightAxis: true },
        ...(req.miDraws >= 2 ? [{
          name: 'mutual information / log N', points: rows.map((x): [number, number] => [x.delta, (x.mutualInformation ?? 0) / logN]),
          colour: figureColours.second, style: 'line' as const,
        }] : []),
      ],
    }));
    if (images) await writeSweepSamplesFigure(dir, images, r.points, Math.min(req.n, SAMPLES_FIGURE_COLUMNS));
    await writeTable(dir, 'table', Object.keys(rows[0]!), rows.map((x) => Object.values(x)));
    return {
      kind: experiments.deltaSweep.runKind,
      title: `Delta sweep: ${dataLabel}, ${deltas.length} deltas`,
      params: { ...req, deltas, data: req.data ?? null },
      environment,
      timings: { total: (performance.now() - started) / 1000 },
      summary,
      details: {
        dataset: dataDetails,
        samples: images
          ? `OU output at each delta (not saved as arrays); ${SAMPLES_FIGURE}: one column per initial noise, one row per delta (smallest first), last row the training image nearest to the smallest-delta sample`
          : 'OU output at each delta (not saved); neighbours by exact L2 search',
        noise: `seed ${req.seed}: the same initial points and step noise at every delta`,
        mutualInformation: req.miDraws >= 2
          ? `I(training index; KDE output) at each delta, nats (log N = ${logN.toFixed(4)} is the ceiling): Monte Carlo over ${req.miDraws} (index, noise) pairs, the same at every delta, seed ${req.seed}; columns mutualInformation and mutualInformationSE`
          : 'skipped (miDraws = 0)',
      },
    };
  });
  ctx?.progress(1, 'done');
  return { run: manifest.id, dir: runDirectory(workspace, manifest.id), summary, rows, figures };
}
