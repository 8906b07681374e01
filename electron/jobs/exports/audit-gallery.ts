/**
 * The gallery as one PNG: a header with the stamp (dataset hash, parameters, seed, backend, app
 * version), then one band per chosen sample: its index and d1/d2 (memorised rows framed in red),
 * the sample, and its nearest training images with distance and class under each. Images are
 * enlarged with nearest-neighbour sampling; text is an SVG layer composited by sharp.
 */
import sharp from 'sharp';
import type { LoadedAudit } from './audit-data';
import type { AuditSplitInfo } from '../../contract/audit';
import { rowsRaster } from './audit-images';

export interface GallerySelection {
  /** Chosen sample indices (shown in this order); else the `top` lowest d1/d2. */
  rows?: readonly number[];
  top?: number;
  /** Memorised iff d1/d2 < threshold (default the audit's). */
  threshold?: number;
}

/** The rows a gallery export shows. */
export function selectRows(audit: LoadedAudit, sel: GallerySelection): number[] {
  const m = audit.detail.metrics.count;
  if (sel.rows && sel.rows.length > 0) {
    for (const r of sel.rows) if (!Number.isInteger(r) || r < 0 || r >= m) throw new Error(`rows: no sample ${r} (the audit has ${m}: 0..${m - 1})`);
    return [...sel.rows];
  }
  const ratios = audit.arrays.ratios;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => ratios[a]! - ratios[b]! || a - b);
  return order.slice(0, Math.max(1, sel.top ?? 48));
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** "<ref> (<count> images) split sha256 <hash> · source archive sha256 <hash>": which hash is which. */
export function splitIdentity(s: AuditSplitInfo): string {
  const own = s.splitSha256 ? `split sha256 ${s.splitSha256}` : 'split sha256 not recorded';
  return `${s.ref} (${s.count} images) ${own} · source archive sha256 ${s.sourceSha256}`;
}

/** One-line stamp: what produced these numbers. */
export function stampLines(audit: LoadedAudit): string[] {
  const d = audit.detail;
  const p = d.params as Record<string, unknown>;
  const env = d.environment as Record<string, unknown>;
  const versions = (env['versions'] ?? {}) as Record<string, unknown>;
  return [
    `ScoreScope ${String(versions['app'] ?? '')} · audit ${d.id} · ${d.created}`,
    `training ${splitIdentity(d.train)}`,
    ...(d.test ? [`test ${splitIdentity(d.test)}`] : []),
    `samples ${d.source.run ? `run ${d.source.run}` : d.source.path} (${d.metrics.count}) · k=${String(p['k'])} · threshold ${Number(p['threshold']).toFixed(4)} · seed ${String(p['seed'])}`,
    `backend ${String(env['backend'])} (${String(env['device'])}) · distances: L2 on pixels in [0, 1]`,
  ];
}

export async function galleryPng(workspace: string, audit: LoadedAudit, sel: GallerySelection = {}): Promise<Uint8Array> {
  const rows = selectRows(audit, sel);
  const threshold = sel.threshold ?? audit.detail.metrics.threshold;
  const k = audit.detail.columns.k;
  const raster = await rowsRaster(workspace, audit, rows);
  const itemW = raster.width / (1 + k);
  const itemH = raster.height / rows.length;
  const scale = Math.max(1, Math.round(72 / Math.max(itemW, itemH)));
  const cw = itemW * scale;
  const ch = itemH * scale;
  const labelW = 128;
  const gap = 16;
  const captionH = 30;
  const bandH = ch + captionH + 12;
  const stamp = stampLines(audit);
  const headerH = 22 + 16 * stamp.length;
  const width = Math.max(labelW + (1 + k) * (cw + gap) + 2 * gap + 12, 940);
  const height = headerH + rows.length * bandH + gap;
  const out = new Uint8Array(width * height * 4).fill(255);
  const classes = audit.detail.train.classes;
  const texts: string[] = [];
  const line = (x: number, y: number, text: string, size: number, fill = '#1d2330', weight = 'normal') =>
    texts.push(`<text x="${x}" y="${y}" font-size="${size}" font-weight="${weight}" fill="${fill}">${esc(text)}</text>`);
  stamp.forEach((t, i) => line(10, 18 + i * 16, t, i === 0 ? 13 : 10.5, i === 0 ? '#1d2330' : '#667085', i === 0 ? 'bold' : 'normal'));

  const put = (srcX: number, srcY: number, x0: number, y0: number) => {
    for (let y = 0; y < ch; y++) {
      const sy = srcY + Math.floor(y / scale);
      for (let x = 0; x < cw; x++) {
        const s = (sy * raster.width + srcX + Math.floor(x / scale)) * 4;
        const d = ((y0 + y) * width + x0 + x) * 4;
        out[d] = raster.data[s]!;
        out[d + 1] = raster.data[s + 1]!;
        out[d + 2] = raster.data[s + 2]!;
        out[d + 3] = 255;
      }
    }
  };
  const frame = (x0: number, y0: number, w: number, h: number, rgb: [number, number, number], t = 3) => {
    for (let y = y0 - t; y < y0 + h + t; y++) {
      for (let x = x0 - t; x < x0 + w + t; x++) {
        if (x >= x0 && x < x0 + w && y >= y0 && y < y0 + h) continue;
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const d = (y * width + x) * 4;
        out[d] = rgb[0];
        out[d + 1] = rgb[1];
        out[d + 2] = rgb[2];
      }
    }
  };

  rows.forEach((r, b) => {
    const y0 = headerH + b * bandH;
    const ratio = audit.arrays.ratios[r]!;
    const memorised = ratio < threshold;
    line(10, y0 + 18, `#${r}`, 14, '#1d2330', 'bold');
    line(10, y0 + 36, `d1/d2 = ${ratio.toFixed(3)}`, 11);
    line(10, y0 + 52, memorised ? 'memorised' : 'novel', 11, memorised ? '#c4322b' : '#3b63d9', 'bold');
    const sx = labelW;
    put(0, b * itemH, sx, y0);
    frame(sx, y0, cw, ch, memorised ? [196, 50, 43] : [59, 99, 217], memorised ? 3 : 1);
    line(sx, y0 + ch + 14, 'sample', 10, '#667085');
    for (let j = 0; j < k; j++) {
      const x0 = labelW + (1 + j) * (cw + gap) + gap;
      put((1 + j) * itemW, b * itemH, x0, y0);
      const o = r * k + j;
      const label = audit.arrays.labels[o]!;
      line(x0, y0 + ch + 13, `d = ${audit.arrays.distances[o]!.toFixed(3)}`, 10);
      line(x0, y0 + ch + 26, `#${audit.arrays.indices[o]}${label >= 0 ? ` · ${classes?.[label] ?? `class ${label}`}` : ''}`, 10, '#667085');
    }
  });

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">${texts.join('')}</svg>`;
  const png = await sharp(out, { raw: { width, height, channels: 4 } })
    .composite([{ input: Buffer.from(svg), left: 0, top: 0 }])
    .png({ compressionLevel: 6 })
    .toBuffer();
  return new Uint8Array(png);
}
