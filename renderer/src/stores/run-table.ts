/**
 * The Runs table's filtering and sorting, as plain functions over rows (unit-tested in node):
 * free text over name, title, id, dataset, score, sampler, backend and tags; a category and a
 * status; any column sorted up or down with missing values last.
 */
import type { RunCategory, RunRow, RunStatus } from '../../../electron/contract';

export type SortKey = 'created' | 'category' | 'name' | 'dataset' | 'trainingItems' | 'score' | 'sampler' | 'delta' | 'steps' | 'n'
  | 'backend' | 'seconds' | 'memorizedFraction' | 'medianNearestDistance' | 'status';

export interface RunFilter {
  text: string;
  category: RunCategory | 'all';
  status: RunStatus | 'all';
}

export interface RunSort {
  key: SortKey;
  descending: boolean;
}

/** The text a row is searched by (lower case). */
function haystack(r: RunRow): string {
  return [r.id, r.name, r.title, r.kind, r.dataset, r.score, r.sampler, r.backend, r.kernels, ...r.tags].filter(Boolean).join(' ').toLowerCase();
}

export function filterRows(rows: readonly RunRow[], f: RunFilter): RunRow[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => (f.category === 'all' || r.category === f.category)
    && (f.status === 'all' || r.status === f.status)
    && (words.length === 0 || words.every((w) => haystack(r).includes(w))));
}

function sortValue(r: RunRow, key: SortKey): string | number | null {
  if (key === 'created') return r.id; // ids start with the time stamp
  if (key === 'name') return (r.name ?? r.title).toLowerCase();
  return r[key];
}

/** A copy sorted by `key`; rows without a value go last in either direction; ties keep newest first. */
export function sortRows(rows: readonly RunRow[], s: RunSort): RunRow[] {
  const sign = s.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, s.key);
    const y = sortValue(b, s.key);
    if (x === null || y === null) return x === y ? b.id.localeCompare(a.id) : x === null ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : b.id.localeCompare(a.id);
  });
}

const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);

/** "12.5% [8.1–18.0]" with an interval (percent), "12.5%" without, "–" when the run has none. */
export function memorizedText(r: RunRow): string {
  const ci = r.memorizedCI;
  return ci && r.memorizedFraction !== null ? `${pct(r.memorizedFraction)} [${(100 * ci[0]).toFixed(1)}–${(100 * ci[1]).toFixed(1)}]` : pct(r.memorizedFraction);
}

export function numberText(v: number | null, digits = 3): string {
  return v === null ? '–' : Number(v.toPrecision(digits)).toString();
}

export function secondsText(v: number | null): string {
  if (v === null) return '–';
  if (v < 60) return `${v.toFixed(v < 10 ? 1 : 0)} s`;
  if (v < 3600) return `${Math.floor(v / 60)} min ${Math.round(v % 60)} s`;
  return `${Math.floor(v / 3600)} h ${Math.round((v % 3600) / 60)} min`;
}

/** Rows [first, last) of a fixed-height list that a viewport shows, with `overscan` rows each side. */
export function visibleRange(count: number, rowHeight: number, scrollTop: number, viewport: number, overscan = 8): { first: number; last: number } {
  // a scroll position past the end (the list just got shorter) shows its last rows, not nothing
  scrollTop = Math.min(scrollTop, Math.max(0, count * rowHeight - viewport));
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}
