/**
 * One audit of generated samples against a training set (docs/math.md §5), as one JSON-ready object.
 * Inputs: the samples' k nearest training images (k >= 2; 50 for Carlini's calibrated distance),
 * the raw rows, and optionally a held-out test split, training labels and cached pieces
 * (training radii, held-out distances). Extra searches it needs run on `search`:
 * leave-one-out distances of the samples' NN1 (authenticity), samples -> test split,
 * test -> train (when not cached), and the precision/recall ball tests.
 * All distances are L2 on pixels scaled to [0, 1]. Per-sample ratios are in the report, so a
 * new threshold is a local re-filter (or `summarizeMemorization`), not a new audit.
 */
import type { JobContext } from '../job-context';
import { gatherUnitRows, neighbourSearch } from '../neighbours';
import type { NeighbourResult, NeighbourSearch, ReferenceSet } from '../neighbours/types';
import { authenticFlags } from './authenticity';
import { trainingCoverage } from './coverage';
import { ctStatistic, type CtReport } from './ct';
import { computeHeldOutDistances, defaultMaxHeldOut, staleHeldOutReason, type HeldOutDistances, type HeldOutSplit } from './heldOut';
import { assignCells, kMeans, type KMeansModel } from './kmeans';
import { mannWhitneyU, type MannWhitneyResult } from './mannWhitney';
import { calibratedDistances, defaultThreshold, memorizedFlags, nearestRatios, summarizeMemorization } from './memorization';
import { perClassMemorization, type ClassMemorization } from './perClass';
import { defaultMaxRadiiPoints, defaultRadiiK, precisionRecall, staleRadiiReason, type TrainingRadii } from './precisionRecall';
import { stageContext } from '../job-context';
import { metricStreams, seededSubsample } from './random';
import { histogram, median, sharedEdges } from './stats';

export interface AuditInput {
  /** Generated samples [m, d], pixels in [0, 1], same layout as the training rows. */
  samples: Float32Array;
  /** The training set the neighbours were searched in. */
  train: ReferenceSet;
  /** neighbours of every sample in `train` (k >= 2), nearest first. */
  neighbours: NeighbourResult;
  trainLabels?: ArrayLike<number>;
  classNames?: readonly string[];
  /** Held-out test split: enables testD1, the train/test gap and C_T. */
  test?: HeldOutSplit;
  /** Cached test -> train NN1 distances (computed when absent or stale). */
  heldOut?: HeldOutDistances;
  /** Cached samples -> test neighbours (k >= 1; computed when absent). */
  samplesToTest?: NeighbourResult;
  /** Cached training radii for precision/recall (computed when absent or stale). */
  trainingRadii?: TrainingRadii;
  /**
   * Cached leave-one-out NN1 distances of training rows (any of them, by row), for authenticity:
   * only the samples' NN1 rows missing here are searched. Each row's distance does not depend on
   * which other rows were searched with it, so cached and fresh values are the same.
   */
  trainSelfDistances?: ReadonlyMap<number, number>;
  /**
   * Cached k-means cells of C_T (fitted when absent or not for these settings): the fit is a
   * function of the training set, seed, cells, fit rows and iterations only, and it is the costliest
   * part of a repeated audit (Lloyd in float64 JS on 5 000 x D rows).
   */
  kmeans?: CachedKMeans;
}

/** A k-means fit as cached next to the dataset, with what it was fitted for. */
export interface CachedKMeans extends KMeansModel {
  fitCount: number;
  trainCount: number;
  seed: number;
  maxIterations: number;
}

/** Why a cached k-means fit does not apply to these settings, or null when it does. */
export function staleKMeansReason(c: CachedKMeans, want: { cells: number; d: number; fitCount: number; trainCount: number; seed: number; maxIterations: number }): string | null {
  if (c.k !== want.cells) return `fitted with ${c.k} cells, ${want.cells} asked`;
  if (c.d !== want.d || c.centroids.length !== c.k * want.d) return `fitted on dimension ${c.d}, data has ${want.d}`;
  if (c.trainCount !== want.trainCount || c.fitCount !== want.fitCount) return `fitted on ${c.fitCount} of ${c.trainCount} rows, ${want.fitCount} of ${want.trainCount} asked`;
  if (c.seed !== want.seed || c.maxIterations !== want.maxIterations) return 'fitted with another seed or iteration limit';
  return null;
}

export interface AuditOptions {
  /** Memorised iff d1/d2 < threshold (default 1/3). */
  threshold?: number;
  /** Seeds every subsample, the bootstrap and k-means (default 0). */
  seed?: number;
  bootstrapResamples?: number;
  /** Carlini: neighbours averaged (default 50) and alpha (default 0.5). */
  calibratedN?: number;
  alpha?: number;
  /** k-means cells for C_T (default 5), training rows to fit them on (default 5 000), iterations (50). */
  cells?: number;
  kmeansSample?: number;
  kmeansIterations?: number;
  /** C_T: minimum share of the samples a cell must exceed (default 20 / m). */
  tau?: number;
  /** Test rows measured against the training set when not cached (default 2 000). */
  maxHeldOut?: number;
  histogramBins?: number;
  /** Precision/recall: k-th neighbour radii (default 3) on at most maxRadiiPoints training rows (10 000). */
  radiiK?: number;
  maxRadiiPoints?: number;
  /** Turn off the costlier parts (each is one more search). Default on. */
  authenticity?: boolean;
  precisionRecall?: boolean;
  /** Neighbours listed per sample in the report (default all searched, at most 10). */
  perSampleNeighbours?: number;
  search?: NeighbourSearch;
  ctx?: JobContext;
  /** Called with pieces worth caching on disk when they were computed here. */
  onComputed?: (pieces: { trainingRadii?: TrainingRadii; heldOut?: HeldOutDistances }) => void;
  /** Called with the training rows' leave-one-out NN1 distances searched here (worth adding to the cache). */
  onSelfDistances?: (fresh: ReadonlyMap<number, number>) => void;
  /** Called with the k-means fit when it was computed here (a separate hook: onComputed's callers see the same pieces as before). */
  onKMeansFitted?: (model: CachedKMeans) => void;
}

export interface SampleNeighbour {
  index: number;
  label: number | null;
  distance: number;
}

export interface SampleAudit {
  index: number;
  neighbours: SampleNeighbour[];
  /** d1 / d2 (0 for an exact copy). */
  ratio: number;
  memorized: boolean;
  /** Carlini's calibrated distance; extracted iff < 1. */
  calibrated: number;
  /** Distance to the nearest held-out test image, null without a test split. */
  testD1: number | null;
  /** Alaa et al.; null when not computed. */
  authentic: boolean | null;
}

export interface TrainTestGap {
  /** d(q, NN1(T)) of the samples against d(p, NN1(T)) of held-out test images. */
  sampleCount: number;
  testCount: number;
  sampleMedian: number;
  testMedian: number;
  histogram: { edges: number[]; samples: number[]; test: number[] };
  /** x = samples, y = test: z << 0 when samples sit closer to the training set. */
  mannWhitney: MannWhitneyResult;
}

export interface AuditReport {
  version: 1;
  distance: 'L2 on pixels scaled to [0, 1]';
  count: number;
  dim: number;
  trainCount: number;
  testCount: number | null;
  /** Neighbours listed per sample. */
  k: number;
  threshold: number;
  memorizedFraction: number;
  memorizedCI: [number, number];
  memorizedCount: number;
  bootstrap: { resamples: number; level: number; seed: number };
  medianD1: number;
  medianRatio: number;
  calibrated: { n: number; alpha: number; extractedFraction: number };
  ct: (CtReport & { k: number; fitCount: number; iterations: number }) | null;
  authenticity: { fraction: number; authentic: number } | null;
  precision: number | null;
  recall: number | null;
  precisionRecall: { k: number; realCount: number; sampleCount: number } | null;
  coverage: { distinct: number; fraction: number };
  perClass: ClassMemorization[] | null;
  trainTestGap: TrainTestGap | null;
  /** Why a part is missing (null above), by part name. */
  unavailable: Record<string, string>;
  /** Remarks worth showing (e.g. fewer neighbours than asked for). */
  notes: string[];
  perSample: SampleAudit[];
}

function checkInput(input: AuditInput): void {
  const { samples, train, neighbours } = input;
  const m = neighbours.m;
  if (samples.length !== m * train.d) {
    throw new Error(`audit: neighbours are for ${m} samples, so expected ${m} x ${train.d} = ${m * train.d} sample values, found ${samples.length}`);
  }
  if (m < 1) throw new Error('audit: no samples');
  if (neighbours.k < 2) throw new Error(`audit: needs at least 2 neighbours per sample (d1/d2), got k=${neighbours.k}`);
  if (input.trainLabels && input.trainLabels.length !== train.n) {
    throw new Error(`audit: ${input.trainLabels.length} training labels for ${train.n} training images`);
  }
  if (input.test && !(Number.isInteger(input.test.n) && input.test.n >= 1)) {
    throw new Error(`audit: the test split must hold at least one image, got n=${input.test.n}`);
  }
  if (input.test && input.test.data.length !== input.test.n * train.d) {
    throw new Error(`audit: expected ${input.test.n} test images x ${train.d} values, found ${input.test.data.length}`);
  }
  if (input.samplesToTest && input.samplesToTest.m !== m) {
    throw new Error(`audit: samplesToTest has ${input.samplesToTest.m} rows for ${m} samples`);
  }
}

export async function auditMetrics(input: AuditInput, opts: AuditOptions = {}): Promise<AuditReport> {
  checkInput(input);
  const { samples, train, neighbours, test } = input;
  const m = neighbours.m;
  const k = neighbours.k;
  const d = train.d;
  const seed = opts.seed ?? 0;
  const threshold = opts.threshold ?? defaultThreshold;
  const search = opts.search ?? neighbourSearch;
  const ctx = opts.ctx;
  const unavailable: Record<string, string> = {};
  const notes: string[] = [];

  const d1 = new Float64Array(m);
  const nn1 = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    d1[i] = neighbours.distances[i * k]!;
    nn1[i] = neighbours.indices[i * k]!;
  }
  const ratios = nearestRatios(neighbours);
  const flags = memorizedFlags(ratios, threshold);
  const calibratedN = opts.calibratedN ?? 50;
  const calibrated = calibratedDistances(neighbours, calibratedN, opts.alpha ?? 0.5);
  if (calibrated.n < calibratedN) notes.push(`calibrated distance averages the ${calibrated.n} nearest (searched k=${k}), not ${calibratedN}`);
  const bootstrapResamples = opts.bootstrapResamples ?? 2000;
  const summary = summarizeMemorization(ratios, threshold, { resamples: bootstrapResamples, seed });

  // progress plan: rough work of each search, in (query x reference) pairs
  const doAuthenticity = opts.authenticity ?? true;
  const doPR = opts.precisionRecall ?? true;
  const distinctNN1 = Array.from(new Set(nn1)).sort((a, b) => a - b);
  const knownSelf = input.trainSelfDistances;
  const selfRows = knownSelf ? distinctNN1.filter((r) => !knownSelf.has(r)) : distinctNN1;
  const heldOutUsable = test && input.heldOut && staleHeldOutReason(input.heldOut, test, train) === null ? input.heldOut : undefined;
  if (test && input.heldOut && !heldOutUsable) notes.push(`held-out distances recomputed: ${staleHeldOutReason(input.heldOut, test, train)}`);
  const heldOutRows = test ? Math.min(test.n, opts.maxHeldOut ?? defaultMaxHeldOut) : 0;
  const kmeansRows = Math.min(train.n, opts.kmeansSample ?? 5000);
  const cells = opts.cells ?? 5;
  const radiiPoints = Math.min(train.n, opts.maxRadiiPoints ?? defaultMaxRadiiPoints);
  const radiiK = opts.radiiK ?? defaultRadiiK;
  const radiiCached = input.trainingRadii && staleRadiiReason(input.trainingRadii, train, radiiK) === null;
  if (input.trainingRadii && !radiiCached) notes.push(`training radii recomputed: ${staleRadiiReason(input.trainingRadii, train, radiiK)}`);
  const work = {
    authenticity: doAuthenticity ? selfRows.length * train.n : 0,
    samplesToTest: test && !input.samplesToTest ? m * test.n : 0,
    heldOut: test && !heldOutUsable ? heldOutRows * train.n : 0,
    kmeans: test && !(input.kmeans && input.kmeans.k === cells) ? kmeansRows * cells * 200 : 0,
    precisionRecall: doPR ? (radiiCached ? 0 : radiiPoints * radiiPoints) + m * m + m * radiiPoints : 0,
  };
  const totalWork = Object.values(work).reduce((a, b) => a + b, 0) || 1;
  let workDone = 0;
  const stage = (part: keyof typeof work, label: string): JobContext | undefined => {
    const c = stageContext(ctx, workDone / totalWork, (workDone + work[part]) / totalWork, label);
    workDone += work[part];
    return c;
  };

  // authenticity: leave-one-out NN1 distance of every training image that is some sample's NN1
  let authentic: Uint8Array | null = null;
  if (doAuthenticity) {
    if (train.n < 2) unavailable['authenticity'] = 'needs at least 2 training images';
    else {
      const byRow = new Map<number, number>();
      const authCtx = stage('authenticity', 'authenticity');
      if (selfRows.length > 0) {
        const own = await search.self(train, 1, { rows: selfRows, ctx: authCtx });
        selfRows.forEach((r, i) => byRow.set(r, own.distances[i]!));
        opts.onSelfDistances?.(byRow);
      }
      for (const r of distinctNN1) if (!byRow.has(r)) byRow.set(r, knownSelf!.get(r)!);
      authentic = authenticFlags(d1, nn1, byRow);
    }
  } else unavailable['authenticity'] = 'turned off';

  // held-out split: per-sample distance to the test set, train/test gap, C_T
  let testD1: Float32Array | null = null;
  let trainTestGap: TrainTestGap | null = null;
  let ct: AuditReport['ct'] = null;
  if (test) {
    if (input.samplesToTest) {
      testD1 = Float32Array.from({ length: m }, (_, i) => input.samplesToTest!.distances[i * input.samplesToTest!.k]!);
    } else {
      const testRef = search.createReference(test.data, test.n, d);
      try {
        testD1 = (await search.nearest(samples, m, testRef, 1, { ctx: stage('samplesToTest', 'distance to the test split') })).distances;
      } finally {
        testRef.dispose();
      }
    }
    let heldOut = heldOutUsable;
    if (!heldOut) {
      heldOut = await computeHeldOutDistances(test, train, { maxPoints: opts.maxHeldOut ?? defaultMaxHeldOut, seed, search, ctx: stage('heldOut', 'test split against the training set') });
      opts.onComputed?.({ heldOut });
    }
    const bins = opts.histogramBins ?? 30;
    const edges = sharedEdges([d1, heldOut.distances], bins);
    trainTestGap = {
      sampleCount: m,
      testCount: heldOut.distances.length,
      sampleMedian: median(d1),
      testMedian: median(heldOut.distances),
      histogram: { edges, samples: histogram(d1, edges), test: histogram(heldOut.distances, edges) },
      mannWhitney: mannWhitneyU(d1, heldOut.distances),
    };
    const kmCtx = stage('kmeans', 'k-means cells');
    kmCtx?.throwIfCancelled();
    if (kmeansRows < cells) unavailable['ct'] = `needs at least ${cells} training images for ${cells} cells`;
    else {
      const maxIterations = opts.kmeansIterations ?? 50;
      const want = { cells, d, fitCount: kmeansRows, trainCount: train.n, seed, maxIterations };
      let model: CachedKMeans;
      if (input.kmeans && staleKMeansReason(input.kmeans, want) === null) model = input.kmeans;
      else {
        if (input.kmeans) notes.push(`k-means cells refitted: ${staleKMeansReason(input.kmeans, want)}`);
        const fitRows = seededSubsample(train.n, kmeansRows, seed, metricStreams.kmeansSubsample);
        model = { ...kMeans(train.data, train.n, d, cells, { rows: fitRows, seed, maxIterations }), fitCount: fitRows.length, trainCount: train.n, seed, maxIterations };
        opts.onKMeansFitted?.(model);
      }
      kmCtx?.progress(1);
      const testCells = assignCells(gatherUnitRows(test.data, d, heldOut.rows), heldOut.rows.length, model);
      const report = ctStatistic({
        sampleDistances: d1,
        sampleCells: assignCells(samples, m, model),
        testDistances: heldOut.distances,
        testCells,
        cells,
        ...(opts.tau === undefined ? {} : { tau: opts.tau }),
      });
      ct = { ...report, k: cells, fitCount: model.fitCount, iterations: model.iterations };
    }
  } else {
    const why = 'no held-out test split was given';
    unavailable['ct'] = why;
    unavailable['trainTestGap'] = why;
    unavailable['testD1'] = why;
  }

  // precision / recall against a training subsample
  let pr: Awaited<ReturnType<typeof precisionRecall>>['result'] | null = null;
  if (!doPR) unavailable['precisionRecall'] = 'turned off';
  else if (m <= radiiK) unavailable['precisionRecall'] = `needs more than k=${radiiK} samples, got ${m}`;
  else if (radiiPoints <= radiiK) unavailable['precisionRecall'] = `needs more than k=${radiiK} training images, got ${radiiPoints}`;
  else {
    const out = await precisionRecall(samples, m, train, {
      k: radiiK,
      maxPoints: radiiPoints,
      seed,
      search,
      ctx: stage('precisionRecall', 'precision and recall'),
      ...(radiiCached ? { cached: input.trainingRadii! } : {}),
    });
    pr = out.result;
    if (out.computed) opts.onComputed?.({ trainingRadii: out.radii });
  }

  const labels = input.trainLabels;
  if (!labels) unavailable['perClass'] = 'the training set has no labels';
  const listed = Math.min(k, opts.perSampleNeighbours ?? 10);
  const perSample: SampleAudit[] = [];
  for (let i = 0; i < m; i++) {
    const list: SampleNeighbour[] = [];
    for (let j = 0; j < listed; j++) {
      const index = neighbours.indices[i * k + j]!;
      list.push({ index, label: labels ? labels[index]! : null, distance: neighbours.distances[i * k + j]! });
    }
    perSample.push({
      index: i,
      neighbours: list,
      ratio: ratios[i]!,
      memorized: flags[i] === 1,
      calibrated: calibrated.values[i]!,
      testD1: testD1 ? testD1[i]! : null,
      authentic: authentic ? authentic[i] === 1 : null,
    });
  }
  let extracted = 0;
  for (const c of calibrated.values) if (c < 1) extracted++;
  let authenticCount = 0;
  if (authentic) for (const a of authentic) authenticCount += a;
  ctx?.progress(1, 'audit done');

  return {
    version: 1,
    distance: 'L2 on pixels scaled to [0, 1]',
    count: m,
    dim: d,
    trainCount: train.n,
    testCount: test ? test.n : null,
    k: listed,
    threshold,
    memorizedFraction: summary.memorizedFraction,
    memorizedCI: summary.memorizedCI,
    memorizedCount: summary.memorizedCount,
    bootstrap: { resamples: bootstrapResamples, level: 0.95, seed },
    medianD1: median(d1),
    medianRatio: median(ratios),
    calibrated: { n: calibrated.n, alpha: calibrated.alpha, extractedFraction: extracted / m },
    ct,
    authenticity: authentic ? { fraction: authenticCount / m, authentic: authenticCount } : null,
    precision: pr ? pr.precision : null,
    recall: pr ? pr.recall : null,
    precisionRecall: pr ? { k: pr.k, realCount: pr.realCount, sampleCount: pr.sampleCount } : null,
    coverage: trainingCoverage(nn1, train.n),
    perClass: labels ? perClassMemorization(nn1, flags, labels, input.classNames) : null,
    trainTestGap,
    unavailable,
    notes,
    perSample,
  };
}
