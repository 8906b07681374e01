/**
 * Run files and sample images as resources, for every host:
 *
 *   res/runs/<id>/sheet/<start>?count=64&cols=64&scale=1[&size=S][&of=samples|nearest]
 *       a PNG sprite sheet of samples [start, start + count) of an image run (samples.npz arr_0),
 *       or of each sample's nearest training image (nearest.npz arr_0) with of=nearest; cell k at
 *       column k % cols, row k / cols; cells past the end are transparent.
 *   res/runs/<id>/file/<name>[?download=1]
 *       a file of the run folder (figures, tables, samples.npz, run.json); download=1 asks the
 *       browser to save it under "<id>-<name>".
 *
 * Run folders never change once written, so decoded arrays are kept in an LRU by run and file.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { readNpz, type NpyArray } from '../../../native-data';
import { isRunId, readRun, runDirectory } from '../../workspace/runs';
import type { Resource, ResourceResolver } from './types';

const MAX_COUNT = 1024;
const MAX_OUTPUT_PIXELS = 32 * 1024 * 1024;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const CONTENT_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.npz': 'application/octet-stream',
  '.npy': 'application/octet-stream',
};

/** Decoded uint8 image arrays by "<ws>\0<id>\0<file>", bounded by bytes. */
class ArrayCache {
  private readonly map = new Map<string, NpyArray>();
  private total = 0;
  constructor(private readonly capacity: number) {}

  async get(key: string, load: () => Promise<NpyArray>): Promise<NpyArray> {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const value = await load();
    const weight = value.data.byteLength;
    if (weight <= this.capacity) {
      this.map.set(key, value);
      this.total += weight;
      for (const [k, v] of this.map) {
        if (this.total <= this.capacity) break;
        this.map.delete(k);
        this.total -= v.data.byteLength;
      }
    }
    return value;
  }
}

const arrays = new ArrayCache(256 * 1024 * 1024);

function intParam(q: URLSearchParams, key: string, fallback: number, min: number, max: number): number | null {
  const raw = q.get(key);
  if (raw === null || raw === '') return fallback;
  const v = Number(raw);
  return Number.isInteger(v) && v >= min && v <= max ? v : null;
}

/** Output cell size for an item of h x w: `size` (larger side) wins over `scale`. */
function cellSize(q: URLSearchParams, h: number, w: number): { ch: number; cw: number } | null {
  const size = q.get('size');
  if (size !== null) {
    const s = Number(size);
    if (!Number.isInteger(s) || s < 1 || s > 4096) return null;
    const f = s / Math.max(h, w);
    return { ch: Math.max(1, Math.round(h * f)), cw: Math.max(1, Math.round(w * f)) };
  }
  const raw = q.get('scale');
  const f = raw === null || raw === '' ? 1 : Number(raw);
  if (!Number.isFinite(f) || f <= 0 || f > 32) return null;
  return { ch: Math.max(1, Math.round(h * f)), cw: Math.max(1, Math.round(w * f)) };
}

/** The uint8 NHWC image array arr_0 of a run file, or null (no such run/file, or not images). */
async function imageArray(workspace: string, id: string, file: string): Promise<NpyArray | null> {
  try {
    const a = await arrays.get(`${workspace}\0${id}\0${file}`, async () => {
      const members = await readNpz(join(runDirectory(workspace, id), file));
      const arr = members['arr_0'];
      if (!arr) throw new Error('no arr_0');
      return arr;
    });
    return a.data instanceof Uint8Array && a.shape.length === 4 ? a : null;
  } catch {
    return null;
  }
}

async function sheet(workspace: string, id: string, startText: string, q: URLSearchParams): Promise<Resource | null> {
  const of = q.get('of') ?? 'samples';
  if (of !== 'samples' && of !== 'nearest') return null;
  const a = await imageArray(workspace, id, of === 'samples' ? 'samples.npz' : 'nearest.npz');
  if (!a) return null;
  const [n, h, w, c] = a.shape as [number, number, number, number];
  const start = Number(startText);
  const count = intParam(q, 'count', 64, 1, MAX_COUNT);
  const cols = intParam(q, 'cols', count ?? 64, 1, MAX_COUNT);
  const cell = cellSize(q, h, w);
  if (!Number.isInteger(start) || start < 0 || count === null || cols === null || !cell) return null;
  const rows = Math.ceil(count / cols);
  if (rows * cols * cell.ch * cell.cw > MAX_OUTPUT_PIXELS) return null;
  const shown = Math.max(0, Math.min(count, n - start));
  // RGBA so cells past the end stay transparent; grey images are spread over RGB.
  const width = cols * w;
  const height = rows * h;
  const raw = new Uint8Array(width * height * 4);
  const data = a.data as Uint8Array;
  for (let k = 0; k < shown; k++) {
    const x0 = (k % cols) * w;
    const y0 = Math.floor(k / cols) * h;
    const base = (start + k) * h * w * c;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = base + (y * w + x) * c;
        const d = ((y0 + y) * width + x0 + x) * 4;
        raw[d] = data[s]!;
        raw[d + 1] = data[s + (c > 1 ? 1 : 0)]!;
        raw[d + 2] = data[s + (c > 2 ? 2 : 0)]!;
        raw[d + 3] = c === 4 ? data[s + 3]! : 255;
      }
    }
  }
  let img = sharp(raw, { raw: { width, height, channels: 4 } });
  const outW = cols * cell.cw;
  const outH = rows * cell.ch;
  if (outW !== width || outH !== height) img = img.resize(outW, outH, { fit: 'fill', kernel: outW > width ? 'nearest' : 'lanczos3' });
  return { contentType: 'image/png', body: new Uint8Array(await img.png({ compressionLevel: 6 }).toBuffer()) };
}

async function file(workspace: string, id: string, name: string, q: URLSearchParams): Promise<Resource | null> {
  if (!FILE_NAME.test(name)) return null;
  let listed: string[];
  try {
    listed = [...(await readRun(workspace, id)).files, 'run.json'];
  } catch {
    return null;
  }
  if (!listed.includes(name)) return null;
  const body = await readFile(join(runDirectory(workspace, id), name)).catch(() => null);
  if (!body) return null;
  const contentType = CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
  return { contentType, body: new Uint8Array(body), ...(q.get('download') === '1' ? { filename: `${id}-${name}` } : {}) };
}

const resolveRunResource: ResourceResolver = async (path, query, workspace) => {
  const [id, what, at, ...extra] = path;
  if (!id || !isRunId(id) || !what || at === undefined || extra.length > 0) return null;
  if (what === 'sheet') return sheet(workspace, id, at, query);
  if (what === 'file') return file(workspace, id, at, query);
  return null;
};

export const runResources: Record<string, ResourceResolver> = { runs: resolveRunResource };
