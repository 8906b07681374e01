/**
 * One audit from request to run folder (docs/math.md §5): read the samples and the training split
 * (and the test split), check shapes, find each sample's k nearest training images (exact L2 on
 * pixels scaled to [0, 1]), compute every metric (auditMetrics) with the data-only pieces taken
 * from the dataset cache when they fit, add the empirical score's softmax weights for samples
 * from an empirical-score run, and save everything as a run of kind 'audit'
 * (see electron/workspace/exports/audit-files.ts for the files). Nothing is written to runs/
 * until the metrics exist: a failed or cancelled audit leaves no run folder.
 */
import { WorkspaceError } from '../../workspace/errors';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditHeadline, type AuditRequest, type AuditSplitInfo, type AuditSummary } from '../../contract/audit';
import { runKinds } from '../../contract/run-kinds';
import { writeNpz, type NpzInput } from '../../../native-data';
import { loadSplit, parseDatasetRef, type LoadedSplit } from '../../workspace/datasets';
import { saveRun, runDirectory, type RunContent } from '../../workspace/runs';
import { splitContentSha256 } from '../../workspace/split-hash';
import { PIXEL_DISTANCE_LABEL } from '../../science/data-scaling';
import { auditFiles, perSampleCsv } from '../exports/audit-files';
import type { JobContext } from '../../science/job-context';
import { runEnvironment } from '../runs/environment';
import { lapTimer } from '../runs/lap-timer';
import { auditMetrics, type AuditReport, type CachedKMeans, type HeldOutDistances, type TrainingRadii } from '../../science/metrics';
import { defaultMaxHeldOut } from '../../science/metrics/heldOut';
import { defaultMaxRadiiPoints, defaultRadiiK } from '../../science/metrics/precisionRecall';
import { stageContext } from '../../science/job-context';
import { createReferenceSet, firstNeighbours, nearestNeighbours, pixelsToUnit, type NeighbourResult } from '../../science/neighbours';
import { cacheFile, loadKMeans, loadSelfDistances, readCache, storeKMeans, storeSelfDistances, writeCache, type CacheKey, type CacheState, type HeldOutCacheValue, type SelfDistancesCacheValue } from './cache';
import { loadSamples, type LoadedSamples } from './samples';
import { firstSearchK, sampleTopWeights, searchesAuditReference, type SampleTopWeights, type TopWeightsMethod } from './top-weights';
import pkg from '../../../package.json';

/** Softmax weights kept per sample for empirical-score runs. */
const TOP_WEIGHTS = 8;
const BOOTSTRAP_RESAMPLES = 2000;

/** A split's identity: its own content hash (the .npy file) and its dataset's source archive hash. */
async function splitInfo(workspace: string, s: LoadedSplit, name: string): Promise<AuditSplitInfo> {
  return {
    ref: `${name}:${s.split}`,
    dataset: name,
    split: s.split,
    splitSha256: await splitContentSha256(workspace, name, s.split),
    sourceSha256: s.manifest.sha256,
    count: s.shape[0] ?? 0,
    itemShape: s.shape.slice(1),
    classes: s.manifest.classes,
  };
}

/** A split of images (uint8 NHWC), or an error naming the split. */
async function imageSplit(workspace: string, ref: string, role: string): Promise<LoadedSplit & { pixels: Uint8Array }> {
  const s = await loadSplit(workspace, ref);
  if (s.manifest.kind !== 'images' || !(s.data instanceof Uint8Array) || s.shape.length !== 4) {
    throw new WorkspaceError('refused', `${role} ${ref} holds ${s.manifest.kind} of shape (${s.shape.slice(1).join(', ')}); audits compare images (H x W x C)`);
  }
  if ((s.shape[0] ?? 0) < 2) throw new WorkspaceError('refused', `${role} ${ref} has ${s.shape[0]} image(s); an audit needs at least 2 (d1/d2)`);
  return { ...s, pixels: s.data };
}

/** "name" alone means the test split for --test (and train for --train). */
export function testRef(ref: string): string {
  return ref.includes(':') ? ref : `${ref}:test`;
}

function shapeMismatch(samples: LoadedSamples, trainRef: string, trainShape: number[]): Error {
  const got = samples.itemShape.join('x');
  const want = trainShape.join('x');
  const fix = samples.source.format.startsWith('images')
    ? trainShape[0] === trainShape[1] && samples.itemShape[2] === trainShape[2]
      ? `; resize them on reading (CLI --resize ${trainShape[0]}; request resize: ${trainShape[0]})`
      : ''
    : '; resize or convert them before auditing';
  return new WorkspaceError('refused', `samples ${samples.source.path} are ${got} images but the training split ${trainRef} holds ${want} images${fix}`);
}

export interface AuditOutcome {
  summary: AuditSummary;
  report: AuditReport;
}

export async function runAudit(workspace: string, req: AuditRequest, ctx?: JobContext): Promise<AuditOutcome> {
  const started = performance.now();
  const lap = lapTimer();
  const timings: Record<string, number> = {};

  // ---- data ---------------------------------------------------------------------------------
  ctx?.progress(0, 'reading the samples');
  const samples = await loadSamples(workspace, req.samples, {
    resize: req.resize,
    fit: req.fit,
    limits: req,
    ctx: stageContext(ctx, 0, 0.04, 'reading the samples'),
  });
  ctx?.throwIfCancelled();
  const { name: trainName, split: trainSplit } = parseDatasetRef(req.train);
  ctx?.progress(0.04, 'loading the training split');
  const train = await imageSplit(workspace, `${trainName}:${trainSplit}`, 'training split');
  const trainShape = train.shape.slice(1);
  if (samples.itemShape.join() !== trainShape.join()) throw shapeMismatch(samples, `${trainName}:${trainSplit}`, trainShape);
  let test: (LoadedSplit & { pixels: Uint8Array }) | null = null;
  let testName = '';
  if (req.test) {
    const r = testRef(req.test);
    testName = parseDatasetRef(r).name;
    test = await imageSplit(workspace, r, 'test split');
    if (test.shape.slice(1).join() !== trainShape.join()) {
      throw new WorkspaceError('refused', `test split ${r} holds ${test.shape.slice(1).join('x')} images, the training split ${trainName}:${trainSplit} ${trainShape.join('x')}: they must match`);
    }
  }
  const n = train.shape[0]!;
  const m = samples.count;
  const d = trainShape.reduce((a, b) => a * b, 1);
  if (req.k > n) throw new WorkspaceError('refused', `k=${req.k} is more than the ${n} images of ${trainName}:${trainSplit}`);
  // the splits stay uint8 (UnitRows): the searches read them as v/255 without a float32 copy
  const sampleUnit = pixelsToUnit(samples.pixels, m, d);
  timings['load'] = lap();
  ctx?.throwIfCancelled();

  // ---- cached data-only pieces --------------------------------------------------------------
  const radiiKey: CacheKey = {
    kind: 'radii', trainSha256: train.manifest.sha256, trainSplit, trainCount: n, dim: d,
    params: { k: defaultRadiiK, maxPoints: defaultMaxRadiiPoints, seed: req.seed },
  };
  const radiiFile = cacheFile(workspace, trainName, radiiKey);
  const radiiCache = await readCache<TrainingRadii>(radiiFile, radiiKey);
  const heldOutKey: CacheKey | null = test
    ? {
        kind: 'held-out', trainSha256: train.manifest.sha256, trainSplit, trainCount: n, dim: d,
        testDataset: testName, testSha256: test.manifest.sha256, testSplit: test.split, testCount: test.shape[0]!,
        params: { maxPoints: defaultMaxHeldOut, seed: req.seed },
      }
    : null;
  const heldOutFile = heldOutKey ? cacheFile(workspace, trainName, heldOutKey) : null;
  const heldOutCache = heldOutKey && heldOutFile ? await readCache<HeldOutCacheValue>(heldOutFile, heldOutKey) : null;
  // the C_T cells ride in the held-out file (see cache.ts); split them off so the metrics get plain distances
  let cachedHeldOut: HeldOutDistances | null = null;
  let cachedKMeans: CachedKMeans | null = null;
  if (heldOutCache?.value) {
    const { kmeans, ...distances } = heldOutCache.value;
    cachedHeldOut = distances;
    cachedKMeans = loadKMeans(kmeans);
  }
  const selfKey: CacheKey = { kind: 'self-nn1', trainSha256: train.manifest.sha256, trainSplit, trainCount: n, dim: d, params: {} };
  const selfFile = cacheFile(workspace, trainName, selfKey);
  const selfCache = await readCache<SelfDistancesCacheValue>(selfFile, selfKey);
  const trainSelfDistances = loadSelfDistances(selfCache.value, n);
  let freshSelfDistances: ReadonlyMap<number, number> | null = null;
  const cacheUse: Record<string, CacheState> = {
    trainingRadii: radiiCache.state,
    heldOut: heldOutCache ? heldOutCache.state : 'unused',
  };

  // progress plan: the search (m x n pairs) against the metrics' searches, roughly
  const s = Math.min(n, defaultMaxRadiiPoints);
  const searchWork = m * n;
  const metricWork = (radiiCache.value ? 0 : s * s) + m * s + m * m + Math.min(m, n) * n
    + (test ? m * test.shape[0]! + (cachedHeldOut ? 0 : Math.min(test.shape[0]!, defaultMaxHeldOut) * n) : 0);
  const fromRun = samples.run !== null;
  const split = searchWork + metricWork + (fromRun ? m * n : 0);
  const searchEnd = 0.05 + 0.9 * (searchWork / split);
  const metricsEnd = searchEnd + 0.9 * (metricWork / split);

  // ---- neighbours and metrics ---------------------------------------------------------------
  const ref = createReferenceSet(train.pixels, n, d);
  let report: AuditReport;
  const computed: { trainingRadii?: TrainingRadii; heldOut?: HeldOutDistances } = {};
  let fittedKMeans: CachedKMeans | null = null;
  let topWeights: SampleTopWeights | null = null;
  let topWeightsNote: string | null = null;
  let topWeightsMethod: TopWeightsMethod | null = null;
  let neighbours: NeighbourResult;
  // one search serves the audit (k) and the top weights' first round (firstSearchK) when they share the reference
  const trainRef = `${trainName}:${trainSplit}`;
  const searchK = samples.run && searchesAuditReference(samples.run, trainRef, n) ? Math.min(n, Math.max(req.k, firstSearchK(TOP_WEIGHTS))) : req.k;
  let searched: NeighbourResult;
  try {
    searched = await nearestNeighbours(sampleUnit, m, ref, searchK, { ctx: stageContext(ctx, 0.05, searchEnd, 'nearest training images') });
    neighbours = firstNeighbours(searched, req.k);
    timings['neighbours'] = lap();
    report = await auditMetrics(
      {
        samples: sampleUnit,
        train: ref,
        neighbours,
        ...(train.labels ? { trainLabels: train.labels } : {}),
        ...(train.manifest.classes ? { classNames: train.manifest.classes } : {}),
        ...(test ? { test: { data: test.pixels, n: test.shape[0]! } } : {}),
        ...(cachedHeldOut ? { heldOut: cachedHeldOut } : {}),
        ...(cachedKMeans ? { kmeans: cachedKMeans } : {}),
        ...(radiiCache.value ? { trainingRadii: radiiCache.value } : {}),
        trainSelfDistances,
      },
      {
        threshold: req.threshold,
        seed: req.seed,
        bootstrapResamples: BOOTSTRAP_RESAMPLES,
        perSampleNeighbours: req.k,
        ctx: stageContext(ctx, searchEnd, metricsEnd, 'metrics'),
        onComputed: (p) => Object.assign(computed, p),
        onSelfDistances: (fresh) => {
          freshSelfDistances = fresh;
        },
        onKMeansFitted: (model) => {
          fittedKMeans = model;
        },
      },
    );
    timings['metrics'] = lap();
    // ---- empirical-score runs: which training images the score was pulling toward ------------
    // (before the reference set goes: the exact top weights reuse it when the run sampled this split)
    if (samples.run) {
      const t = await sampleTopWeights(workspace, samples.run, samples.pixels, m, TOP_WEIGHTS, stageContext(ctx, metricsEnd, 0.97, 'softmax weights'), {
        data: trainRef, pixels: train.pixels, n, ref, neighbours: searched,
      });
      if (typeof t === 'string') topWeightsNote = t;
      else {
        const { method, ...rest } = t;
        topWeights = rest;
        topWeightsMethod = method;
      }
      timings['topWeights'] = lap();
    }
  } finally {
    ref.dispose();
  }
  if (computed.trainingRadii) {
    await writeCache(radiiFile, radiiKey, computed.trainingRadii);
    cacheUse['trainingRadii'] = 'computed';
  }
  // the held-out file is (re)written when either of its pieces was computed here
  const heldOutToStore = computed.heldOut ?? cachedHeldOut;
  const kmeansToStore: CachedKMeans | null = fittedKMeans ?? cachedKMeans;
  if (heldOutKey && heldOutFile && heldOutToStore && (computed.heldOut || fittedKMeans)) {
    const value: HeldOutCacheValue = kmeansToStore ? { ...heldOutToStore, kmeans: storeKMeans(kmeansToStore) } : heldOutToStore;
    await writeCache(heldOutFile, heldOutKey, value);
  }
  if (computed.heldOut) cacheUse['heldOut'] = 'computed';
  cacheUse['trainSelfDistances'] = freshSelfDistances ? 'computed' : selfCache.state;
  if (freshSelfDistances) {
    for (const [r, v] of freshSelfDistances as ReadonlyMap<number, number>) trainSelfDistances.set(r, v);
    await writeCache(selfFile, selfKey, storeSelfDistances(trainSelfDistances));
  }
  ctx?.throwIfCancelled();

  // ---- the run folder -----------------------------------------------------------------------
  ctx?.progress(0.97, 'writing the audit');
  const env = await runEnvironment();
  const k = neighbours.k;
  const labels = new Int32Array(m * k).fill(-1);
  if (train.labels) for (let i = 0; i < m * k; i++) labels[i] = train.labels[neighbours.indices[i]!]!;
  const ratios = Float64Array.from(report.perSample, (p) => p.ratio);
  const calibrated = Float64Array.from(report.perSample, (p) => p.calibrated);
  const testD1 = test ? Float32Array.from(report.perSample, (p) => p.testD1 ?? NaN) : null;
  const authentic = report.authenticity ? Uint8Array.from(report.perSample, (p) => (p.authentic ? 1 : 0)) : null;
  const { perSample: _omit, ...metrics } = report;
  const trainInfo = await splitInfo(workspace, train, trainName);
  const testInfo = test ? await splitInfo(workspace, test, testName) : null;
  const params = {
    samples: req.samples,
    samplesPath: samples.source.path,
    sourceRun: samples.source.run,
    train: trainInfo.ref,
    test: testInfo?.ref ?? null,
    k: req.k,
    threshold: req.threshold,
    seed: req.seed,
    resize: req.resize ?? null,
    fit: req.resize !== undefined ? (req.fit ?? 'cover') : null,
    distance: PIXEL_DISTANCE_LABEL,
    bootstrapResamples: BOOTSTRAP_RESAMPLES,
    radiiK: defaultRadiiK,
    maxRadiiPoints: defaultMaxRadiiPoints,
    maxHeldOut: defaultMaxHeldOut,
    ctCells: metrics.ct?.k ?? 5,
    topWeights: topWeights ? TOP_WEIGHTS : null,
  };
  const stamp = {
    app: `ScoreScope ${pkg.version}`,
    dataset: { ref: trainInfo.ref, splitSha256: trainInfo.splitSha256, sourceSha256: trainInfo.sourceSha256 },
    test: testInfo ? { ref: testInfo.ref, splitSha256: testInfo.splitSha256, sourceSha256: testInfo.sourceSha256 } : null,
    params,
    seed: req.seed,
    backend: `${env.backend} (${env.device})`,
  };
  const title = `Audit · ${samples.source.run ?? samples.source.path.split(/[\\/]/).pop()} (${m}) vs ${trainInfo.ref}`;
  const summaryOf = (run: string, seconds: number): AuditSummary => ({
    run,
    dir: run ? runDirectory(workspace, run) : '',
    count: m,
    k,
    threshold: req.threshold,
    ...auditHeadline(report),
    seconds,
  });

  const manifest = await saveRun(workspace, runKinds.audit, async (dir) => {
    ctx?.throwIfCancelled();
    const w0 = performance.now();
    const arrays: Record<string, NpzInput> = {
      indices: { data: neighbours.indices, shape: [m, k] },
      distances: { data: neighbours.distances, shape: [m, k] },
      labels: { data: labels, shape: [m, k] },
      ratios: { data: ratios, shape: [m] },
      calibrated: { data: calibrated, shape: [m] },
    };
    if (testD1) arrays['test_d1'] = { data: testD1, shape: [m] };
    if (authentic) arrays['authentic'] = { data: authentic, shape: [m], descr: '|b1' };
    if (topWeights) {
      arrays['top_indices'] = { data: topWeights.indices, shape: [m, topWeights.k] };
      arrays['top_weights'] = { data: topWeights.weights, shape: [m, topWeights.k] };
    }
    await writeNpz(join(dir, auditFiles.neighbours), arrays);
    await writeNpz(join(dir, auditFiles.samples), { arr_0: { data: samples.pixels, shape: [m, ...samples.itemShape] } });
    await writeFile(join(dir, auditFiles.names), `${JSON.stringify({ source: samples.source, names: samples.names })}\n`);
    await writeFile(join(dir, auditFiles.metrics), `${JSON.stringify({ ...metrics, stamp }, null, 1)}\n`);
    await writeFile(join(dir, auditFiles.csv), perSampleCsv({
      count: m, k, names: samples.names, ratios, indices: neighbours.indices, distances: neighbours.distances,
      labels, calibrated, testD1, authentic,
    }, req.threshold, trainInfo.classes));
    timings['write'] = (performance.now() - w0) / 1000;
    timings['total'] = (performance.now() - started) / 1000;
    const summary = summaryOf('', timings['total']);
    const { run: _r, dir: _d, ...headline } = summary;
    const content: RunContent & { details: Record<string, unknown> } = {
      kind: runKinds.audit,
      title,
      params,
      environment: env,
      timings,
      summary: { ...headline, train: trainInfo.ref, test: testInfo?.ref ?? null, source: samples.source.run ?? samples.source.path },
      details: {
        source: { ...samples.source, count: m, itemShape: samples.itemShape },
        train: trainInfo,
        test: testInfo,
        cache: cacheUse,
        topWeights: topWeights
          ? { t: topWeights.t, data: topWeights.data, used: topWeights.used, k: topWeights.k, file: auditFiles.neighbours }
          : topWeightsNote,
        ...(topWeightsMethod
          ? { topWeightsMethod: { ...topWeightsMethod, how: 'exact from the nearest training images (integer squared distances, float64); the unsearched rest of the normaliser is at most maxBound of it; tfjsRows: left to the tfjs score' } }
          : {}),
        search: { name: 'exact L2 (tfjs chunked products, float64 re-rank)', exactFallbacks: neighbours.exactFallbacks ?? 0 },
      },
    };
    return content;
  });
  ctx?.progress(1, 'done');
  return { summary: summaryOf(manifest.id, timings['total'] ?? 0), report };
}
