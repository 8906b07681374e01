/**
 * For samples drawn with the empirical optimal score: which training images the sampler was
 * copying. At the stopping time delta the score's softmax weights
 *   w_i(delta, x) = softmax_i( -||x_OU - m y_i||^2 / (2 s^2) ),  m = e^{-delta}, s^2 = 1 - e^{-2 delta}
 * (docs/math.md §3) say how much each training image y_i pulls the sample. Runs store samples in data
 * coordinates x = e^{delta} x_OU (the VE form; see jobs/runs/draw-samples.ts), so x_OU = e^{-delta} x.
 * Computed at t = delta (the last step) with the run's own training data (its first `subset` items).
 *
 * The fast, exact way (exactTopWeights): the logit of y_i is -beta ||x - y_i||^2 in [-1, 1] units
 * (beta = m^2 / (2 s^2), the e^{-delta} factors cancel), so the largest weights belong to the
 * nearest training images, which the audit's exact k-NN search (native kernels, float64 re-rank)
 * finds without a second copy of the training set. The normaliser is the sum over all N: the K
 * searched neighbours give it exactly, and every image left out is at least as far as the K-th, so
 * the rest is at most (N - K) times the K-th term. A sample is answered this way only when that bound
 * is below 2^-30 of the sum (64 times below float32 rounding) and its k-th listed image is provably
 * ahead of every image left out; the others get a wider search, and only if that still fails the
 * tfjs score below (one more copy of the data; large delta, where the weights spread over many images).
 * Squared distances are recomputed from the uint8 pixels in integers, so the weights are float64
 * exact and do not depend on the float32 rounding of the search.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bytesToMinus1To1 } from '../../science/data-scaling';
import { empiricalScore } from '../../science/scores/empirical';
import { loadSplit, parseDatasetRef } from '../../workspace/datasets';
import type { RunManifest } from '../../workspace/runs';
import { runKinds } from '../../contract/run-kinds';
import type { JobContext } from '../../science/job-context';
import { createReferenceSet, firstNeighbourIndices, gatherUnitRows, nearestNeighbours, takeRows, type NeighbourResult, type ReferenceSet } from '../../science/neighbours';
import { ouCoefficients } from '../../science/scores/empirical/types';

export interface SampleTopWeights {
  t: number;
  data: string;
  used: number;
  k: number;
  /** [count, k] training indices, largest weight first. */
  indices: Int32Array;
  /** [count, k] weights (over all N they sum to 1). */
  weights: Float32Array;
}

/** Why a run's samples get no top weights, or the run's score parameters. */
export function empiricalRunParams(run: RunManifest): { delta: number; data: string; subset: number | undefined } | string {
  const p = run.params as Record<string, unknown>;
  if (run.kind !== runKinds.sample) return `run kind "${run.kind}" is not a sampling run`;
  if (p['score'] !== 'empirical') return `the run's score is ${String(p['score'])}, not the empirical score`;
  if (p['sampler'] === 'cifar-kde') return 'the pixel-space KDE does not use the score';
  const delta = p['delta'];
  if (typeof delta !== 'number' || !(delta > 0)) return 'the run has no early-stopping time delta';
  if (typeof p['data'] !== 'string') return 'the run names no training data';
  const subset = typeof p['subset'] === 'number' ? p['subset'] : undefined;
  return { delta, data: p['data'], subset };
}

/** Largest accepted relative bound on the normaliser's unsearched part: 64 times below float32 rounding. */
export const TOP_WEIGHTS_MAX_BOUND = 2 ** -30;

export interface ExactTopWeights {
  /** [count, k] training indices, largest weight first (ties by the lower index). */
  indices: Int32Array;
  /** [count, k] weights; rows in `undecided` are left at 0. */
  weights: Float32Array;
  /** Per row: the unsearched mass can be at most this fraction of the searched one (0 when all N were searched). */
  bounds: Float64Array;
  /** Rows the candidates could not answer within TOP_WEIGHTS_MAX_BOUND (ascending). */
  undecided: number[];
}

/**
 * Top-k softmax weights at t = delta from each sample's K >= k exact nearest training rows
 * (`candidates`: [count, K] indices into the first `used` rows of `train`, as the exact search
 * returns them: every row not listed is at least as far, in the search's float32 / float64 sense,
 * as every listed one). Pixels are uint8, `d` values per row.
 */
export function exactTopWeights(
  samples: Uint8Array,
  train: Uint8Array,
  d: number,
  count: number,
  used: number,
  candidates: Int32Array,
  K: number,
  delta: number,
  k: number,
): ExactTopWeights {
  if (!(k >= 1 && k <= K && K <= used)) throw new Error(`exactTopWeights: need 1 <= k (${k}) <= K (${K}) <= used (${used})`);
  if (candidates.length !== count * K) throw new Error(`exactTopWeights: ${candidates.length} candidates for ${count} x ${K}`);
  const { beta } = ouCoefficients(delta, 'topWeights');
  // logit = -beta ||x - y||^2 with x, y = byte / 127.5 - 1, i.e. -beta S / 127.5^2 for the integer S
  const perS = beta / (127.5 * 127.5);
  // The search ranks float32 v/255 (error <= 2^-25 each), so its order can differ from the integer S
  // by at most D * (2 * 2^-24 + 2^-48) in squared [0, 1] units per distance; twice that, in S units,
  // is how much closer than the farthest listed row a row left out may be.
  const slack = 2 * d * (2 * 2 ** -24 + 2 ** -48) * 255 * 255 + 1;
  const indices = new Int32Array(count * k);
  const weights = new Float32Array(count * k);
  const bounds = new Float64Array(count);
  const undecided: number[] = [];
  const S = new Float64Array(K);
  const order: number[] = Array.from({ length: K }, (_, j) => j);
  for (let b = 0; b < count; b++) {
    const xo = b * d;
    for (let j = 0; j < K; j++) {
      const yo = candidates[b * K + j]! * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = samples[xo + c]! - train[yo + c]!;
        s += t * t;
      }
      S[j] = s; // an integer below 2^53: exact
    }
    order.sort((p, q) => S[p]! - S[q]! || candidates[b * K + p]! - candidates[b * K + q]!);
    const s0 = S[order[0]!]!;
    const sMax = S[order[K - 1]!]!;
    let z = 0;
    for (let j = 0; j < K; j++) z += Math.exp(-perS * (S[order[j]!]! - s0));
    let bound = 0;
    if (K < used) {
      // every row left out has S >= sMax - slack, so its term is at most exp(-perS (sMax - slack - s0))
      bound = ((used - K) * Math.exp(-perS * Math.max(0, sMax - slack - s0))) / z;
      // the k-th listed must be strictly ahead of anything left out
      if (!(S[order[k - 1]!]! < sMax - slack)) bound = Infinity;
    }
    bounds[b] = bound;
    if (!(bound <= TOP_WEIGHTS_MAX_BOUND)) {
      undecided.push(b);
      continue;
    }
    for (let j = 0; j < k; j++) {
      indices[b * k + j] = candidates[b * K + order[j]!]!;
      weights[b * k + j] = Math.exp(-perS * (S[order[j]!]! - s0)) / z;
    }
  }
  return { indices, weights, bounds, undecided };
}

/** An exact k-NN search of sample rows (given by index) against the run's training rows. */
export type CandidateSearch = (rows: number[], K: number) => Promise<Int32Array>;

/**
 * exactTopWeights with widening searches (K = k + 1, then x 8 up to 512) for the rows it cannot yet
 * answer; the rows still undecided at the end are returned for the tfjs score.
 */
export async function topWeightsBySearch(
  samples: Uint8Array,
  train: Uint8Array,
  d: number,
  count: number,
  used: number,
  delta: number,
  k: number,
  search: CandidateSearch,
  ctx?: JobContext,
): Promise<ExactTopWeights & { searches: number[] }> {
  const indices = new Int32Array(count * k);
  const weights = new Float32Array(count * k);
  const bounds = new Float64Array(count).fill(Infinity);
  let rows = Array.from({ length: count }, (_, i) => i);
  const searches: number[] = [];
  for (let K = Math.min(used, firstSearchK(k)); rows.length > 0; K = Math.min(used, K * 8)) {
    ctx?.throwIfCancelled();
    const cand = await search(rows, K);
    searches.push(K);
    const got = exactTopWeights(takeRows(samples, d, rows), train, d, rows.length, used, cand, K, delta, k);
    const undecided = new Set(got.undecided);
    const still: number[] = [];
    rows.forEach((r, i) => {
      bounds[r] = got.bounds[i]!;
      if (undecided.has(i)) still.push(r);
      else {
        indices.set(got.indices.subarray(i * k, (i + 1) * k), r * k);
        weights.set(got.weights.subarray(i * k, (i + 1) * k), r * k);
      }
    });
    rows = still;
    if (K >= used || K >= 512) break;
  }
  return { indices, weights, bounds, undecided: rows, searches };
}

const BATCH = 64;

/** The audit's own training data, reused when the run sampled from the same split. */
export interface TopWeightsReuse {
  /** "name:split" of the audit's training split. */
  data: string;
  /** Its uint8 pixels [n, d] and the exact-search reference set built on all n rows (in [0, 1]). */
  pixels: Uint8Array;
  n: number;
  ref: ReferenceSet;
  /**
   * The audit's exact k-NN of the same samples in `ref`: when it lists at least K neighbours the
   * search for K is answered from it (the first K of an exact k-NN are the exact K-NN).
   */
  neighbours?: NeighbourResult;
}

/** The number of neighbours the first search of sampleTopWeights asks for, keeping k weights. */
export const firstSearchK = (k: number) => k + 1;

/**
 * Whether sampleTopWeights will search the audit's own reference set (the run sampled from all n
 * rows of the audit's training split `dataRef`), so the audit's search can list firstSearchK(k).
 */
export function searchesAuditReference(run: RunManifest, dataRef: string, n: number): boolean {
  const params = empiricalRunParams(run);
  if (typeof params === 'string') return false;
  const { name, split } = parseDatasetRef(params.data);
  return `${name}:${split}` === dataRef && (params.subset === undefined || params.subset >= n);
}

/** How the weights were found: exact rows (with the largest bound), searches run, rows left to tfjs. */
export interface TopWeightsMethod {
  exactRows: number;
  maxBound: number;
  searches: number[];
  tfjsRows: number;
}

export async function sampleTopWeights(
  workspace: string,
  run: RunManifest,
  pixels: Uint8Array,
  count: number,
  k: number,
  ctx?: JobContext,
  reuse?: TopWeightsReuse,
): Promise<(SampleTopWeights & { method: TopWeightsMethod }) | string> {
  const params = empiricalRunParams(run);
  if (typeof params === 'string') return params;
  const { name, split } = parseDatasetRef(params.data);
  const dataRef = `${name}:${split}`;
  let data: Uint8Array;
  let shape: number[];
  if (reuse && reuse.data === dataRef) {
    data = reuse.pixels;
    shape = [reuse.n, pixels.length / Math.max(1, count)];
  } else {
    let s;
    try {
      s = await loadSplit(workspace, dataRef);
    } catch (e) {
      return `the run's training data is not available: ${(e as Error).message}`;
    }
    if (!(s.data instanceof Uint8Array)) return `the run's training data ${name}:${split} holds vectors, not images`;
    data = s.data;
    shape = s.shape;
    const dd = shape.slice(1).reduce((a, b) => a * b, 1);
    if (dd * count !== pixels.length) return `the run's training images (${shape.slice(1).join('x')}) do not match its samples`;
  }
  const total = shape[0] ?? 0;
  const d = pixels.length / Math.max(1, count);
  const used = Math.min(total, params.subset ?? total);
  if (used < 1) return `the run's training data ${name}:${split} is empty`;
  const kk = Math.min(k, used);
  const train = data.subarray(0, used * d);

  // exact: from nearest training rows (the audit's reference set when it holds exactly these rows)
  const own = reuse && reuse.data === dataRef && reuse.n === used ? null : createReferenceSet(train, used, d);
  const ref = own ?? reuse!.ref;
  let exact;
  try {
    const known = own ? undefined : reuse?.neighbours;
    exact = await topWeightsBySearch(pixels, train, d, count, used, params.delta, kk, async (rows, K) => {
      if (known && known.m === count && known.k >= K) return firstNeighbourIndices(known, rows, K);
      return (await nearestNeighbours(gatherUnitRows(pixels, d, rows), rows.length, ref, K)).indices;
    }, ctx);
  } finally {
    own?.dispose();
  }
  const { indices, weights, undecided } = exact;
  const left = new Set(undecided);
  let maxBound = 0;
  exact.bounds.forEach((b, i) => {
    if (!left.has(i)) maxBound = Math.max(maxBound, b);
  });
  const method: TopWeightsMethod = { exactRows: count - undecided.length, maxBound, searches: exact.searches, tfjsRows: undecided.length };
  ctx?.progress(undecided.length ? 0.5 : 1, 'softmax weights of the empirical score');
  if (undecided.length === 0) return { t: params.delta, data: dataRef, used, k: kk, indices, weights, method };

  // the rest (weights spread over more images than a search lists): the tfjs score over all rows
  const score = empiricalScore({ values: bytesToMinus1To1(train), rows: used, cols: d }, { backend: 'tfjs' });
  const shrink = Math.exp(-params.delta);
  try {
    for (let first = 0; first < undecided.length; first += BATCH) {
      const rows = undecided.slice(first, first + BATCH);
      const x = bytesToMinus1To1(takeRows(pixels, d, rows));
      for (let i = 0; i < x.length; i++) x[i] = x[i]! * shrink;
      const xt = tf.tensor2d(x, [rows.length, d]);
      try {
        const top = score.topWeights(params.delta, xt, kk);
        rows.forEach((r, i) => {
          indices.set(top.indices.subarray(i * kk, (i + 1) * kk), r * kk);
          weights.set(top.weights.subarray(i * kk, (i + 1) * kk), r * kk);
        });
      } finally {
        xt.dispose();
      }
      ctx?.progress(0.5 + (0.5 * (first + rows.length)) / undecided.length, 'softmax weights of the empirical score');
      ctx?.throwIfCancelled();
    }
  } finally {
    score.dispose();
  }
  return { t: params.delta, data: dataRef, used, k: kk, indices, weights, method };
}
