/**
 * Experiment "memorisation vs N": for each N, the same U-Net (preset, steps, seed) trained on the
 * first N images of one dataset (a train-score run each, so every network can be sampled again),
 * sampled by EDM Heun from the SAME initial noise for every N, and the empirical optimal score s_N
 * of the same N images from that noise too. Each sample set is audited against its own N training
 * images (exact nearest neighbours; memorised iff d1/d2 < 1/3, bootstrap 95% interval).
 * Saves figure-memorization.svg (memorised fraction vs N), figure-distance.svg (median d1 vs N),
 * figure-samples.png (per N: U-Net samples above their nearest training images), table.csv/json.
 */
import { experiments } from '../../contract/experiments';
import { MEMORIZATION_VS_N_DEFAULTS, type MemorizationAtN, type MemorizationVsNRequest, type MemorizationVsNResult } from '../../contract/memorization-vs-n';
import { SampleRequest } from '../../contract/sampling';
import { TrainScoreRequest } from '../../contract/training';
import { stageContext, type JobContext } from '../../science/job-context';
import { bytesToMinus1To1, minus1To1ToBytes } from '../../science/data-scaling';
import { averagePoolImages } from '../../science/image-pooling';
import { describeArchitecture, parameterCount } from '../../science/networks';
import { trainScore } from '../../science/training/train-score';
import { readModelRun } from '../../workspace/model-run';
import { saveRun, runDirectory } from '../../workspace/runs';
import { drawSamples } from './draw-samples';
import { runEnvironment } from './environment';
import { figureColours, lineFigureSvg } from './figures';
import { auditNearest, gatherItems } from './reported-distances';
import { writeStackedImagesPng, writeTable, writeText, type RichRunContent } from './run-files';
import { loadTrainingData, type TrainingData } from './training-data';
import { resolveTraining, saveTrainedScore } from './train-score-run';

const KIND = experiments.memorizationVsN.runKind;
/** Samples per N shown in the gallery. */
const GALLERY = 8;

/** The first N items of a loaded split. */
function firstItems(data: TrainingData, N: number): TrainingData {
  const D = data.matrix.cols;
  return {
    ...data,
    used: N,
    matrix: { values: data.matrix.values.subarray(0, N * D), rows: N, cols: D },
    pixels: data.pixels ? data.pixels.subarray(0, N * D) : null,
  };
}

/** The images average-pooled by `factor` (pixels, model-space rows and item shape). */
function pooled(data: TrainingData, factor: number): TrainingData {
  const p = averagePoolImages(data.pixels!, data.used, data.itemShape, factor);
  return { ...data, itemShape: p.shape, pixels: p.pixels, matrix: { values: bytesToMinus1To1(p.pixels), rows: data.used, cols: p.pixels.length / data.used } };
}

export async function runMemorizationVsNExperiment(workspace: string, req: MemorizationVsNRequest & { data: string }, ctx?: JobContext): Promise<MemorizationVsNResult> {
  const started = performance.now();
  const d = req.quick ? MEMORIZATION_VS_N_DEFAULTS.quick : MEMORIZATION_VS_N_DEFAULTS.full;
  const Ns = [...(req.Ns ?? d.Ns)].sort((a, b) => a - b);
  const preset = req.preset ?? d.preset;
  const trainSteps = req.trainSteps ?? d.trainSteps;
  const batch = req.batch ?? d.batch;
  const lr = req.lr ?? d.lr;
  const n = req.n ?? d.n;
  ctx?.progress(0, 'loading training images');
  const loaded = await loadTrainingData(workspace, req.data, Ns.at(-1), req.class);
  if (loaded.kind !== 'images' || !loaded.pixels) throw new Error(`experiment memorisation-vs-n needs images; dataset ${loaded.ref} holds vectors`);
  const downsample = req.downsample ?? d.downsample;
  const all = downsample === 1 ? loaded : pooled(loaded, downsample);
  const classNote = all.classLabel ? `, class ${all.classLabel.class}` : '';
  const D = all.matrix.cols;
  const rows: MemorizationAtN[] = [];
  const gallery = { samples: [] as Uint8Array[], nearest: [] as Uint8Array[], empirical: [] as Uint8Array[] };
  let unitLabel = '';
  let architectureName = '';
  let parameters = 0;
  const share = 1 / Ns.length;
  for (const [k, N] of Ns.entries()) {
    const at = (f: number) => 0.02 + 0.95 * share * (k + f);
    const data = firstItems(all, N);
    const ref = `${all.ref}${classNote} (N=${N})`;
    // the same network and training for every N; only the data differ
    const parsed = TrainScoreRequest.parse({ data: all.ref, model: 'unet', preset, steps: trainSteps, batch, lr, T: req.T, seed: req.seed, checkpointEvery: 0 });
    const { options } = resolveTraining(parsed, data);
    architectureName = describeArchitecture(options.architecture);
    parameters = parameterCount(options.architecture);
    const trainCtx = stageContext(ctx, at(0), at(0.85));
    const trained = await trainScore(data.matrix, options, trainCtx && { ...trainCtx, progress: (f, m, figures) => trainCtx.progress(f, `N = ${N}: training ${m ?? ''}`, figures ? { ...figures, N } : undefined) });
    ctx?.throwIfCancelled();
    const saved = await saveTrainedScore(workspace, trained, {
      matrix: data.matrix, label: ref,
      details: { ref: all.ref, sha256: all.sha256, kind: 'images', itemShape: all.itemShape, totalItems: all.total, usedItems: N, class: all.classLabel, units: 'pixels scaled to [-1, 1]' },
    }, { data: all.ref, subset: N, ...(req.class !== undefined ? { class: req.class } : {}), model: 'unet', trainedFor: KIND });
    // the same initial noise (seed) through the network and through s_N of the same N images
    const sampleRequest = (score: 'learned' | 'empirical') => SampleRequest.parse({
      data: all.ref, subset: N, score, ...(score === 'learned' ? { model: saved.run } : {}), sampler: 'edm', n, steps: req.steps, delta: req.delta, T: req.T, seed: req.seed,
    });
    const learned = drawSamples(sampleRequest('learned'), data, ctx, at(0.85), at(0.92), { learned: { run: await readModelRun(workspace, saved.run), model: trained.model } });
    const empirical = drawSamples(sampleRequest('empirical'), data, ctx, at(0.92), at(0.96));
    const a = await auditNearest(data, learned.values, n, req.seed, ctx, at(0.96), at(0.98));
    const b = await auditNearest(data, empirical.values, n, req.seed, ctx, at(0.98), at(1));
    unitLabel = a.unit.label;
    rows.push({
      N, model: saved.run, finalLoss: trained.finalLoss, trainSeconds: trained.seconds,
      learned: { ...a.summary, memorizedCI: a.memorizedCI }, empirical: { ...b.summary, memorizedCI: b.memorizedCI },
    });
    const shown = Math.min(GALLERY, n);
    const bytes = minus1To1ToBytes(learned.values.subarray(0, shown * D));
    gallery.samples.push(bytes);
    gallery.nearest.push(gatherItems(data.pixels!, a.nn.index, shown, D));
    gallery.empirical.push(minus1To1ToBytes(empirical.values.subarray(0, shown * D)));
    ctx?.progress(at(1), `N = ${N}: U-Net memorised ${(100 * a.summary.memorizedFraction).toFixed(0)}%, s_N ${(100 * b.summary.memorizedFraction).toFixed(0)}%`);
  }
  const seconds = (performance.now() - started) / 1000;
  const environment = await runEnvironment();
  const figures = ['figure-memorization.svg', 'figure-distance.svg', 'figure-samples.png'];
  const shown = Math.min(GALLERY, n);
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const resolution = `${all.itemShape.join('x')}${downsample > 1 ? ` (average-pooled by ${downsample})` : ''}`;
  const summary = {
    data: `${all.ref}${classNote}`,
    resolution,
    Ns,
    network: `${architectureName} (${parameters.toLocaleString('en-US')} parameters)`,
    trainSteps,
    samplesPerN: n,
    memorizedFractionByN: Object.fromEntries(rows.map((r) => [r.N, r.learned.memorizedFraction])),
    empiricalMemorizedFractionByN: Object.fromEntries(rows.map((r) => [r.N, r.empirical.memorizedFraction])),
    medianNearestDistanceByN: Object.fromEntries(rows.map((r) => [r.N, r.learned.medianNearestDistance])),
    distanceUnits: unitLabel,
    seconds,
  };
  const subtitle = `${all.ref}${classNote} at ${resolution}; ${architectureName}, ${trainSteps} steps × batch ${batch}, lr ${lr}; EDM Heun ${req.steps} steps to δ = ${req.delta}; n = ${n} per N, same initial noise`;
  ctx?.progress(0.98, 'writing the run');
  const manifest = await saveRun(workspace, KIND, async (dir): Promise<RichRunContent> => {
    await writeText(dir, figures[0]!, lineFigureSvg({
      title: 'Memorised fraction against the training-set size N',
      subtitle,
      xLabel: 'N (training images)',
      yLabel: 'memorised fraction (d1/d2 < 1/3)',
      xLog: true,
      yMax: 1,
      series: [
        { name: 'U-Net (learned score)', points: rows.map((r) => [r.N, r.learned.memorizedFraction]), colour: figureColours.samples, style: 'line' },
        { name: 'U-Net 95% interval (low)', points: rows.map((r) => [r.N, r.learned.memorizedCI[0]]), colour: figureColours.muted, style: 'points' },
        { name: 'U-Net 95% interval (high)', points: rows.map((r) => [r.N, r.learned.memorizedCI[1]]), colour: figureColours.muted, style: 'points' },
        { name: 'empirical optimal score s_N', points: rows.map((r) => [r.N, r.empirical.memorizedFraction]), colour: figureColours.train, style: 'dashed' },
      ],
    }));
    await writeText(dir, figures[1]!, lineFigureSvg({
      title: 'Median distance to the nearest training image against N',
      subtitle,
      xLabel: 'N (training images)',
      yLabel: `median d1 (${unitLabel})`,
      xLog: true,
      series: [
        { name: 'U-Net (learned score)', points: rows.map((r) => [r.N, r.learned.medianNearestDistance]), colour: figureColours.samples, style: 'line' },
        { name: 'empirical optimal score s_N', points: rows.map((r) => [r.N, r.empirical.medianNearestDistance]), colour: figureColours.train, style: 'dashed' },
      ],
    }));
    // one band per N: U-Net samples, their nearest training images, s_N samples from the same noise
    await writeStackedImagesPng(dir, figures[2]!, [concat(gallery.samples), concat(gallery.nearest), concat(gallery.empirical)], shown * Ns.length, all.itemShape, shown, 3);
    await writeTable(dir, 'table', [
      'N', 'model', 'finalLoss', 'trainSeconds', 'unetMemorized', 'unetMemorizedLo', 'unetMemorizedHi', 'unetMedianD1', 'unetDistinctNearest',
      'empiricalMemorized', 'empiricalMedianD1',
    ], rows.map((r) => [
      r.N, r.model, r.finalLoss, r.trainSeconds, r.learned.memorizedFraction, r.learned.memorizedCI[0], r.learned.memorizedCI[1], r.learned.medianNearestDistance,
      r.learned.distinctNearest, r.empirical.memorizedFraction, r.empirical.medianNearestDistance,
    ]));
    return {
      kind: KIND,
      title: `Memorisation vs N · ${all.ref}${classNote} at ${all.itemShape.join('x')} · N = ${Ns.join(', ')} · ${architectureName}${req.quick ? ' · quick' : ''}`,
      params: { ...req, data: all.ref, Ns, preset, trainSteps, batch, lr, n, downsample },
      environment,
      timings: { total: seconds, train: rows.reduce((s, r) => s + r.trainSeconds, 0) },
      summary,
      details: {
        rows,
        models: rows.map((r) => r.model),
        sampling: `EDM Heun, ${req.steps} steps over Karras levels (rho 7) from sigma(T = ${req.T}) to sigma(delta = ${req.delta}); seed ${req.seed} for every N and both scores`,
        audit: `exact nearest neighbours among the N training images of each row; memorised iff d1/d2 < 1/3; 95% bootstrap intervals; distances as ${unitLabel}`,
        gallery: `${figures[2]}: per N (top to bottom), ${shown} U-Net samples, their nearest training images, and s_N's samples from the same initial noise`,
        reference: 'Gu et al., "On Memorization in Diffusion Models" (TMLR 2025): EDM\'s U-Net on CIFAR-10 memorises almost every sample at N ~ 1k and none at 50k',
      },
    };
  });
  ctx?.progress(1, 'done');
  return { run: manifest.id, dir: runDirectory(workspace, manifest.id), summary, rows, distanceUnits: unitLabel, figures };
}
