/**
 * The samples of an audit, as uint8 NHWC images: from a folder (or zip / tar) of images, an .npz
 * (guided-diffusion's arr_0, or x_/images members), an .npy, or a ScoreScope run (its id or its
 * folder: samples.npz arr_0). Files are read with the native-data readers (the same ones an import
 * uses) and items are put in their natural key order, as an import would store them.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { DataError, naturalCompare, readLimits, readNpz, readSource, type ReadLimits, type ResizeFit } from '../../../native-data';
import { isRunId, runDirectory, runsDirectory, RunNotFound, type RunManifest } from '../../workspace/runs';
import type { JobContext } from '../../science/job-context';

export interface LoadedSamples {
  /** uint8 [count, H, W, C], row-major. */
  pixels: Uint8Array;
  count: number;
  itemShape: [number, number, number];
  /** Per sample: the image file it came from, or "<file>[i]" for arrays ("arr_0[i]" for runs). */
  names: string[];
  source: {
    given: string;
    kind: 'run' | 'file' | 'folder';
    path: string;
    format: string;
    run: string | null;
    notes: string[];
  };
  /** The run manifest when the samples came from a run. */
  run: RunManifest | null;
}

export interface SampleReadOptions {
  resize?: number;
  fit?: ResizeFit;
  /** Read budgets (request fields; the rest from settings and defaults). */
  limits?: Partial<ReadLimits>;
  ctx?: JobContext;
  /** Most samples accepted (memory: each is H*W*C bytes, and 4x that as floats). */
  maxCount?: number;
}

export const defaultMaxSamples = 100_000;

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** A run id of this workspace, or a folder holding run.json; null for anything else. */
async function runFolderOf(workspace: string, given: string): Promise<{ id: string; dir: string } | null> {
  if (isRunId(given)) {
    const dir = runDirectory(workspace, given);
    if (await exists(join(dir, 'run.json'))) return { id: given, dir };
    if (!(await exists(given))) {
      throw new RunNotFound(`samples: no run "${given}" in ${runsDirectory(workspace)} (and no file or folder of that name)`);
    }
  }
  const path = resolve(given);
  if ((await isDirectory(path)) && (await exists(join(path, 'run.json')))) return { id: basename(path), dir: path };
  return null;
}

async function fromRun(given: string, run: { id: string; dir: string }): Promise<LoadedSamples> {
  const manifestFile = join(run.dir, 'run.json');
  let manifest: RunManifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as RunManifest;
  } catch {
    throw new DataError(manifestFile, 'not a readable run manifest (run.json)');
  }
  const file = join(run.dir, 'samples.npz');
  if (!(await exists(file))) {
    throw new DataError(run.dir, `run "${manifest.id ?? run.id}" (${manifest.kind}) has no samples.npz: only runs that drew images can be audited`);
  }
  const arrays = await readNpz(file);
  const a = arrays['arr_0'];
  if (!a) throw new DataError(file, `expected a member arr_0, found ${Object.keys(arrays).join(', ') || 'none'}`);
  if (!(a.data instanceof Uint8Array) || a.shape.length !== 4) {
    throw new DataError(file, `arr_0 must be uint8 images [N, H, W, C]; found ${a.dtype.descr} (${a.shape.join(', ')}): a run of vectors cannot be audited against images`);
  }
  const [count, h, w, c] = a.shape as [number, number, number, number];
  return {
    pixels: a.data,
    count,
    itemShape: [h, w, c],
    names: Array.from({ length: count }, (_, i) => `arr_0[${i}]`),
    source: { given, kind: 'run', path: run.dir, format: 'scorescope-run', run: manifest.id ?? run.id, notes: [] },
    run: manifest,
  };
}

interface Segment {
  key: string;
  names: string[];
  data: Uint8Array;
  count: number;
  split: string;
}

const SPLIT_RANK: Record<string, number> = { train: 0, val: 1, test: 2 };

async function fromSource(given: string, opts: SampleReadOptions): Promise<LoadedSamples> {
  const path = resolve(given);
  const ctx = opts.ctx;
  const segments: Segment[] = [];
  let itemShape: number[] | null = null;
  let total = 0;
  const max = opts.maxCount ?? defaultMaxSamples;
  const info = await readSource(
    path,
    {
      resize: opts.resize,
      fit: opts.fit,
      limits: readLimits(opts.limits),
      signal: ctx?.signal,
      checkCancelled: ctx ? () => ctx.throwIfCancelled() : undefined,
      onProgress: ctx ? (f, m) => ctx.progress(f, m) : undefined,
    },
    async (b) => {
      if (!(b.data instanceof Uint8Array) || b.itemShape.length !== 3) {
        throw new DataError(path, `holds vectors of shape (${b.itemShape.join(', ')}), not images: audits compare images (H x W x C)`);
      }
      if (itemShape && itemShape.join() !== b.itemShape.join()) {
        throw new DataError(path, `samples have different shapes: ${itemShape.join('x')} and ${b.itemShape.join('x')}`);
      }
      itemShape ??= [...b.itemShape];
      total += b.count;
      if (total > max) throw new DataError(path, `holds more than ${max.toLocaleString('en')} samples; audit a subset`);
      const item = b.data.length / Math.max(1, b.count);
      if (b.itemKeys) {
        // images: one segment per file, so the final order is the natural order of the paths
        b.itemKeys.forEach((key, i) =>
          segments.push({ key, names: [key], data: (b.data as Uint8Array).subarray(i * item, (i + 1) * item), count: 1, split: b.split }));
      } else {
        // arrays: "<file>[i]" (with the split when the file holds several)
        const first = segments.filter((s) => s.split === b.split).reduce((a, s) => a + s.count, 0);
        segments.push({
          key: b.key, data: b.data, count: b.count, split: b.split,
          names: Array.from({ length: b.count }, (_, i) => `${basename(path)}${b.split === 'train' ? '' : `:${b.split}`}[${first + i}]`),
        });
      }
    },
  );
  if (!itemShape || total === 0) throw new DataError(path, 'no samples found');
  if (info.kind !== 'images') throw new DataError(path, 'holds vectors, not images: audits compare images (H x W x C)');
  segments.sort((a, b) => (SPLIT_RANK[a.split] ?? 3) - (SPLIT_RANK[b.split] ?? 3) || (a.split < b.split ? -1 : a.split > b.split ? 1 : 0) || naturalCompare(a.key, b.key));
  const splits = [...new Set(segments.map((s) => s.split))];
  const pixels = new Uint8Array(segments.reduce((a, s) => a + s.data.length, 0));
  const names: string[] = [];
  let at = 0;
  for (const s of segments) {
    pixels.set(s.data, at);
    at += s.data.length;
    names.push(...s.names);
  }
  const notes = [...info.notes];
  if (splits.length > 1) notes.push(`samples gathered from ${splits.join(', ')} (in that order)`);
  const shape = itemShape as number[];
  return {
    pixels,
    count: total,
    itemShape: [shape[0]!, shape[1]!, shape[2]!],
    names,
    source: {
      given,
      kind: (await isDirectory(path)) ? 'folder' : 'file',
      path,
      format: info.format === 'images' ? `images (${info.container})` : info.format,
      run: null,
      notes,
    },
    run: null,
  };
}

/** Reads the samples named by `given` (see module comment). */
export async function loadSamples(workspace: string, given: string, opts: SampleReadOptions = {}): Promise<LoadedSamples> {
  const run = await runFolderOf(workspace, given);
  if (run) {
    if (opts.resize !== undefined) throw new Error(`samples: resize applies to image files, not to run "${run.id}"`);
    return fromRun(given, run);
  }
  return fromSource(given, opts);
}
