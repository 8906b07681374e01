/**
 * A self-contained HTML report of one audit: the stamp and every parameter, the metrics, the
 * charts as inline SVG (ECharts rendered server-side), the per-class table and a gallery whose
 * images are inline data: URIs, so the file opens offline, anywhere, with everything in it.
 */
import { savedThresholdSummary, type AuditDetail, type AuditThresholdSummary, type ClassRow } from '../../contract/audit';
import { summaryAt, type LoadedAudit } from './audit-data';
import { encodePng } from '../../workspace/image-tiles';
import { rowsRaster } from './audit-images';
import { gapHistogramOption, perClassOption, ratioHistogramOption } from './audit-charts';
import { renderSvg } from '../runs/figures';
import { selectRows, splitIdentity, stampLines, type GallerySelection } from './audit-gallery';

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** Cuts an RGBA raster into h x w cells: cell (col, row). */
function cell(raster: { data: Uint8Array; width: number }, col: number, row: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const s = ((row * h + y) * raster.width + col * w) * 4;
    out.set(raster.data.subarray(s, s + w * 4), y * w * 4);
  }
  return out;
}

function metricCards(d: AuditDetail, mem: AuditThresholdSummary): string {
  const m = d.metrics;
  const cards: [string, string, string][] = [
    ['Memorised', `${pct(mem.memorizedFraction)}`, `95% CI ${pct(mem.memorizedCI[0])} – ${pct(mem.memorizedCI[1])} · n = ${mem.count} · ${mem.memorizedCount} samples with d1/d2 < ${mem.threshold.toFixed(3)}`],
    ['Median d1', num(m.medianD1), 'L2 to the nearest training image (pixels in [0, 1])'],
    ['Median d1/d2', num(m.medianRatio), 'ratio of the two nearest distances'],
    ['C_T', m.ct?.value === null || m.ct === null ? '—' : num(m.ct.value, 2), m.ct ? (m.ct.reason ?? `k-means cells: ${m.ct.k}; ≪ 0: copying, ≫ 0: underfitting`) : (m.unavailable['ct'] ?? '')],
    ['Authenticity', m.authenticity ? pct(m.authenticity.fraction) : '—', m.authenticity ? 'share of samples farther from their NN1 than its own nearest neighbour' : (m.unavailable['authenticity'] ?? '')],
    ['Precision / recall', m.precision === null ? '—' : `${num(m.precision, 2)} / ${num(m.recall, 2)}`, m.precision === null ? (m.unavailable['precisionRecall'] ?? '') : 'Kynkäänniemi et al., k = 3'],
    ['Coverage', `${m.coverage.distinct}`, `distinct training images that are some sample's NN1 (${pct(m.coverage.fraction)} of ${m.trainCount})`],
    ['Calibrated (Carlini)', pct(m.calibrated.extractedFraction), `extracted: d1 / (α · mean of ${m.calibrated.n} nearest) < 1, α = ${m.calibrated.alpha}`],
  ];
  return cards.map(([t, v, s]) => `<div class="card"><div class="t">${esc(t)}</div><div class="v">${esc(v)}</div><div class="s">${esc(s)}</div></div>`).join('\n');
}

function classTable(rows: ClassRow[]): string {
  const body = rows.map((r) => `<tr><td>${esc(r.name ?? r.label)}</td><td>${r.count}</td><td>${r.memorized}</td><td>${r.memorizedFraction === null ? '—' : pct(r.memorizedFraction)}</td></tr>`).join('');
  return `<table class="classes"><thead><tr><th>class of NN1</th><th>samples</th><th>memorised</th><th>fraction</th></tr></thead><tbody>${body}</tbody></table>`;
}

function paramsTable(d: AuditDetail): string {
  const env = d.environment as Record<string, unknown>;
  const rows: [string, unknown][] = [
    ['audit run', d.id],
    ['created', d.created],
    ['samples', `${d.source.run ? `run ${d.source.run}` : d.source.path} (${d.source.format}, ${d.metrics.count} × ${d.source.itemShape.join('×')})`],
    ['training split', splitIdentity(d.train)],
    ['test split', d.test ? splitIdentity(d.test) : 'none'],
    ...Object.entries(d.params).map(([k, v]) => [`param ${k}`, typeof v === 'object' ? JSON.stringify(v) : v] as [string, unknown]),
    ['backend', `${String(env['backend'])} (${String(env['device'])}): ${String(env['backendReason'] ?? '')}`],
    ['versions', JSON.stringify(env['versions'])],
    ['timings (s)', Object.entries(d.timings).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')],
  ];
  return `<table class="params">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

export async function htmlReport(workspace: string, audit: LoadedAudit, sel: GallerySelection = {}): Promise<string> {
  const d = audit.detail;
  const threshold = sel.threshold ?? d.metrics.threshold;
  const rows = selectRows(audit, sel);
  const k = d.columns.k;
  const charts: string[] = [renderSvg(ratioHistogramOption(d, threshold), 560, 300)];
  const gap = gapHistogramOption(d);
  if (gap) charts.push(renderSvg(gap, 560, 300));
  const m = d.metrics;
  const mem: AuditThresholdSummary = threshold === m.threshold
    ? savedThresholdSummary(m)
    : await summaryAt(audit, threshold);
  const perClass = perClassOption(d, mem.perClass);
  if (perClass) charts.push(renderSvg(perClass, 560, 300));

  const raster = await rowsRaster(workspace, audit, rows);
  const w = raster.width / (1 + k);
  const h = raster.height / rows.length;
  const uri = async (col: number, row: number) =>
    `data:image/png;base64,${Buffer.from(await encodePng({ data: cell(raster, col, row, w, h), width: w, height: h, channels: 4 })).toString('base64')}`;
  const classes = d.train.classes;
  const galleryRows: string[] = [];
  for (const [b, r] of rows.entries()) {
    const ratio = audit.arrays.ratios[r]!;
    const memorised = ratio < threshold;
    const cells = [`<figure class="sample"><img src="${await uri(0, b)}" alt="sample ${r}" width="${w}" height="${h}"><figcaption>${esc(d.columns.names[r] ?? `sample ${r}`)}</figcaption></figure>`];
    for (let j = 0; j < k; j++) {
      const o = r * k + j;
      const label = audit.arrays.labels[o]!;
      cells.push(`<figure><img src="${await uri(1 + j, b)}" alt="training image ${audit.arrays.indices[o]}" width="${w}" height="${h}"><figcaption>d = ${audit.arrays.distances[o]!.toFixed(3)}<br>#${audit.arrays.indices[o]}${label >= 0 ? ` · ${esc(classes?.[label] ?? label)}` : ''}</figcaption></figure>`);
    }
    galleryRows.push(`<div class="grow ${memorised ? 'mem' : 'novel'}"><div class="lab"><b>#${r}</b><br>d1/d2 = ${ratio.toFixed(3)}<br><span>${memorised ? 'memorised' : 'novel'}</span></div>${cells.join('')}</div>`);
  }
  const notes = [...m.notes, ...Object.entries(m.unavailable).map(([k2, v]) => `${k2}: ${v}`), ...d.source.notes];
  const gallerySubtitle = sel.rows && sel.rows.length ? `${rows.length} chosen samples` : `the ${rows.length} samples with the lowest d1/d2`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ScoreScope audit ${esc(d.id)}</title>
<meta name="generator" content="${esc(stampLines(audit)[0])}">
<style>
body { font-family: Inter, 'Segoe UI', system-ui, -apple-system, sans-serif; color: #1d2330; background: #f6f7f9; margin: 0; padding: 24px 32px; font-size: 14px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 10px; }
.stamp { color: #667085; font-size: 12px; line-height: 1.5; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e3e6eb; border-radius: 8px; padding: 12px 14px; }
.card .t { font-size: 12px; color: #667085; } .card .v { font-size: 22px; font-weight: 700; margin: 4px 0; } .card .s { font-size: 11.5px; color: #667085; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } .charts > div { background: #fff; border: 1px solid #e3e6eb; border-radius: 8px; padding: 6px; }
table { border-collapse: collapse; background: #fff; border: 1px solid #e3e6eb; font-size: 12.5px; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
table.params th { color: #667085; font-weight: 500; white-space: nowrap; } table.params td { font-family: ui-monospace, Menlo, monospace; word-break: break-all; }
.gallery { display: flex; flex-direction: column; gap: 6px; }
.grow { display: flex; align-items: flex-start; gap: 10px; background: #fff; border: 1px solid #e3e6eb; border-left: 4px solid #3b63d9; border-radius: 6px; padding: 8px; }
.grow.mem { border-left-color: #c4322b; } .grow.mem .lab span { color: #c4322b; font-weight: 700; } .grow.novel .lab span { color: #3b63d9; }
.lab { width: 110px; font-size: 12px; line-height: 1.5; flex: none; }
figure { margin: 0; width: 84px; } figure.sample { margin-right: 10px; }
figure img { width: 80px; height: 80px; image-rendering: pixelated; display: block; border-radius: 3px; }
figcaption { font-size: 10.5px; color: #667085; margin-top: 3px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.notes { color: #667085; font-size: 12.5px; }
</style>
</head>
<body>
<h1>Memorisation audit</h1>
<div class="stamp">${stampLines(audit).map(esc).join('<br>')}${threshold !== m.threshold ? `<br><b>shown at threshold ${threshold.toFixed(4)}</b> (the audit ran at ${m.threshold.toFixed(4)}; no new search: the stored d1/d2 are re-counted)` : ''}</div>
<h2>Metrics</h2>
<div class="cards">
${metricCards(d, mem)}
</div>
<h2>Charts</h2>
<div class="charts">${charts.map((c) => `<div>${c}</div>`).join('\n')}</div>
${mem.perClass ? `<h2>Per class</h2>${classTable(mem.perClass)}` : ''}
<h2>Gallery: ${esc(gallerySubtitle)}</h2>
<p class="notes">Each row: the generated sample, then its ${k} nearest training images (L2 on pixels in [0, 1]); red rows are memorised (d1/d2 &lt; ${threshold.toFixed(3)}).</p>
<div class="gallery">
${galleryRows.join('\n')}
</div>
${notes.length ? `<h2>Notes</h2><ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<h2>Parameters</h2>
${paramsTable(d)}
</body>
</html>
`;
}
