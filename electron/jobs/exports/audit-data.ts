/**
 * A saved audit read back from its run folder (see audit-files.ts): the manifest, the metrics,
 * the per-sample columns and, on demand, the sample images. Run folders never change once
 * written, so what was read is kept in a small LRU by workspace and run id.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditDetail, AuditMetricsInfo, AuditSource, AuditSplitInfo, AuditThresholdSummary, AuditTopWeights } from '../../contract/audit';
import { readNpz, type NpyArray } from '../../../native-data';
import { readRun, runDirectory, type RunManifest } from '../../workspace/runs';
import { NotInWorkspace } from '../../workspace/errors';
import { runKinds } from '../../contract/run-kinds';
import { auditFiles } from './audit-files';

/** The run a request named is not an audit of the workspace (hosts answer 'not-found'). */
export class AuditNotFound extends NotInWorkspace {
  constructor(message: string) {
    super(message);
    this.name = 'AuditNotFound';
  }
}

export interface LoadedAudit {
  manifest: RunManifest;
  detail: AuditDetail;
  /** Per-sample arrays as stored (typed), for resources and exports. */
  arrays: {
    indices: Int32Array;
    distances: Float32Array;
    labels: Int32Array;
    ratios: Float64Array;
  };
  /** The stamp written into metrics.json. */
  stamp: Record<string, unknown>;
}

const RATIO_BINS = 50;
const KEEP = 8;
const loaded = new Map<string, Promise<LoadedAudit>>();
const sampleArrays = new Map<string, Promise<NpyArray>>();

function remember<V>(map: Map<string, Promise<V>>, key: string, make: () => Promise<V>, keep = KEEP): Promise<V> {
  const hit = map.get(key);
  if (hit) {
    map.delete(key);
    map.set(key, hit);
    return hit;
  }
  const p = make();
  map.set(key, p);
  p.catch(() => map.delete(key));
  for (const k of map.keys()) {
    if (map.size <= keep) break;
    map.delete(k);
  }
  return p;
}

function member<T>(arrays: Record<string, NpyArray>, key: string, type: new (...a: never[]) => T, file: string): T {
  const a = arrays[key];
  if (!a || !(a.data instanceof type)) throw new Error(`${file}: member ${key} is missing or has the wrong type`);
  return a.data as T;
}

/** Equal bins of d1/d2 on [0, 1] (ratios are never above 1). */
export function ratioHistogram(ratios: ArrayLike<number>, bins = RATIO_BINS): { edges: number[]; counts: number[] } {
  const edges = Array.from({ length: bins + 1 }, (_, i) => i / bins);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < ratios.length; i++) {
    const r = ratios[i]!;
    if (!Number.isFinite(r)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor(r * bins)))]!++;
  }
  return { edges, counts };
}

/**
 * A split's identity as saved. Audits made before the split hashes were recorded stored only
 * `sha256`, the dataset's source archive hash: it is read as `sourceSha256`, the split's own unknown.
 */
function splitInfoOf(saved: unknown): AuditSplitInfo {
  const s = saved as AuditSplitInfo & { sha256?: string };
  if (typeof s.sourceSha256 === 'string') return s;
  const { sha256, ...rest } = s;
  return { ...rest, splitSha256: null, sourceSha256: sha256 ?? '' };
}

async function load(workspace: string, id: string): Promise<LoadedAudit> {
  let manifest: RunManifest;
  try {
    manifest = await readRun(workspace, id);
  } catch (e) {
    throw new AuditNotFound((e as Error).message);
  }
  if (manifest.kind !== runKinds.audit) throw new AuditNotFound(`run "${id}" is a ${manifest.kind} run, not an audit`);
  const dir = runDirectory(workspace, id);
  const metricsText = await readFile(join(dir, auditFiles.metrics), 'utf8');
  const { stamp, ...metrics } = JSON.parse(metricsText) as AuditMetricsInfo & { stamp: Record<string, unknown> };
  const file = join(dir, auditFiles.neighbours);
  const arrays = await readNpz(file);
  const indices = member(arrays, 'indices', Int32Array, file);
  const distances = member(arrays, 'distances', Float32Array, file);
  const labels = member(arrays, 'labels', Int32Array, file);
  const ratios = member(arrays, 'ratios', Float64Array, file);
  const calibrated = member(arrays, 'calibrated', Float64Array, file);
  const testD1 = arrays['test_d1']?.data as Float32Array | undefined;
  const authentic = arrays['authentic']?.data as Uint8Array | undefined;
  const k = arrays['indices']!.shape[1] ?? 0;
  const names = JSON.parse(await readFile(join(dir, auditFiles.names), 'utf8')) as { names: string[] };
  const details = (manifest as RunManifest & { details?: Record<string, unknown> }).details ?? {};
  const tw = details['topWeights'];
  let topWeights: AuditTopWeights | null = null;
  if (tw && typeof tw === 'object' && arrays['top_indices'] && arrays['top_weights']) {
    const t = tw as { t: number; data: string; used: number; k: number };
    topWeights = {
      t: t.t, data: t.data, used: t.used, k: t.k,
      indices: Array.from(arrays['top_indices'].data as Int32Array),
      weights: Array.from(arrays['top_weights'].data as Float32Array),
    };
  }
  const detail: AuditDetail = {
    id,
    dir,
    title: manifest.title,
    created: manifest.created,
    params: manifest.params,
    environment: manifest.environment,
    timings: manifest.timings,
    source: details['source'] as AuditSource,
    train: splitInfoOf(details['train']),
    test: details['test'] ? splitInfoOf(details['test']) : null,
    metrics,
    ratioHistogram: ratioHistogram(ratios),
    columns: {
      k,
      ratio: Array.from(ratios),
      neighbourIndex: Array.from(indices),
      neighbourDistance: Array.from(distances),
      neighbourLabel: Array.from(labels),
      calibrated: Array.from(calibrated),
      testD1: testD1 ? Array.from(testD1) : null,
      authentic: authentic ? Array.from(authentic, (v) => v === 1) : null,
      names: names.names,
    },
    topWeights,
    files: manifest.files,
  };
  return { manifest, detail, arrays: { indices, distances, labels, ratios }, stamp };
}

/** The audit `id` of the workspace (AuditNotFound when there is none). */
export function loadAudit(workspace: string, id: string): Promise<LoadedAudit> {
  return remember(loaded, `${workspace}\0${id}`, () => load(workspace, id));
}

/** The audited samples: uint8 [m, H, W, C]. */
export function auditSamples(workspace: string, id: string): Promise<NpyArray> {
  return remember(sampleArrays, `${workspace}\0${id}`, async () => {
    const file = join(runDirectory(workspace, id), auditFiles.samples);
    const a = (await readNpz(file))['arr_0'];
    if (!a || !(a.data instanceof Uint8Array) || a.shape.length !== 4) throw new Error(`${file}: arr_0 must be uint8 [N, H, W, C]`);
    return a;
  }, 3); // sample images are the large part: keep the last few audits only
}

/**
 * The memorised fraction, its bootstrap interval (same resamples and seed as the audit) and the
 * per-class table at another threshold: no new search, the stored d1/d2 ratios are re-counted.
 */
export async function summaryAt(audit: LoadedAudit, threshold: number): Promise<AuditThresholdSummary> {
  // loaded on demand: the engine's metrics pull in tfjs-core, which most host calls never need
  const { summarizeMemorization, memorizedFlags } = await import('../../science/metrics/memorization');
  const { perClassMemorization } = await import('../../science/metrics/perClass');
  const { metrics, columns, train } = audit.detail;
  const s = summarizeMemorization(audit.arrays.ratios, threshold, { resamples: metrics.bootstrap.resamples, seed: metrics.bootstrap.seed });
  let perClass: AuditThresholdSummary['perClass'] = null;
  const m = metrics.count;
  const k = columns.k;
  const nn1Labels = Int32Array.from({ length: m }, (_, i) => audit.arrays.labels[i * k]!);
  if (metrics.perClass && nn1Labels.every((l) => l >= 0)) {
    // each sample is its own "training row" here: the label of its NN1
    const rows = perClassMemorization(Int32Array.from({ length: m }, (_, i) => i), memorizedFlags(audit.arrays.ratios, threshold), nn1Labels, train.classes ?? undefined);
    const classCount = Math.max(rows.length, metrics.perClass.length);
    perClass = Array.from({ length: classCount }, (_, label) => rows[label] ?? { label, name: train.classes?.[label] ?? null, count: 0, memorized: 0, memorizedFraction: null });
  }
  return { ...s, perClass };
}
