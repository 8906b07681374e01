/**
 * Images and exports of a saved audit, for every host:
 *
 *   res/audit/<id>/rows?i=3,17,42[&size=S]
 *       gallery rows as one PNG: row r shows sample i[r] in column 0 and its k nearest training
 *       images in columns 1..k (cell (c, r) at c * cell, r * cell; native size unless `size`).
 *       The view asks for the rows it shows, in its own sort order, a block at a time.
 *   res/audit/<id>/samples-sheet/<start>?count=64[&cols=64][&size=S]
 *       a sprite sheet of samples [start, start + count) (cells past the end are transparent).
 *   res/audit/<id>/sample/<i>?size=256
 *       one sample, enlarged with nearest-neighbour sampling.
 *   res/audit/<id>/diff/<i>?rank=0&gain=4&size=256
 *       min(255, gain * |sample - its rank-th nearest training image|) per channel.
 *   res/audit/<id>/export/<html|gallery|csv|metrics|samples|neighbours>[?rows=..|top=N][&threshold=T]
 *       a stamped export, as a download (filename "<id>-<name>").
 *
 * Audits never change once written, so encoded images are kept in an LRU by URL.
 */
import { auditExportKinds, type AuditExportKind } from '../../contract/audit';
import { ApiError } from '../../contract';
import { isRunId } from '../../workspace/runs';
import { auditSamples, loadAudit } from '../../jobs/exports/audit-data';
import { auditExport } from '../../jobs/exports/audit-exports';
import { differenceRaster, rowsRaster, sampleRaster } from '../../jobs/exports/audit-images';
import { cellOf, encodePng, tileItems } from '../../workspace/image-tiles';
import { LruCache } from './lru';
import { intParam } from './query';
import type { Resource, ResourceResolver } from './types';

const MAX_ROWS = 256;
const MAX_COUNT = 1024;
const MAX_OUTPUT_PIXELS = 32 * 1024 * 1024;

const CACHE_BYTES = 48 * 1024 * 1024;
const cache = new LruCache<Uint8Array>(CACHE_BYTES, (b) => b.byteLength, CACHE_BYTES / 4);

function indexList(text: string | null, max: number): number[] | null {
  if (text === null || text === '') return null;
  const parts = text.split(',');
  if (parts.length > max) return null;
  const out = parts.map((p) => Number(p));
  return out.every((v) => Number.isInteger(v) && v >= 0) ? out : null;
}

const png = (body: Uint8Array): Resource => ({ contentType: 'image/png', body });

async function image(key: string, make: () => Promise<Uint8Array>): Promise<Resource> {
  return png(await cache.getOrLoad(key, make));
}

/** Errors about the request (no such sample, bad rank) answer 404 like any missing resource. */
async function orNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch {
    return null;
  }
}

const resolveAuditResource: ResourceResolver = async (path, q, workspace) => {
  const [id, what, at, ...extra] = path;
  if (!id || !isRunId(id) || !what || extra.length > 0) return null;
  const audit = await orNull(() => loadAudit(workspace, id));
  if (!audit) return null;
  const key = `${workspace}\0${id}\0${what}\0${at ?? ''}\0${q.toString()}`;
  const size = intParam(q, 'size', null, 1, 1024);
  if (size === undefined) return null;

  if (what === 'rows' && at === undefined) {
    const rows = indexList(q.get('i'), MAX_ROWS);
    if (!rows) return null;
    // the output's size is known before anything is drawn: refuse what would exceed the cap
    const [h, w] = audit.detail.source.itemShape as [number, number];
    const out = cellOf(h, w, size);
    const pixels = rows.length * (1 + audit.detail.columns.k) * out.ch * out.cw;
    if (pixels > MAX_OUTPUT_PIXELS) {
      throw new ApiError('bad-request', `rows image too large: ${rows.length} rows of ${1 + audit.detail.columns.k} cells at ${out.cw}x${out.ch} is ${(pixels / 1e6).toFixed(1)} M pixels, over ${MAX_OUTPUT_PIXELS / 2 ** 20} Mi; ask for fewer rows or a smaller size`);
    }
    return orNull(() => image(key, async () => {
      const raster = await rowsRaster(workspace, audit, rows);
      const k = audit.detail.columns.k;
      const cell = cellOf(raster.height / rows.length, raster.width / (1 + k), size);
      return encodePng(raster, (1 + k) * cell.cw, rows.length * cell.ch);
    }));
  }
  if (at === undefined) return null;
  const index = Number(at);

  if (what === 'samples-sheet') {
    const count = intParam(q, 'count', 64, 1, MAX_COUNT);
    const cols = intParam(q, 'cols', count ?? 64, 1, MAX_COUNT);
    if (!Number.isInteger(index) || index < 0 || count === undefined || cols === undefined) return null;
    return orNull(() => image(key, async () => {
      const samples = await auditSamples(workspace, id);
      const [m, h, w, c] = samples.shape as [number, number, number, number];
      const cell = cellOf(h, w, size);
      const rowsN = Math.ceil(count / cols);
      if (rowsN * cols * cell.ch * cell.cw > MAX_OUTPUT_PIXELS) throw new Error('too large');
      const shown = Math.max(0, Math.min(count, m - index));
      const sheet = tileItems(samples.data as Uint8Array, { h, w, c }, { first: index, count: shown, slots: count, cols }, 'rgba');
      return encodePng(sheet, cols * cell.cw, rowsN * cell.ch);
    }));
  }

  if (what === 'sample') {
    return orNull(() => image(key, async () => {
      const r = await sampleRaster(workspace, audit, index);
      const cell = cellOf(r.height, r.width, size ?? 256);
      return encodePng(r, cell.cw, cell.ch);
    }));
  }

  if (what === 'diff') {
    const rank = intParam(q, 'rank', 0, 0, 49);
    const gainText = q.get('gain');
    const gain = gainText === null || gainText === '' ? 4 : Number(gainText);
    if (rank === undefined || !(Number.isFinite(gain) && gain > 0 && gain <= 255)) return null;
    return orNull(() => image(key, async () => {
      const r = await differenceRaster(workspace, audit, index, rank, gain);
      const cell = cellOf(r.height, r.width, size ?? 256);
      return encodePng(r, cell.cw, cell.ch);
    }));
  }

  if (what === 'export') {
    if (!(auditExportKinds as readonly string[]).includes(at)) return null;
    const rows = q.get('rows') === null ? undefined : indexList(q.get('rows'), 1000);
    const top = intParam(q, 'top', 48, 1, 1000);
    const thresholdText = q.get('threshold');
    const threshold = thresholdText === null || thresholdText === '' ? undefined : Number(thresholdText);
    if (rows === null || top === undefined) return null;
    if (threshold !== undefined && !(Number.isFinite(threshold) && threshold > 0 && threshold <= 1)) return null;
    return orNull(async () => {
      const e = await auditExport(workspace, id, at as AuditExportKind, { ...(rows ? { rows } : {}), top, ...(threshold !== undefined ? { threshold } : {}) });
      return { contentType: e.contentType, body: e.body, filename: e.filename };
    });
  }
  return null;
};

export const auditResources: Record<string, ResourceResolver> = { audit: resolveAuditResource };
