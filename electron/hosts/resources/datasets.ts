/**
 * Dataset images as PNG, for every host:
 *
 *   res/datasets/<name>/<split>/sheet/<start>?count=64&cols=64&scale=1[&size=S][&class=K]
 *       a sprite sheet of items [start, start + count) laid out `cols` per row (cell k at
 *       column k % cols, row k / cols); with `class`, the items of that class in order. Cells
 *       past the end of the split are transparent, so the sheet's size depends only on the query.
 *   res/datasets/<name>/<split>/item/<index>?scale=8[&size=S]
 *       one item, enlarged with nearest-neighbour sampling (pixels stay pixels).
 *
 * `scale` multiplies the item size; `size` (the larger side in pixels) overrides it. Encoded
 * sheets are kept in an LRU (by bytes) keyed by the dataset's identity, so scrolling back is free.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { readNpyFile, readNpyHeader, readNpyItems } from '../../../native-data';
import { datasetsDir, showDataset, type DatasetManifest, type SplitManifest } from '../../workspace/datasets';
import type { Resource, ResourceResolver } from './types';

const MAX_COUNT = 1024;
const MAX_OUTPUT_PIXELS = 32 * 1024 * 1024;

/** A least-recently-used map bounded by total weight (bytes). */
class LruCache<V> {
  private readonly map = new Map<string, { value: V; weight: number }>();
  private total = 0;
  constructor(private readonly capacity: number, private readonly weigh: (v: V) => number) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    const weight = this.weigh(value);
    const old = this.map.get(key);
    if (old) {
      this.total -= old.weight;
      this.map.delete(key);
    }
    if (weight > this.capacity) return;
    this.map.set(key, { value, weight });
    this.total += weight;
    for (const [k, e] of this.map) {
      if (this.total <= this.capacity) break;
      this.map.delete(k);
      this.total -= e.weight;
    }
  }
}

const sheets = new LruCache<Uint8Array>(64 * 1024 * 1024, (b) => b.byteLength);
const labelCache = new LruCache<Int32Array>(32 * 1024 * 1024, (a) => a.byteLength);

function intParam(q: URLSearchParams, key: string, fallback: number, min: number, max: number): number | null {
  const raw = q.get(key);
  if (raw === null || raw === '') return fallback;
  const v = Number(raw);
  return Number.isInteger(v) && v >= min && v <= max ? v : null;
}

/** Output cell size for an item of h x w: `size` (larger side) wins over `scale`. */
function cellSize(q: URLSearchParams, h: number, w: number, defaultScale: number): { ch: number; cw: number } | null {
  const size = q.get('size');
  if (size !== null) {
    const s = Number(size);
    if (!Number.isInteger(s) || s < 1 || s > 4096) return null;
    const f = s / Math.max(h, w);
    return { ch: Math.max(1, Math.round(h * f)), cw: Math.max(1, Math.round(w * f)) };
  }
  const raw = q.get('scale');
  const f = raw === null || raw === '' ? defaultScale : Number(raw);
  if (!Number.isFinite(f) || f <= 0 || f > 32) return null;
  return { ch: Math.max(1, Math.round(h * f)), cw: Math.max(1, Math.round(w * f)) };
}

interface Located {
  manifest: DatasetManifest;
  split: SplitManifest;
  file: string;
  key: string;
}

async function locate(ws: string, name: string, split: string): Promise<Located | null> {
  let manifest: DatasetManifest;
  try {
    manifest = await showDataset(ws, name);
  } catch {
    return null;
  }
  const s = manifest.splits[split];
  if (!s || manifest.kind !== 'images' || s.dtype !== 'uint8' || s.shape.length !== 3) return null;
  const dir = join(datasetsDir(ws), name);
  return { manifest, split: s, file: join(dir, s.file), key: `${ws}\0${name}\0${manifest.sha256}\0${manifest.created}\0${split}` };
}

async function classIndices(loc: Located, ws: string, cls: number): Promise<Int32Array | null> {
  if (!loc.split.labels) return null;
  let labels = labelCache.get(loc.key);
  if (!labels) {
    const a = await readNpyFile(join(datasetsDir(ws), loc.manifest.name, loc.split.labels));
    if (!(a.data instanceof Int32Array)) return null;
    labels = a.data;
    labelCache.set(loc.key, labels);
  }
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === cls) out.push(i);
  return Int32Array.from(out);
}

/** Items at arbitrary indices (class filters): one open file, one positional read per run of consecutive indices. */
async function readIndexed(file: string, indices: ArrayLike<number>, itemBytes: number): Promise<Uint8Array> {
  const header = await readNpyHeader(file);
  const out = new Uint8Array(indices.length * itemBytes);
  const fh = await open(file, 'r');
  try {
    for (let k = 0; k < indices.length; ) {
      let run = 1;
      while (k + run < indices.length && indices[k + run] === (indices[k] as number) + run) run++;
      await fh.read(out, k * itemBytes, run * itemBytes, header.dataOffset + (indices[k] as number) * itemBytes);
      k += run;
    }
  } finally {
    await fh.close();
  }
  return out;
}

/** Lays `n` items (h x w x c, HWC) into a rows x cols grid; padded cells transparent. */
function tile(items: Uint8Array, n: number, slots: number, cols: number, h: number, w: number, c: number): { raw: Uint8Array; channels: number; width: number; height: number } {
  const rows = Math.ceil(slots / cols);
  const padded = n < slots;
  const oc = padded ? c + 1 : c;
  const width = cols * w;
  const height = rows * h;
  const raw = new Uint8Array(width * height * oc);
  for (let k = 0; k < n; k++) {
    const x0 = (k % cols) * w;
    const y0 = Math.floor(k / cols) * h;
    for (let y = 0; y < h; y++) {
      const src = (k * h + y) * w * c;
      const dst = ((y0 + y) * width + x0) * oc;
      if (!padded) {
        raw.set(items.subarray(src, src + w * c), dst);
      } else {
        for (let x = 0; x < w; x++) {
          for (let ch = 0; ch < c; ch++) raw[dst + x * oc + ch] = items[src + x * c + ch] as number;
          raw[dst + x * oc + c] = 255;
        }
      }
    }
  }
  return { raw, channels: oc, width, height };
}

async function encode(t: { raw: Uint8Array; channels: number; width: number; height: number }, outW: number, outH: number): Promise<Uint8Array> {
  let img = sharp(t.raw, { raw: { width: t.width, height: t.height, channels: t.channels as 1 | 2 | 3 | 4 } });
  if (outW !== t.width || outH !== t.height) {
    img = img.resize(outW, outH, { fit: 'fill', kernel: outW > t.width ? 'nearest' : 'lanczos3' });
  }
  return new Uint8Array(await img.png({ compressionLevel: 6 }).toBuffer());
}

const png = (body: Uint8Array): Resource => ({ contentType: 'image/png', body });

async function sheet(ws: string, name: string, split: string, startText: string, q: URLSearchParams): Promise<Resource | null> {
  const loc = await locate(ws, name, split);
  if (!loc) return null;
  const start = Number(startText);
  const count = intParam(q, 'count', 64, 1, MAX_COUNT);
  const cols = intParam(q, 'cols', count ?? 64, 1, MAX_COUNT);
  const cls = q.get('class');
  const [h, w, c] = loc.split.shape as [number, number, number];
  const cell = cellSize(q, h, w, 1);
  if (!Number.isInteger(start) || start < 0 || count === null || cols === null || !cell) return null;
  if (cls !== null && !/^\d+$/.test(cls)) return null;
  const rows = Math.ceil(count / cols);
  if (rows * cols * cell.ch * cell.cw > MAX_OUTPUT_PIXELS) return null;

  const key = `${loc.key}\0sheet\0${start}\0${count}\0${cols}\0${cell.ch}x${cell.cw}\0${cls ?? ''}`;
  const hit = sheets.get(key);
  if (hit) return png(hit);

  const itemBytes = h * w * c;
  let items: Uint8Array;
  let n: number;
  if (cls === null) {
    const a = await readNpyItems(loc.file, start, count);
    items = a.data as Uint8Array;
    n = a.shape[0] ?? 0;
  } else {
    const indices = await classIndices(loc, ws, Number(cls));
    if (!indices) return null;
    const chosen = indices.subarray(Math.min(start, indices.length), Math.min(start + count, indices.length));
    items = await readIndexed(loc.file, chosen, itemBytes);
    n = chosen.length;
  }
  const t = tile(items, n, count, cols, h, w, c);
  const body = await encode(t, cols * cell.cw, rows * cell.ch);
  sheets.set(key, body);
  return png(body);
}

async function item(ws: string, name: string, split: string, indexText: string, q: URLSearchParams): Promise<Resource | null> {
  const loc = await locate(ws, name, split);
  if (!loc) return null;
  const index = Number(indexText);
  const [h, w, c] = loc.split.shape as [number, number, number];
  const cell = cellSize(q, h, w, 8);
  if (!Number.isInteger(index) || index < 0 || index >= loc.split.count || !cell) return null;
  if (cell.ch * cell.cw > MAX_OUTPUT_PIXELS) return null;
  const a = await readNpyItems(loc.file, index, 1);
  return png(await encode(tile(a.data as Uint8Array, 1, 1, 1, h, w, c), cell.cw, cell.ch));
}

const resolveDatasetResource: ResourceResolver = async (path, query, workspace) => {
  const [name, split, what, at, ...extra] = path;
  if (!name || !split || !what || at === undefined || extra.length > 0) return null;
  if (what === 'sheet') return sheet(workspace, name, split, at, query);
  if (what === 'item') return item(workspace, name, split, at, query);
  return null;
};

export const datasetResources: Record<string, ResourceResolver> = { datasets: resolveDatasetResource };
