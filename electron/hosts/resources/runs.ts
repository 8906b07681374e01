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
 *   res/runs/<id>/zip/<id>.zip
 *       the whole run folder as a zip download (run-zip.ts).
 *
 * Run folders never change once written, so decoded arrays are kept in an LRU by run and file.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { readNpz, type NpyArray } from '../../../native-data';
import { isRunId, readRun, runDirectory } from '../../workspace/runs';
import { encodePng, tileItems } from '../../workspace/image-tiles';
import { LruCache } from './lru';
import { cellSize, intParam } from './query';
import type { Resource, ResourceResolver } from './types';
import { runZip } from './run-zip';

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
const arrays = new LruCache<NpyArray>(256 * 1024 * 1024, (a) => a.data.byteLength);

/** The uint8 NHWC image array arr_0 of a run file, or null (no such run/file, or not images). */
async function imageArray(workspace: string, id: string, file: string): Promise<NpyArray | null> {
  try {
    const a = await arrays.getOrLoad(`${workspace}\0${id}\0${file}`, async () => {
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
  const cell = cellSize(q, h, w, 1);
  if (!Number.isInteger(start) || start < 0 || count === undefined || cols === undefined || !cell) return null;
  const rows = Math.ceil(count / cols);
  if (rows * cols * cell.ch * cell.cw > MAX_OUTPUT_PIXELS) return null;
  const shown = Math.max(0, Math.min(count, n - start));
  // RGBA so cells past the end stay transparent; grey images are spread over RGB.
  const raster = tileItems(a.data as Uint8Array, { h, w, c }, { first: start, count: shown, slots: count, cols }, 'rgba');
  return { contentType: 'image/png', body: await encodePng(raster, cols * cell.cw, rows * cell.ch) };
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
  if (what === 'zip' && at === `${id}.zip`) {
    const body = await runZip(workspace, id).catch(() => null);
    return body ? { contentType: 'application/zip', body, filename: `${id}.zip` } : null;
  }
  return null;
};

export const runResources: Record<string, ResourceResolver> = { runs: resolveRunResource };
