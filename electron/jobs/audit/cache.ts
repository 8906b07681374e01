/**
 * Pieces of an audit that depend on the data and not on the samples, cached next to the dataset:
 *   <ws>/datasets/<name>/cache/audit-radii-<split>-k<k>-n<max>-s<seed>.json
 *       training radii for precision/recall (a [S x S] search on S <= 10 000 training images)
 *   <ws>/datasets/<name>/cache/audit-heldout-<split>-<testDataset>-<testSplit>-n<max>-s<seed>.json
 *       distances of held-out test images to their nearest training image
 *       and, in the same file, the k-means cells of C_T (`kmeans`: only audits with a test split
 *       fit them, the file's key already pins the training split, and the centroids are float64
 *       numbers, which JSON round-trips exactly); a file without them gets them added
 *   <ws>/datasets/<name>/cache/audit-self-nn1-<split>.json
 *       leave-one-out NN1 distances of the training rows audits have needed for authenticity
 *       (their samples' nearest training images), by row; each audit adds the rows it searched
 * Each file holds the key it was computed for (dataset SHA-256s, splits, sizes, parameters); a
 * file whose key differs (the dataset was replaced under the same name) is ignored and rewritten.
 * Writes are atomic (temporary name + rename), so a crash never leaves half a cache file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, datasetsDir } from '../../workspace/datasets';
import { writeFileAtomic } from '../../workspace/atomic';
import type { CachedKMeans, HeldOutDistances, TrainingRadii } from '../../science/metrics';

export interface CacheKey {
  kind: 'radii' | 'held-out' | 'self-nn1';
  trainSha256: string;
  trainSplit: string;
  trainCount: number;
  dim: number;
  testDataset?: string;
  testSha256?: string;
  testSplit?: string;
  testCount?: number;
  params: Record<string, number>;
}

export type CacheState = 'cached' | 'computed' | 'stale' | 'unused';

interface CacheFile<T> {
  version: 1;
  key: CacheKey;
  created: string;
  value: T;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

export function cacheFile(workspace: string, dataset: string, key: CacheKey): string {
  const p = key.params;
  const name =
    key.kind === 'radii'
      ? `audit-radii-${safe(key.trainSplit)}-k${p['k']}-n${p['maxPoints']}-s${p['seed']}.json`
      : key.kind === 'self-nn1'
        ? `audit-self-nn1-${safe(key.trainSplit)}.json`
        : `audit-heldout-${safe(key.trainSplit)}-${safe(key.testDataset ?? '')}-${safe(key.testSplit ?? '')}-n${p['maxPoints']}-s${p['seed']}.json`;
  return join(datasetsDir(workspace), dataset, 'cache', name);
}

const sameKey = (a: CacheKey, b: CacheKey) => canonicalJson(a) === canonicalJson(b);

/** The cached value for `key`, or why there is none ('unused': no file; 'stale': another key). */
export async function readCache<T>(file: string, key: CacheKey): Promise<{ value: T | null; state: 'cached' | 'stale' | 'unused' }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { value: null, state: 'unused' };
  }
  try {
    const f = JSON.parse(text) as CacheFile<T>;
    if (f.version !== 1 || !f.key || !sameKey(f.key, key)) return { value: null, state: 'stale' };
    return { value: f.value, state: 'cached' };
  } catch {
    return { value: null, state: 'stale' };
  }
}

export async function writeCache<T>(file: string, key: CacheKey, value: T): Promise<void> {
  const content: CacheFile<T> = { version: 1, key, created: new Date().toISOString(), value };
  await writeFileAtomic(file, JSON.stringify(content));
}

export type { HeldOutDistances, TrainingRadii };

/** Leave-one-out NN1 distances of some training rows (float32 values, which JSON round-trips exactly). */
export interface SelfDistancesCacheValue {
  rows: number[];
  distances: number[];
}

/** The cached distances as a map by row; malformed entries are left out (they are searched again). */
export function loadSelfDistances(v: SelfDistancesCacheValue | null, n: number): Map<number, number> {
  const out = new Map<number, number>();
  if (!v || !Array.isArray(v.rows) || !Array.isArray(v.distances) || v.rows.length !== v.distances.length) return out;
  v.rows.forEach((r, i) => {
    const d = v.distances[i];
    if (Number.isInteger(r) && r >= 0 && r < n && typeof d === 'number' && d >= 0) out.set(r, d);
  });
  return out;
}

export function storeSelfDistances(m: ReadonlyMap<number, number>): SelfDistancesCacheValue {
  const rows = Array.from(m.keys()).sort((a, b) => a - b);
  return { rows, distances: rows.map((r) => m.get(r)!) };
}

/** A k-means fit as stored in JSON (a Float64Array would serialise as an object). */
export type StoredKMeans = Omit<CachedKMeans, 'centroids'> & { centroids: number[] };

/** The held-out cache file's value: the distances, plus the C_T cells once fitted. */
export type HeldOutCacheValue = HeldOutDistances & { kmeans?: StoredKMeans };

export function storeKMeans(m: CachedKMeans): StoredKMeans {
  return { ...m, centroids: Array.from(m.centroids) };
}

/** The stored fit, or null when the entry is missing or malformed (then it is refitted). */
export function loadKMeans(s: StoredKMeans | undefined): CachedKMeans | null {
  if (!s || !Array.isArray(s.centroids) || !s.centroids.every((v) => typeof v === 'number')) return null;
  return { ...s, centroids: Float64Array.from(s.centroids) };
}
