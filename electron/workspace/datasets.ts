/**
 * The datasets of a workspace: <ws>/datasets/<name>/{manifest.json, <split>.npy, <split>-labels.npy}.
 *
 * Imports stream the source into a hidden temporary folder and rename it into place at the end, so
 * a failed or cancelled import leaves the workspace as it was. A source already imported (same
 * SHA-256 and same resize options) is not imported again: the existing dataset is returned with
 * `existing: true`.
 *
 * Names: [A-Za-z0-9][A-Za-z0-9._-]{0,63}. An explicit name that is taken is an error; a default
 * name (from the source: "cifar10" for CIFAR-10, else the file/folder name) that is taken by a
 * different dataset gets a suffix: cifar10-2, cifar10-3, ...
 */
import { readFile, readdir, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import {
  DataError,
  readNpyFile,
  readNpyItems,
  readSource,
  probeSource,
  sha256Source,
  sourceByteSize,
  synthesize,
  validateSpec,
  specDimension,
  type ItemBatch,
  type ProbeResult,
  type ResizeFit,
  type SourceInfo,
  type SyntheticSpec,
  readLimits,
  type ReadLimits,
} from '../../native-data';
import { JobCancelled, type JobContext } from '../science/job-context';
import { removeDirAtomic, withTempDir, writeFileAtomic } from './atomic';
import { MANIFEST_FILE, MANIFEST_VERSION, parseManifest, type DatasetManifest, type SplitManifest } from './dataset-manifest';
import { SplitWriter } from './dataset-writer';
import { WorkspaceError, type WorkspaceErrorCode } from './errors';
import { checkFreeDisk } from './free-disk';

export type { DatasetManifest, SplitManifest } from './dataset-manifest';

/** Workspace-level problems (unknown dataset, name taken, bad name): the message says what to do. */
export class DatasetStoreError extends WorkspaceError {
  constructor(message: string, code: WorkspaceErrorCode = 'refused') {
    super(code, message);
    this.name = 'DatasetStoreError';
  }
}

/** The dataset a request named is not in the workspace (hosts answer 'not-found'). */
export class DatasetNotFound extends DatasetStoreError {
  constructor(message: string) {
    super(message, 'not-found');
    this.name = 'DatasetNotFound';
  }
}

/** The dataset is there but has no split of the name a request gave (hosts answer 'not-found'). */
export class SplitNotFound extends DatasetNotFound {
  constructor(
    readonly dataset: string,
    readonly split: string,
    readonly splits: readonly string[],
  ) {
    super(`dataset "${dataset}" has no split "${split}" (has: ${splits.join(', ')})`);
    this.name = 'SplitNotFound';
  }
}

export interface ImportOptions {
  /** Dataset name; default from the source (see module comment). */
  readonly name?: string;
  /** Images: make every image resize x resize. */
  readonly resize?: number;
  /** How resize treats other aspect ratios: cover (default, centre crop), fill (stretch), contain (pad). */
  readonly fit?: ResizeFit;
  /** Read budgets (request fields; the rest from settings and defaults). */
  readonly limits?: Partial<ReadLimits>;
  readonly ctx?: JobContext;
}

export interface ImportResult {
  readonly manifest: DatasetManifest;
  /** True when the same content was already in the workspace (nothing was written). */
  readonly existing: boolean;
}

export interface LoadedSplit {
  /** uint8 NHWC images or float32 [N, D] vectors. */
  readonly data: Uint8Array | Float32Array;
  /** Full shape [N, ...item]. */
  readonly shape: number[];
  readonly labels: Int32Array | null;
  readonly split: string;
  readonly manifest: DatasetManifest;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function datasetsDir(ws: string): string {
  return join(ws, 'datasets');
}

export function checkDatasetName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new DatasetStoreError(`invalid dataset name "${name}": use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
}

/** "name" or "name:split" (default split: train). */
export function parseDatasetRef(ref: string): { name: string; split: string } {
  const i = ref.indexOf(':');
  const name = i < 0 ? ref : ref.slice(0, i);
  const split = i < 0 ? 'train' : ref.slice(i + 1);
  checkDatasetName(name);
  if (!/^[A-Za-z0-9_-]+$/.test(split)) throw new DatasetStoreError(`invalid split "${split}" in "${ref}"`);
  return { name, split };
}

async function readManifest(dir: string, name: string): Promise<DatasetManifest> {
  const file = join(dir, MANIFEST_FILE);
  const text = await readFile(file, 'utf8');
  const m = parseManifest(JSON.parse(text), file);
  m.name = name; // the folder name is the truth (a crash between rename steps cannot disagree)
  return m;
}

/** Every dataset of the workspace, by name (folders without a readable manifest are skipped). */
export async function listDatasets(ws: string): Promise<DatasetManifest[]> {
  const root = datasetsDir(ws);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const out: DatasetManifest[] = [];
  for (const n of names.sort()) {
    if (n.startsWith('.')) continue;
    try {
      out.push(await readManifest(join(root, n), n));
    } catch {
      /* not a dataset folder */
    }
  }
  return out;
}

export async function showDataset(ws: string, name: string): Promise<DatasetManifest> {
  checkDatasetName(name);
  try {
    return await readManifest(join(datasetsDir(ws), name), name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      const known = (await listDatasets(ws)).map((d) => d.name);
      throw new DatasetNotFound(`no dataset "${name}" in ${ws}${known.length ? ` (have: ${known.join(', ')})` : ' (it has none yet)'}`);
    }
    throw e;
  }
}

export async function removeDataset(ws: string, name: string): Promise<void> {
  await showDataset(ws, name);
  await removeDirAtomic(join(datasetsDir(ws), name));
}

export async function renameDataset(ws: string, from: string, to: string): Promise<DatasetManifest> {
  checkDatasetName(to);
  const m = await showDataset(ws, from);
  if (from === to) return m;
  const target = join(datasetsDir(ws), to);
  if (await exists(target)) throw new DatasetStoreError(`cannot rename "${from}" to "${to}": a dataset "${to}" already exists`);
  await rename(join(datasetsDir(ws), from), target);
  const renamed = { ...m, name: to };
  await writeFileAtomic(join(target, MANIFEST_FILE), JSON.stringify(renamed, null, 2));
  return renamed;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Split `split` of a dataset's manifest (SplitNotFound when it has none of that name). */
export function splitOf(m: DatasetManifest, split: string): SplitManifest {
  const s = m.splits[split];
  if (!s) throw new SplitNotFound(m.name, split, Object.keys(m.splits));
  return s;
}

/** Loads a whole split into memory. */
export async function loadSplit(ws: string, ref: string): Promise<LoadedSplit> {
  const { name, split } = parseDatasetRef(ref);
  const manifest = await showDataset(ws, name);
  const s = splitOf(manifest, split);
  const dir = join(datasetsDir(ws), name);
  const arr = await readNpyFile(join(dir, s.file));
  const data = arr.data;
  if (!(data instanceof Uint8Array) && !(data instanceof Float32Array)) throw new DataError(join(dir, s.file), `unexpected dtype ${arr.dtype.descr}`);
  const labels = s.labels ? (await readNpyFile(join(dir, s.labels))).data : null;
  if (labels !== null && !(labels instanceof Int32Array)) throw new DataError(join(dir, s.labels as string), 'labels must be int32');
  return { data, shape: arr.shape, labels, split, manifest };
}

export interface ItemsSlice {
  readonly data: Uint8Array | Float32Array;
  /** [count, ...item] (count clipped to the split). */
  readonly shape: number[];
  readonly labels: Int32Array | null;
  readonly start: number;
}

/** Items [start, start+count) of a split, read with positional reads (thumbnails; no full load). */
export async function readItems(ws: string, ref: string, start: number, count: number): Promise<ItemsSlice> {
  const { name, split } = parseDatasetRef(ref);
  const manifest = await showDataset(ws, name);
  const s = splitOf(manifest, split);
  const dir = join(datasetsDir(ws), name);
  const arr = await readNpyItems(join(dir, s.file), start, count);
  const data = arr.data;
  if (!(data instanceof Uint8Array) && !(data instanceof Float32Array)) throw new DataError(join(dir, s.file), `unexpected dtype ${arr.dtype.descr}`);
  const labels = s.labels ? (await readNpyItems(join(dir, s.labels), start, count)).data : null;
  return { data, shape: arr.shape, labels: labels instanceof Int32Array ? labels : null, start: Math.max(0, Math.min(start, s.count)) };
}

/** What importing `source` would give (formats, splits, counts, shapes, value ranges), without writing. */
export function probeImport(source: string, opts: { resize?: number; fit?: ResizeFit; limits?: Partial<ReadLimits>; ctx?: JobContext } = {}): Promise<ProbeResult> {
  return probeSource(resolve(source), {
    resize: opts.resize,
    fit: opts.fit,
    limits: readLimits(opts.limits),
    signal: opts.ctx?.signal,
    checkCancelled: opts.ctx ? () => opts.ctx?.throwIfCancelled() : undefined,
    onProgress: opts.ctx ? (f, m) => opts.ctx?.progress(f, m) : undefined,
  });
}

async function findBySha(ws: string, sha256: string, options: DatasetManifest['options']): Promise<DatasetManifest | null> {
  for (const m of await listDatasets(ws)) {
    if (m.sha256 === sha256 && JSON.stringify(m.options) === JSON.stringify(options)) return m;
  }
  return null;
}

/** `wanted` if free; for a default name, the first free of wanted-2, wanted-3, ... */
async function freeName(ws: string, wanted: string, explicit: boolean): Promise<string> {
  const dir = datasetsDir(ws);
  if (!(await exists(join(dir, wanted)))) return wanted;
  if (explicit) throw new DatasetStoreError(`a dataset "${wanted}" already exists with different content; choose another name or remove it first`);
  for (let k = 2; ; k++) {
    const n = `${wanted.slice(0, 60)}-${k}`;
    if (!(await exists(join(dir, n)))) return n;
  }
}

/** Runs `fn`, turning a stream abort caused by cancellation into JobCancelled. */
async function cancellable<T>(ctx: JobContext | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (ctx?.signal.aborted && !(e instanceof JobCancelled)) throw new JobCancelled();
    throw e;
  }
}

/** Writes batches into per-split writers inside `tmp`, then the manifest; returns it. */
class DatasetBuilder {
  private readonly writers = new Map<string, SplitWriter>();
  private readonly classIds = new Map<string, number>();

  constructor(
    private readonly tmp: string,
    private readonly dtype: () => 'uint8' | 'float32',
    private readonly sourceName: string,
  ) {}

  readonly add = async (b: ItemBatch): Promise<void> => {
    await checkFreeDisk(this.tmp, b.data.byteLength + (b.labels?.byteLength ?? 0), `importing ${this.sourceName}`);
    let w = this.writers.get(b.split);
    if (!w) {
      w = new SplitWriter(this.tmp, b.split, b.data instanceof Float32Array ? 'float32' : this.dtype(), this.classIds, this.sourceName);
      this.writers.set(b.split, w);
    }
    await w.add(b);
  };

  async finish(classes: string[] | null, folderClasses: boolean): Promise<Record<string, SplitManifest>> {
    if (this.writers.size === 0) throw new DataError(this.sourceName, 'no items found');
    const splits: Record<string, SplitManifest> = {};
    const order = [...this.writers.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
    for (const k of order) splits[k] = await (this.writers.get(k) as SplitWriter).finish(classes, folderClasses);
    return splits;
  }

  async abort(): Promise<void> {
    for (const w of this.writers.values()) await w.abort();
  }
}

const rank = (split: string) => ({ train: 0, val: 1, test: 2 })[split] ?? 3;

/**
 * Imports a dataset source (CIFAR-10 binary/python archive or folder, .npy, .npz, image folder /
 * zip / tar) into the workspace. Progress: hashing 0-10 %, reading 10-97 %, finishing the rest.
 */
export async function importDataset(ws: string, sourcePath: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const ctx = opts.ctx;
  if (opts.name !== undefined) checkDatasetName(opts.name);
  if (opts.resize !== undefined && !(Number.isInteger(opts.resize) && opts.resize >= 1 && opts.resize <= 4096)) {
    throw new DatasetStoreError(`resize must be a whole number of pixels 1-4096, got ${opts.resize}`);
  }
  const source = resolve(sourcePath);
  const options = opts.resize !== undefined ? { resize: opts.resize, fit: opts.fit ?? 'cover' } : null;

  return cancellable(ctx, async () => {
    ctx?.progress(0, 'hashing the source');
    const total = await sourceByteSize(source);
    let hashed = 0;
    const sha256 = await sha256Source(source, (n) => {
      hashed += n;
      ctx?.progress((0.1 * hashed) / Math.max(1, total), 'hashing the source');
    }, ctx?.signal);
    ctx?.throwIfCancelled();
    const already = await findBySha(ws, sha256, options);
    if (already) return { manifest: already, existing: true };

    return withTempDir(datasetsDir(ws), async (tmp) => {
      const builder = new DatasetBuilder(tmp, () => 'uint8', source);
      let info: SourceInfo;
      try {
        info = await readSource(
          source,
          {
            resize: opts.resize,
            fit: opts.fit,
            limits: readLimits(opts.limits),
            signal: ctx?.signal,
            checkCancelled: ctx ? () => ctx.throwIfCancelled() : undefined,
            onProgress: ctx ? (f, m) => ctx.progress(0.1 + 0.87 * f, m) : undefined,
          },
          builder.add,
        );
        ctx?.progress(0.97, 'finishing');
        const splits = await builder.finish(info.classes, info.labelsFromFolders);
        ctx?.throwIfCancelled();
        const name = await freeName(ws, opts.name ?? info.defaultName, opts.name !== undefined);
        const manifest: DatasetManifest = {
          version: MANIFEST_VERSION,
          name,
          source,
          format: info.format,
          container: info.container,
          sha256,
          created: new Date().toISOString(),
          kind: info.kind,
          classes: info.classes,
          splits,
          options,
          notes: [...info.notes, ...arrayNotes(info)],
        };
        await writeFileAtomic(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
        ctx?.progress(1, 'done');
        return { into: join(datasetsDir(ws), name), value: { manifest, existing: false } };
      } catch (e) {
        await builder.abort();
        throw e;
      }
    });
  });
}

function arrayNotes(info: SourceInfo): string[] {
  if (!info.arrays) return [];
  return Object.entries(info.arrays).map(
    ([split, a]) => `${split}: ${a.dtype} (${a.shape.join(', ')}) ${a.layout}${a.range ? ` in [${a.range.join(', ')}]` : ''}: ${a.conversion}`,
  );
}

/** JSON with sorted keys (undefined members dropped), so key order never makes two equal values differ. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Draws a synthetic dataset (seeded, reproducible) into the workspace as float32 vectors. */
export async function synthDataset(ws: string, spec: SyntheticSpec, opts: { name?: string; ctx?: JobContext } = {}): Promise<ImportResult> {
  if (opts.name !== undefined) checkDatasetName(opts.name);
  validateSpec(spec);
  const sha256 = createHash('sha256').update(canonicalJson(spec)).digest('hex');
  const already = await findBySha(ws, sha256, null);
  if (already) return { manifest: already, existing: true };
  const d = specDimension(spec);
  const defaultName = `${spec.kind}-${d}d`;
  return withTempDir(datasetsDir(ws), async (tmp) => {
    const builder = new DatasetBuilder(tmp, () => 'float32', 'synthetic');
    opts.ctx?.progress(0, 'sampling');
    const splits = synthesize(spec);
    for (const [split, s] of Object.entries(splits)) {
      opts.ctx?.throwIfCancelled();
      await builder.add({ split, key: split, count: s.count, itemShape: [d], data: s.data, labels: s.labels });
    }
    const classes = spec.kind === 'mixture' ? spec.components.map((_, k) => `component-${k}`) : null;
    const manifest: DatasetManifest = {
      version: MANIFEST_VERSION,
      name: await freeName(ws, opts.name ?? defaultName, opts.name !== undefined),
      source: 'synthetic',
      format: `synthetic-${spec.kind}`,
      container: 'generated',
      sha256,
      created: new Date().toISOString(),
      kind: 'vectors',
      classes,
      splits: await builder.finish(classes, false),
      options: null,
      spec,
      notes: [],
    };
    await writeFileAtomic(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    opts.ctx?.progress(1, 'done');
    return { into: join(datasetsDir(ws), manifest.name), value: { manifest, existing: false } };
  });
}
