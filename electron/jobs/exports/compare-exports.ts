/**
 * Exports of a comparison, as the audit's: a self-contained HTML page (tables, the overlaid charts
 * as SVG, the paired gallery as an inline PNG), the paired gallery PNG, and a CSV of what differs
 * and the figures. Served as downloads (res/compare/<id,id,...>/export/<kind>) and written into a
 * folder by `scorescope runs compare --out`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunComparison } from '../../contract/runs';
import { readNpz } from '../../../native-data';
import { runDirectory } from '../../workspace/runs';
import { blitRgba, encodePng } from '../../workspace/image-tiles';
import { figureColours, lineFigureSvg } from '../runs/figures';
import { compareRuns } from '../compare/run-comparison';
import type { ExportedFile } from './audit-exports';

export type CompareExportKind = 'html' | 'png' | 'csv';

/** Rows of the exported paired gallery (the view pages through all of them). */
const GALLERY_ROWS = 16;
const GAP = 4;
const lineColours = [figureColours.samples, figureColours.muted, '#d9822b', '#0f9960', '#8f398f', '#2b95d6', '#c23030', '#634dbf'];

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function comparisonCsv(c: RunComparison): string {
  const header = ['section', 'name', ...c.runs.map((r) => r.id)];
  const lines = [
    header,
    ['run', 'title', ...c.runs.map((r) => r.name ?? r.title)],
    ...c.parameters.map((p) => ['parameter', p.name, ...p.values]),
    ...c.metrics.map((m) => ['metric', m.name, ...m.values]),
  ];
  return `${lines.map((l) => l.map(csvCell).join(',')).join('\n')}\n`;
}

/** Paired gallery: row i holds sample i of each run, then (where stored) its nearest training image. */
export async function pairedGalleryPng(workspace: string, c: RunComparison, rows = GALLERY_ROWS): Promise<Uint8Array | null> {
  if (!c.paired) return null;
  const [h, w, ch] = c.paired.itemShape as [number, number, number];
  const shown = Math.min(rows, c.paired.count);
  const columns: { items: Uint8Array }[] = [];
  for (const r of c.runs) {
    const dir = runDirectory(workspace, r.id);
    const samples = (await readNpz(join(dir, 'samples.npz')))['arr_0'];
    if (samples?.data instanceof Uint8Array) columns.push({ items: samples.data });
    if (c.paired.withNearest.includes(r.id)) {
      const nearest = (await readNpz(join(dir, 'nearest.npz')))['arr_0'];
      if (nearest?.data instanceof Uint8Array) columns.push({ items: nearest.data });
    }
  }
  const width = columns.length * w + (columns.length - 1) * GAP;
  const height = shown * h + (shown - 1) * GAP;
  const data = new Uint8Array(width * height * 4).fill(255);
  for (let i = 0; i < shown; i++) {
    columns.forEach((col, j) => blitRgba(col.items, i, { h, w, c: ch }, data, width, j * (w + GAP), i * (h + GAP)));
  }
  const scale = Math.max(1, Math.floor(96 / h));
  return encodePng({ data, width, height, channels: 4 }, width * scale, height * scale);
}

const escape = (s: string) => s.replace(/[&<>"]/g, (x) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[x]!);
const show = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'number' ? String(Number(v.toPrecision(4))) : typeof v === 'string' ? v : JSON.stringify(v));

export async function comparisonHtml(workspace: string, c: RunComparison): Promise<string> {
  const head = `<tr><th></th>${c.runs.map((r) => `<th>${escape(r.name ?? r.title)}<br><small>${r.id}</small></th>`).join('')}</tr>`;
  const table = (rows: { name: string; values: unknown[] }[]) =>
    `<table>${head}${rows.map((p) => `<tr><td>${escape(p.name)}</td>${p.values.map((v) => `<td>${escape(show(v))}</td>`).join('')}</tr>`).join('')}</table>`;
  const charts = c.charts.map((chart) => lineFigureSvg({
    title: chart.title, xLabel: chart.xLabel, yLabel: chart.yLabel, xLog: chart.xLog, yLog: chart.yLog,
    series: chart.lines.map((l, i) => ({ name: l.label, points: l.points, colour: lineColours[i % lineColours.length]!, style: 'line' as const })),
  }));
  const gallery = await pairedGalleryPng(workspace, c);
  return `<!doctype html><html><head><meta charset="utf-8"><title>ScoreScope comparison</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1c2127}table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #d3d8de;padding:4px 8px;text-align:left;vertical-align:top}th small{color:#5f6b7c;font-weight:400}</style>
</head><body><h1>Comparison of ${c.runs.length} runs</h1>
<h2>Parameters that differ</h2><p>${c.sharedParameters} parameters are the same in every run.</p>${table(c.parameters)}
<h2>Figures</h2>${table(c.metrics)}
${charts.map((svg) => `<div>${svg}</div>`).join('\n')}
<h2>Paired gallery</h2>${gallery ? `<p>Sample i of each run (same initial noise), each followed by its nearest training image where stored.</p><img alt="paired gallery" src="data:image/png;base64,${Buffer.from(gallery).toString('base64')}">` : `<p>${escape(c.pairedWhy ?? '')}</p>`}
<p><small>ScoreScope · written ${new Date().toISOString()}</small></p></body></html>\n`;
}

const names: Record<CompareExportKind, [string, string]> = {
  html: ['comparison.html', 'text/html; charset=utf-8'],
  png: ['paired-gallery.png', 'image/png'],
  csv: ['comparison.csv', 'text/csv; charset=utf-8'],
};

/** One export of a comparison; null when there is nothing to draw (PNG without a paired gallery). */
async function exportOf(workspace: string, c: RunComparison, kind: CompareExportKind): Promise<ExportedFile | null> {
  const [filename, contentType] = names[kind];
  const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
  const body = kind === 'csv' ? utf8(comparisonCsv(c)) : kind === 'html' ? utf8(await comparisonHtml(workspace, c)) : await pairedGalleryPng(workspace, c);
  return body ? { filename, contentType, body } : null;
}

/** One export of the comparison of `ids` (a download: hosts/resources/compare.ts). */
export async function compareExport(workspace: string, ids: readonly string[], kind: CompareExportKind): Promise<ExportedFile | null> {
  return exportOf(workspace, await compareRuns(workspace, ids), kind);
}

/** Writes the exports into `out` (created); answers what was written. */
export async function writeCompareExports(workspace: string, ids: readonly string[], out: string, kinds: readonly CompareExportKind[]): Promise<{ kind: CompareExportKind; path: string; name: string; bytes: number }[]> {
  const dir = resolve(out);
  await mkdir(dir, { recursive: true });
  const written = [];
  const c = await compareRuns(workspace, ids); // once for every kind: it reads each run's arrays
  for (const kind of kinds) {
    const file = await exportOf(workspace, c, kind);
    if (!file) continue;
    const path = join(dir, file.filename);
    await writeFile(path, file.body);
    written.push({ kind, path, name: file.filename, bytes: file.body.byteLength });
  }
  return written;
}
