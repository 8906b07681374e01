/**
 * Reads any supported dataset source into a stream of item batches: CIFAR-10 binary / python
 * (archive, folder or single batch file), .npy, .npz, and image folders / zips / tars.
 * Formats are recognised from content (magic bytes, record layout, pickle structure) and file
 * names only where the format defines them (data_batch_N, test_batch, batches.meta*).
 *
 * The consumer gets batches through `onBatch` (awaited: natural back-pressure) and a SourceInfo
 * at the end. Each batch has a sort key: the final item order is the sorted order of the keys, so
 * a folder, a zip and an unsorted tar of the same files give the same dataset.
 */
import { basename, join } from 'node:path';
import { open } from 'node:fs/promises';
import { ChunkReader } from './chunk-reader';
import { DataError, orDataError } from './errors';
import { naturalCompare } from './natural-sort';
import { openSourceTree, type Container, type SourceEntry, type SourceTree } from './source-tree';
import {
  CIFAR10_CLASSES,
  CIFAR_ITEM_SHAPE,
  CIFAR_PIXELS,
  CIFAR_RECORD,
  checkCifarBinaryLength,
  cifarSplitOf,
  decodeCifarRecords,
  parseCifarMetaText,
  readCifarPythonBatch,
  readCifarPythonMeta,
} from './cifar';
import { isPickleMagic } from './pickle';
import { decodeImage, imageKindOf, imageSize, type DecodeOptions } from './images';
import { isNpyMagic, readNpyBytes, streamNpyFile, type NpyStream } from './npy';
import { ZipFile, isZipMagic } from './zip';
import { checkWholeRead, readLimits, type ReadLimits } from './limits';
import { LimitExceeded } from './errors';
import { npzMembers, streamNpzMember, type NpzMember } from './npz';
import { checkFiniteVectors, interpretShape, minMax, pixelRangeOf, toFloat32, toImageBytes, toLabels, type ArrayLayoutName } from './array-layout';

export type DatasetFormat = 'cifar10-binary' | 'cifar10-python' | 'npy' | 'npz' | 'images';
export type DatasetKind = 'images' | 'vectors';

export interface ItemBatch {
  readonly split: string;
  /** Sort key of this batch (a segment of consecutive items). */
  readonly key: string;
  /** Per-item sort keys when items of one batch may interleave with other batches (images). */
  readonly itemKeys?: readonly string[];
  readonly count: number;
  /** Per-item shape: [H, W, C] for images, [D] for vectors. */
  readonly itemShape: readonly number[];
  /** uint8 NHWC (images) or float32 [count, D] (vectors); empty in dry runs. */
  readonly data: Uint8Array | Float32Array;
  /** Numeric labels (CIFAR, npz), or null. */
  readonly labels: Int32Array | null;
  /** Images: the class folder of every item of this batch (labels are resolved at the end). */
  readonly className?: string | null;
}

export interface ArraySourceInfo {
  readonly dtype: string;
  readonly shape: number[];
  readonly layout: ArrayLayoutName;
  /** Nominal (images) or observed (vectors) value range of the source. */
  readonly range: [number, number] | null;
  readonly conversion: string;
}

export interface SourceInfo {
  readonly format: DatasetFormat;
  readonly container: Container;
  readonly kind: DatasetKind;
  /** Class names; labels index into it. Images: sorted class folder names (null if fewer than two). */
  readonly classes: string[] | null;
  /** Images: whether batches carry className (labels to be resolved against `classes`). */
  readonly labelsFromFolders: boolean;
  readonly defaultName: string;
  readonly notes: string[];
  /** .npy / .npz: what the arrays looked like and how they were converted, per split. */
  readonly arrays?: Record<string, ArraySourceInfo>;
  /** Images: sizes found (after resize when asked), most common first. */
  readonly imageSizes?: { width: number; height: number; count: number }[];
}

export interface ReadOptions extends DecodeOptions {
  /** Count and check without decoding images or producing data (probe). */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  /** Throws to cancel (JobContext.throwIfCancelled); called between chunks. */
  readonly checkCancelled?: () => void;
  readonly onProgress?: (fraction: number, message: string) => void;
  /** Budgets (contract/read-limits.ts); default: the environment's settings, else the defaults. */
  readonly limits?: ReadLimits;
}

export type BatchSink = (batch: ItemBatch) => Promise<void>;

const EMPTY = new Uint8Array(0);
const RECORDS_PER_CHUNK = 1000;
const IMAGE_BATCH = 256;
const DECODE_WINDOW = 4;

/** A dataset name from a path: file or folder name without archive/array extensions. */
export function nameFromPath(path: string): string {
  const base = basename(path.replace(/[\\/]+$/, '')).replace(/\.(tar\.gz|tgz|tar|zip|npz|npy|gz)$/i, '');
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return clean || 'dataset';
}

/** Reads `source`, handing item batches to `onBatch`; returns what was read. */
export async function readSource(source: string, given: ReadOptions, onBatch: BatchSink): Promise<SourceInfo> {
  try {
    return await readAnySource(source, given, onBatch);
  } catch (e) {
    throw asReaderError(source, e);
  }
}

/**
 * The last line of defence: a reader failure that is not already a DataError (a RangeError from a
 * hostile length, say) still names the source, so no bare runtime message reaches a user.
 * Cancellation and the consumer's own errors pass through unchanged.
 */
function asReaderError(source: string, e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof DataError) return e;
  if (e.name === 'AbortError' || e.name === 'JobCancelled' || !(e instanceof RangeError || e instanceof TypeError || e instanceof SyntaxError)) return e;
  return new DataError(source, `unreadable data (${e.message})`);
}

async function readAnySource(source: string, given: ReadOptions, onBatch: BatchSink): Promise<SourceInfo> {
  const opts = { ...given, limits: given.limits ?? readLimits() };
  if (opts.resize !== undefined && opts.resize * opts.resize > opts.limits.maxImagePixels) {
    throw new LimitExceeded(source, `a resize to ${opts.resize} x ${opts.resize}`, 'maxImagePixels', opts.limits.maxImagePixels);
  }
  const head = await readHead(source);
  if (head && isZipMagic(head)) {
    const zip = await ZipFile.open(source, opts.limits);
    try {
      const members = npzMembers(zip);
      const files = zip.entries.filter((e) => !e.isDir);
      if (members.length > 0 && members.length === files.length) return await readNpz(source, zip, members, opts, onBatch);
    } finally {
      await zip.close();
    }
  }
  if (head && isNpyMagic(head)) return readNpy(source, opts, onBatch);
  const tree = await openSourceTree(source, opts.limits);
  try {
    return await readTree(tree, opts, onBatch);
  } finally {
    await tree.close();
  }
}

async function readHead(source: string): Promise<Uint8Array | null> {
  const fh = await orDataError(source, () => open(source, 'r'));
  try {
    if ((await fh.stat()).isDirectory()) return null;
    const b = Buffer.alloc(16);
    const { bytesRead } = await fh.read(b, 0, 16, 0);
    return b.subarray(0, bytesRead);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw e;
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Trees: CIFAR batches and images

const SPLIT_DIRS: Record<string, string> = { train: 'train', test: 'test', val: 'val', valid: 'val', validation: 'val' };

/** Split and class of an image from its path: .../<split>/.../<class>/<file>. */
function imagePlacement(path: string): { split: string; className: string | null } {
  const dirs = path.split('/').slice(0, -1);
  const si = dirs.findIndex((d) => SPLIT_DIRS[d.toLowerCase()] !== undefined);
  const split = si >= 0 ? (SPLIT_DIRS[(dirs[si] as string).toLowerCase()] as string) : 'train';
  const below = si >= 0 ? dirs.slice(si + 1) : dirs;
  return { split, className: below.length > 0 ? (below[below.length - 1] as string) : null };
}

interface PendingImage {
  readonly path: string;
  readonly split: string;
  readonly className: string | null;
  readonly result: Promise<{ width: number; height: number; data: Uint8Array }>;
  /** Bytes counted in flight for this image until it settles (encoded + decoded size). */
  readonly reserved: number;
}

async function readTree(tree: SourceTree, opts: ReadOptions & { limits: ReadLimits }, onBatch: BatchSink): Promise<SourceInfo> {
  const root = tree.root;
  const entryName = (e: SourceEntry) =>
    tree.container === 'file' ? root : tree.container === 'folder' ? join(root, e.path) : `${root}:${e.path}`;
  let format: DatasetFormat | null = null;
  let metaClasses: string[] | null = null;
  const skipped: string[] = [];
  const notes: string[] = [...tree.notes];
  const limits = opts.limits;
  const setFormat = (f: DatasetFormat, e: SourceEntry) => {
    if (format !== null && format !== f) {
      throw new DataError(root, `mixes ${format} data with ${f} data ("${e.path}"); import them separately`);
    }
    format = f;
  };
  const progress = (msg: string) => opts.onProgress?.(tree.totalBytes > 0 ? Math.min(1, tree.bytesDone() / tree.totalBytes) : 0, msg);

  // images state
  const sizes = new Map<string, { width: number; height: number; count: number }>();
  let refSize: string | null = null;
  let mixed = false;
  const classNames = new Set<string>();
  let unclassed = 0;
  let classed = 0;
  const window: PendingImage[] = [];
  let batch: { split: string; className: string | null; keys: string[]; parts: Uint8Array[]; shape: number[]; bytes: number } | null = null;
  // Decoded bytes held at once: the batch being assembled plus the decodes in the window (reserved
  // from each image's header before it is decoded). A batch is handed on at a quarter of the budget.
  let inFlight = 0;

  const flush = async () => {
    if (!batch || batch.keys.length === 0) return;
    const b = batch;
    batch = null;
    const data = opts.dryRun ? EMPTY : concat(b.parts);
    b.parts.length = 0;
    await onBatch({ split: b.split, key: b.keys[0] as string, itemKeys: b.keys, count: b.keys.length, itemShape: b.shape, data, labels: null, className: b.className });
    inFlight -= b.bytes;
  };
  const settle = async (p: PendingImage) => {
    const img = await p.result;
    inFlight -= p.reserved - img.data.length; // the reservation becomes the decoded bytes, now held by the batch
    const key = `${img.width}x${img.height}`;
    const s = sizes.get(key);
    if (s) s.count++;
    else sizes.set(key, { width: img.width, height: img.height, count: 1 });
    refSize ??= key;
    if (key !== refSize && !opts.dryRun) mixed = true;
    if (mixed) {
      inFlight -= img.data.length;
      return;
    }
    if (p.className === null) unclassed++;
    else {
      classed++;
      classNames.add(p.className);
    }
    const shape = [img.height, img.width, 3];
    if (batch && (batch.split !== p.split || batch.className !== p.className || batch.keys.length >= IMAGE_BATCH || batch.shape.join() !== shape.join())) {
      await flush();
    }
    batch ??= { split: p.split, className: p.className, keys: [], parts: [], shape, bytes: 0 };
    batch.keys.push(p.path);
    batch.parts.push(img.data);
    batch.bytes += img.data.length;
    if (batch.bytes >= limits.maxDecoded / 4) await flush();
  };

  for await (const entry of tree.entries(opts.signal)) {
    opts.checkCancelled?.();
    const name = entryName(entry);
    const base = basename(entry.path);
    const split = cifarSplitOf(entry.path);
    if (base === 'batches.meta.txt') {
      checkWholeRead(name, entry.size, limits);
      metaClasses = parseCifarMetaText(Buffer.from(await entry.bytes()).toString('utf8'), name);
      continue;
    }
    const reader = new ChunkReader(entry.chunks());
    const peek = await reader.read(Math.min(16, entry.size));
    if (base === 'batches.meta' && isPickleMagic(peek)) {
      metaClasses = readCifarPythonMeta(await rest(reader, peek, entry.size, name, limits), name);
      continue;
    }
    if (split !== null && isPickleMagic(peek)) {
      setFormat('cifar10-python', entry);
      progress(`reading ${entry.path}`);
      const chunk = readCifarPythonBatch(await rest(reader, peek, entry.size, name, limits), name);
      for (let i = 0; i < chunk.count; i += RECORDS_PER_CHUNK) {
        opts.checkCancelled?.();
        const k = Math.min(RECORDS_PER_CHUNK, chunk.count - i);
        await onBatch({
          split,
          key: `${entry.path}#${i}`,
          count: k,
          itemShape: CIFAR_ITEM_SHAPE,
          data: opts.dryRun ? EMPTY : chunk.images.subarray(i * CIFAR_PIXELS, (i + k) * CIFAR_PIXELS),
          labels: chunk.labels.subarray(i, i + k),
        });
      }
      continue;
    }
    if (split !== null && (entry.path.endsWith('.bin') || entry.size % CIFAR_RECORD === 0)) {
      setFormat('cifar10-binary', entry);
      const n = checkCifarBinaryLength(name, entry.size);
      let first = peek;
      for (let i = 0; i < n; i += RECORDS_PER_CHUNK) {
        opts.checkCancelled?.();
        const k = Math.min(RECORDS_PER_CHUNK, n - i);
        const more = await reader.read(k * CIFAR_RECORD - first.length);
        const raw = first.length ? concat([first, more]) : more;
        first = EMPTY;
        if (raw.length < k * CIFAR_RECORD) throw new DataError(name, `truncated: record ${i + Math.floor(raw.length / CIFAR_RECORD)} of ${n} is incomplete`);
        const chunk = decodeCifarRecords(raw, name, i);
        await onBatch({ split, key: `${entry.path}#${i}`, count: k, itemShape: CIFAR_ITEM_SHAPE, data: opts.dryRun ? EMPTY : chunk.images, labels: chunk.labels });
        progress(`reading ${entry.path}`);
      }
      continue;
    }
    if (imageKindOf(peek) !== null) {
      setFormat('images', entry);
      const bytes = await rest(reader, peek, entry.size, name, limits);
      const place = imagePlacement(tree.container === 'file' ? base : entry.path);
      // the header first: pixels and the decoded size are known before anything is decoded
      const size = await imageSize(bytes, name);
      if (size.width * size.height > limits.maxImagePixels) {
        throw new LimitExceeded(name, `is ${size.width} x ${size.height} pixels`, 'maxImagePixels', limits.maxImagePixels);
      }
      const decode = !(opts.dryRun || mixed);
      const out = opts.resize !== undefined ? opts.resize * opts.resize : size.width * size.height;
      const reserved = decode ? out * 3 + bytes.length : 0;
      if (reserved > limits.maxDecoded) {
        throw new LimitExceeded(name, `decodes to ${(reserved / 2 ** 20).toFixed(1)} MiB`, 'maxDecoded', limits.maxDecoded);
      }
      while (window.length > 0 && inFlight + reserved > limits.maxDecoded) await settle(window.shift() as PendingImage);
      if (inFlight + reserved > limits.maxDecoded) await flush();
      inFlight += reserved;
      const result = decode
        ? decodeImage(bytes, name, { resize: opts.resize, fit: opts.fit, maxPixels: limits.maxImagePixels })
        : Promise.resolve({ ...size, data: EMPTY });
      result.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
      window.push({ path: entry.path, ...place, result, reserved });
      if (window.length >= DECODE_WINDOW) await settle(window.shift() as PendingImage);
      progress(`reading ${entry.path}`);
      continue;
    }
    await reader.close();
    skipped.push(entry.path);
  }
  while (window.length > 0) await settle(window.shift() as PendingImage);
  await flush();

  const fmt = format as DatasetFormat | null;
  if (fmt === null) {
    const seen = skipped.length ? `; found ${skipped.length} other file(s), e.g. ${skipped.slice(0, 3).join(', ')}` : '';
    throw new DataError(root, `no dataset found: expected CIFAR-10 batches (data_batch_N, test_batch), images (PNG, JPEG, WebP) or .npy/.npz${seen}`);
  }
  if (skipped.length) notes.push(`ignored ${skipped.length} file(s) that are not data (e.g. ${skipped.slice(0, 3).join(', ')})`);
  const sizeList = [...sizes.values()].sort((a, b) => b.count - a.count);
  if (fmt === 'images') {
    if (mixed || (opts.dryRun && sizeList.length > 1 && opts.resize === undefined)) {
      const listing = sizeList.map((s) => `${s.width}x${s.height} (${s.count})`).join(', ');
      if (!opts.dryRun) {
        throw new DataError(root, `images have different sizes: ${listing}; import with a resize (e.g. resize: ${Math.min(...sizeList.map((s) => Math.min(s.width, s.height)))}) to make them all S x S`);
      }
      notes.push(`images have different sizes: ${listing}; a resize is needed`);
    }
    if (unclassed > 0 && classed > 0) {
      throw new DataError(root, `${unclassed} image(s) sit directly in a split folder while ${classed} are in class folders; put every image in a class folder, or none`);
    }
    const classes = classNames.size >= 2 ? [...classNames].sort(naturalCompare) : null;
    if (classNames.size === 1) notes.push(`all images are in one folder ("${[...classNames][0]}"): imported without labels`);
    return {
      format: fmt, container: tree.container, kind: 'images', classes, labelsFromFolders: classes !== null,
      defaultName: nameFromPath(root), notes, imageSizes: sizeList,
    };
  }
  if (metaClasses === null) notes.push('no batches.meta found: using the standard CIFAR-10 class names');
  return {
    format: fmt, container: tree.container, kind: 'images', classes: metaClasses ?? CIFAR10_CLASSES, labelsFromFolders: false,
    defaultName: 'cifar10', notes,
  };
}

/** The whole entry given its first bytes already read (within the decoded-bytes budget). */
async function rest(reader: ChunkReader, first: Uint8Array, size: number, name: string, limits: ReadLimits): Promise<Uint8Array> {
  checkWholeRead(name, size, limits);
  const more = await reader.read(size - first.length);
  if (first.length + more.length < size) throw new DataError(name, `truncated: expected ${size} bytes, found ${first.length + more.length}`);
  // reading on to the end lets the container check what it checks there (a zip entry's CRC-32)
  if (!(await reader.atEnd())) throw new DataError(name, `holds more than the ${size} bytes its header declares`);
  await reader.close();
  return concat([first, more]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// Arrays: .npy and .npz

interface ArraySplit {
  readonly split: string;
  readonly name: string;
  readonly open: () => Promise<NpyStream>;
  readonly labels: Int32Array | null;
}

async function readNpy(source: string, opts: ReadOptions, onBatch: BatchSink): Promise<SourceInfo> {
  const split: ArraySplit = { split: 'train', name: source, open: () => streamNpyFile(source, { signal: opts.signal }), labels: null };
  const r = await readArrays([split], opts, onBatch);
  return { format: 'npy', container: 'file', classes: null, labelsFromFolders: false, defaultName: nameFromPath(source), ...r };
}

/** Which members hold which split: arr_0/arr_1 (np.savez positional), x_/y_<split>, images/labels. */
function npzLayout(source: string, members: NpzMember[]): { split: string; data: NpzMember; labels: NpzMember | null }[] {
  const by = new Map(members.map((m) => [m.key, m]));
  const pick = (...keys: string[]) => keys.map((k) => by.get(k)).find((m) => m !== undefined) ?? null;
  const out: { split: string; data: NpzMember; labels: NpzMember | null }[] = [];
  const xSplits = members.map((m) => /^x_(\w+)$/.exec(m.key)?.[1]).filter((s): s is string => s !== undefined);
  if (xSplits.length > 0) {
    for (const s of xSplits) out.push({ split: SPLIT_DIRS[s] ?? s, data: by.get(`x_${s}`) as NpzMember, labels: by.get(`y_${s}`) ?? null });
    return out;
  }
  const data = pick('arr_0', 'images', 'data', 'x', 'samples');
  if (data) return [{ split: 'train', data, labels: data.key === 'arr_0' ? pick('arr_1') : pick('labels', 'y') }];
  if (members.length === 1) return [{ split: 'train', data: members[0] as NpzMember, labels: null }];
  throw new DataError(source, `cannot tell which arrays hold the data: keys are ${members.map((m) => m.key).join(', ')} (expected arr_0 [+ arr_1 labels], x_train/y_train, or images/labels)`);
}

async function readNpz(source: string, zip: ZipFile, members: NpzMember[], opts: ReadOptions & { limits: ReadLimits }, onBatch: BatchSink): Promise<SourceInfo> {
  const splits: ArraySplit[] = [];
  for (const l of npzLayout(source, members)) {
    let labels: Int32Array | null = null;
    if (l.labels) {
      const name = `${source}:${l.labels.key}`;
      checkWholeRead(name, l.labels.entry.size, opts.limits);
      const a = readNpyBytes(await zip.bytes(l.labels.entry), name);
      if (a.shape.length > 2 || (a.shape.length === 2 && a.shape[1] !== 1)) throw new DataError(name, `labels must be a 1-D array; found shape (${a.shape.join(', ')})`);
      if (a.dtype.kind === 'f' || a.dtype.kind === 'b' || a.dtype.kind === 'i' || a.dtype.kind === 'u') labels = toLabels(a.data, name);
    }
    splits.push({ split: l.split, name: `${source}:${l.data.key}`, open: () => streamNpzMember(zip, l.data, { signal: opts.signal }), labels });
  }
  const r = await readArrays(splits, opts, onBatch);
  const maxLabel = Math.max(-1, ...splits.map((s) => (s.labels ? s.labels.reduce((a, b) => Math.max(a, b), -1) : -1)));
  const classes = maxLabel >= 0 ? Array.from({ length: maxLabel + 1 }, (_, i) => String(i)) : null;
  if (classes) r.notes.push('labels have no names in an .npz: classes are named by their index');
  return { format: 'npz', container: 'zip', classes, labelsFromFolders: false, defaultName: nameFromPath(source), ...r };
}

async function readArrays(
  splits: ArraySplit[],
  opts: ReadOptions,
  onBatch: BatchSink,
): Promise<{ kind: DatasetKind; notes: string[]; arrays: Record<string, ArraySourceInfo> }> {
  const arrays: Record<string, ArraySourceInfo> = {};
  const notes: string[] = [];
  let kind: DatasetKind | null = null;
  for (const [si, s] of splits.entries()) {
    // progress over all splits: split si covers [si, si + 1) / splits.length
    const report = (f: number, msg: string) => opts.onProgress?.((si + f) / splits.length, msg);
    const first = await s.open();
    const { header } = first;
    const layout = interpretShape(header.shape, s.name);
    if (kind !== null && kind !== layout.kind) throw new DataError(s.name, `mixes ${kind} and ${layout.kind} across splits`);
    kind = layout.kind;
    if (s.labels && s.labels.length !== layout.count) {
      throw new DataError(s.name, `${layout.count} items but ${s.labels.length} labels`);
    }
    if (layout.sourceChannels === 4) notes.push(`${s.split}: alpha channel dropped`);
    if (layout.layout === 'NCHW') notes.push(`${s.split}: channels-first (NCHW) array transposed to NHWC`);
    const total = layout.count;
    const needsRange = layout.kind === 'vectors' ? opts.dryRun === true : !(header.dtype.kind === 'u' && header.dtype.itemSize === 1) && header.dtype.kind !== 'b';
    let lo = Infinity;
    let hi = -Infinity;
    let stream: NpyStream | null = first;
    if (needsRange) {
      for await (const c of first.chunks) {
        opts.checkCancelled?.();
        const [a, b] = minMax(c.data, s.name);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
        report((c.start + c.count) / Math.max(1, total) / 2, `scanning ${s.split} values`);
      }
      stream = opts.dryRun ? null : await s.open();
    }
    const pixel = layout.kind === 'images' ? pixelRangeOf(header.dtype, lo, hi, s.name) : null;
    arrays[s.split] = {
      dtype: header.dtype.descr,
      shape: header.shape,
      layout: layout.layout,
      range: pixel ? pixel.range : needsRange && total > 0 ? [lo, hi] : null,
      conversion: pixel ? pixel.conversion : header.dtype.descr.endsWith('f4') ? 'float32 as is' : `${header.dtype.descr} → float32`,
    };
    if (stream === null) {
      await onBatch({ split: s.split, key: `${s.split}#0`, count: total, itemShape: layout.itemShape, data: EMPTY, labels: s.labels });
      continue;
    }
    if (opts.dryRun) {
      await stream.close();
      await onBatch({ split: s.split, key: `${s.split}#0`, count: total, itemShape: layout.itemShape, data: EMPTY, labels: s.labels });
      continue;
    }
    for await (const c of stream.chunks) {
      opts.checkCancelled?.();
      const data = pixel ? toImageBytes(c.data, c.count, layout, pixel.scale) : toFloat32(c.data);
      if (!pixel) checkFiniteVectors(data as Float32Array, s.name, c.start, layout.itemShape.reduce((a, b) => a * b, 1));
      await onBatch({
        split: s.split,
        key: `${s.split}#${String(c.start).padStart(12, '0')}`,
        count: c.count,
        itemShape: layout.itemShape,
        data,
        labels: s.labels ? s.labels.subarray(c.start, c.start + c.count) : null,
      });
      const f = (c.start + c.count) / Math.max(1, total);
      report(needsRange ? 0.5 + f / 2 : f, `reading ${s.split}`);
    }
  }
  return { kind: kind ?? 'vectors', notes, arrays };
}

// ---------------------------------------------------------------------------------------------
// Probe: what an import would produce

export interface ProbeSplit {
  readonly count: number;
  /** Per-item shape (the first one seen, for images with mixed sizes). */
  readonly shape: number[];
  readonly dtype: 'uint8' | 'float32';
  readonly labelled: boolean;
}

export interface ProbeResult extends SourceInfo {
  readonly splits: Record<string, ProbeSplit>;
}

/** Reads a source without decoding images or storing anything, and reports what would be imported. */
export async function probeSource(source: string, opts: Omit<ReadOptions, 'dryRun'> = {}): Promise<ProbeResult> {
  const splits: Record<string, { count: number; shape: number[]; labelled: boolean }> = {};
  const info = await readSource(source, { ...opts, dryRun: true }, async (b) => {
    const s = (splits[b.split] ??= { count: 0, shape: [...b.itemShape], labelled: false });
    s.count += b.count;
    if (b.labels || b.className) s.labelled = true;
  });
  const out: Record<string, ProbeSplit> = {};
  for (const [k, s] of Object.entries(splits)) {
    out[k] = {
      count: s.count,
      shape: opts.resize !== undefined && info.kind === 'images' ? [opts.resize, opts.resize, 3] : s.shape,
      dtype: info.kind === 'images' ? 'uint8' : 'float32',
      labelled: s.labelled && (info.classes !== null),
    };
  }
  return { ...info, splits: out };
}
