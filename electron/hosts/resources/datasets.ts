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
import { join } from 'node:path';
import { readNpyFile, readNpyItems, readNpyItemsAt } from '../../../native-data';
import { datasetsDir, showDataset, type DatasetManifest, type SplitManifest } from '../../workspace/datasets';
import { encodePng, tileItems } from '../../workspace/image-tiles';
import { LruCache } from './lru';
import { cellSize, intParam } from './query';
import type { Resource, ResourceResolver } from './types';

const MAX_COUNT = 1024;
const MAX_OUTPUT_PIXELS = 32 * 1024 * 1024;

const sheets = new LruCache<Uint8Array>(64 * 1024 * 1024, (b) => b.byteLength);
const labelCache = new LruCache<Int32Array>(32 * 1024 * 1024, (a) => a.byteLength);

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
  if (!Number.isInteger(start) || start < 0 || count === undefined || cols === undefined || !cell) return null;
  if (cls !== null && !/^\d+$/.test(cls)) return null;
  const rows = Math.ceil(count / cols);
  if (rows * cols * cell.ch * cell.cw > MAX_OUTPUT_PIXELS) return null;

  const key = `${loc.key}\0sheet\0${start}\0${count}\0${cols}\0${cell.ch}x${cell.cw}\0${cls ?? ''}`;
  const hit = sheets.get(key);
  if (hit) return png(hit);

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
    items = (await readNpyItemsAt(loc.file, chosen)).data as Uint8Array;
    n = chosen.length;
  }
  const t = tileItems(items, { h, w, c }, { count: n, slots: count, cols }, 'native');
  const body = await encodePng(t, cols * cell.cw, rows * cell.ch);
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
  return png(await encodePng(tileItems(a.data as Uint8Array, { h, w, c }, { count: 1, slots: 1, cols: 1 }, 'native'), cell.cw, cell.ch));
}

const resolveDatasetResource: ResourceResolver = async (path, query, workspace) => {
  const [name, split, what, at, ...extra] = path;
  if (!name || !split || !what || at === undefined || extra.length > 0) return null;
  if (what === 'sheet') return sheet(workspace, name, split, at, query);
  if (what === 'item') return item(workspace, name, split, at, query);
  return null;
};

export const datasetResources: Record<string, ResourceResolver> = { datasets: resolveDatasetResource };
