/** Query parameters of image resources (res/<segment>/...?count=&cols=&scale=&size=). */
import { cellOf, scaledCell } from '../../workspace/image-tiles';

/** An integer in [min, max]; `fallback` when absent or empty; undefined when anything else (404). */
export function intParam<F extends number | null>(q: URLSearchParams, key: string, fallback: F, min: number, max: number): number | F | undefined {
  const raw = q.get(key);
  if (raw === null || raw === '') return fallback;
  const v = Number(raw);
  return Number.isInteger(v) && v >= min && v <= max ? v : undefined;
}

/** Output cell size for an item of h x w: `size` (larger side, 1..4096) wins over `scale` (0..32]; null when invalid. */
export function cellSize(q: URLSearchParams, h: number, w: number, defaultScale: number): { ch: number; cw: number } | null {
  const size = q.get('size');
  if (size !== null) {
    const s = Number(size);
    if (!Number.isInteger(s) || s < 1 || s > 4096) return null;
    return cellOf(h, w, s);
  }
  const raw = q.get('scale');
  const f = raw === null || raw === '' ? defaultScale : Number(raw);
  if (!Number.isFinite(f) || f <= 0 || f > 32) return null;
  return scaledCell(h, w, f);
}
