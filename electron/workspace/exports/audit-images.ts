/**
 * Images of an audit as PNG: rows of the gallery (a sample, then its k nearest training images),
 * single samples, and the difference |sample - neighbour| amplified. Training images are read
 * with positional reads from the dataset's .npy (no full load).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { readNpyHeader } from '../../../native-data';
import { datasetsDir, parseDatasetRef, showDataset } from '../datasets';
import { auditSamples, type LoadedAudit } from './audit-data';

export interface RawImage {
  /** RGB or RGBA pixels, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** Items of a dataset split at arbitrary indices (one read per run of consecutive indices). */
export async function readTrainingItems(workspace: string, ref: string, indices: ArrayLike<number>): Promise<{ data: Uint8Array; itemShape: number[] }> {
  const { name, split } = parseDatasetRef(ref);
  const m = await showDataset(workspace, name);
  const s = m.splits[split];
  if (!s || s.dtype !== 'uint8' || s.shape.length !== 3) throw new Error(`dataset ${name}:${split} holds no uint8 images`);
  const file = join(datasetsDir(workspace), name, s.file);
  const header = await readNpyHeader(file);
  const itemBytes = s.shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(indices.length * itemBytes);
  const fh = await open(file, 'r');
  try {
    for (let k = 0; k < indices.length; ) {
      const first = indices[k]!;
      if (!Number.isInteger(first) || first < 0 || first >= s.count) throw new Error(`dataset ${name}:${split} has no item ${first}`);
      let run = 1;
      while (k + run < indices.length && indices[k + run] === first + run) run++;
      await fh.read(out, k * itemBytes, run * itemBytes, header.dataOffset + first * itemBytes);
      k += run;
    }
  } finally {
    await fh.close();
  }
  return { data: out, itemShape: s.shape };
}

/** Copies item `k` of HWC `items` (c channels) into RGBA `out` (width outW) at (x0, y0). */
function blit(items: Uint8Array, k: number, h: number, w: number, c: number, out: Uint8Array, outW: number, x0: number, y0: number): void {
  const base = k * h * w * c;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = base + (y * w + x) * c;
      const d = ((y0 + y) * outW + x0 + x) * 4;
      out[d] = items[s]!;
      out[d + 1] = items[s + (c > 1 ? 1 : 0)]!;
      out[d + 2] = items[s + (c > 2 ? 2 : 0)]!;
      out[d + 3] = c === 4 ? items[s + 3]! : 255;
    }
  }
}

/** PNG of an RGBA raster, scaled to outW x outH (nearest neighbour when enlarging). */
export async function encodePng(raw: RawImage, outW = raw.width, outH = raw.height): Promise<Uint8Array> {
  let img = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  if (outW !== raw.width || outH !== raw.height) img = img.resize(outW, outH, { fit: 'fill', kernel: outW > raw.width ? 'nearest' : 'lanczos3' });
  return new Uint8Array(await img.png({ compressionLevel: 6 }).toBuffer());
}

/** Output cell of an h x w item whose larger side becomes `size` (null: native). */
export function cellOf(h: number, w: number, size: number | null): { ch: number; cw: number } {
  if (size === null) return { ch: h, cw: w };
  const f = size / Math.max(h, w);
  return { ch: Math.max(1, Math.round(h * f)), cw: Math.max(1, Math.round(w * f)) };
}

/**
 * Gallery rows: for each chosen sample, the sample in column 0 and its nearest training images
 * in columns 1..k (cell (c, r) at c * cw, r * ch; no gutters, so a view can slice it).
 */
export async function rowsRaster(workspace: string, audit: LoadedAudit, rows: readonly number[], neighbours?: number): Promise<RawImage> {
  const samples = await auditSamples(workspace, audit.detail.id);
  const [m, h, w, c] = samples.shape as [number, number, number, number];
  const k = Math.min(audit.detail.columns.k, neighbours ?? audit.detail.columns.k);
  for (const r of rows) if (!Number.isInteger(r) || r < 0 || r >= m) throw new Error(`no sample ${r} (the audit has ${m})`);
  const wanted: number[] = [];
  for (const r of rows) for (let j = 0; j < k; j++) wanted.push(audit.arrays.indices[r * audit.detail.columns.k + j]!);
  // read each distinct training image once, in ascending order (runs of consecutive reads)
  const distinct = [...new Set(wanted)].sort((a, b) => a - b);
  const train = await readTrainingItems(workspace, audit.detail.train.ref, distinct);
  const at = new Map(distinct.map((v, i) => [v, i]));
  const width = (1 + k) * w;
  const height = rows.length * h;
  const out = new Uint8Array(width * height * 4);
  rows.forEach((r, row) => {
    blit(samples.data as Uint8Array, r, h, w, c, out, width, 0, row * h);
    for (let j = 0; j < k; j++) blit(train.data, at.get(wanted[row * k + j]!)!, h, w, c, out, width, (1 + j) * w, row * h);
  });
  return { data: out, width, height, channels: 4 };
}

/** One audited sample as an RGBA raster. */
export async function sampleRaster(workspace: string, audit: LoadedAudit, i: number): Promise<RawImage> {
  const samples = await auditSamples(workspace, audit.detail.id);
  const [m, h, w, c] = samples.shape as [number, number, number, number];
  if (!Number.isInteger(i) || i < 0 || i >= m) throw new Error(`no sample ${i} (the audit has ${m})`);
  const out = new Uint8Array(h * w * 4);
  blit(samples.data as Uint8Array, i, h, w, c, out, w, 0, 0);
  return { data: out, width: w, height: h, channels: 4 };
}

/** min(255, gain * |sample - neighbour|) per channel: where a near-copy differs from its source. */
export async function differenceRaster(workspace: string, audit: LoadedAudit, i: number, rank: number, gain: number): Promise<RawImage> {
  const samples = await auditSamples(workspace, audit.detail.id);
  const [m, h, w, c] = samples.shape as [number, number, number, number];
  const k = audit.detail.columns.k;
  if (!Number.isInteger(i) || i < 0 || i >= m) throw new Error(`no sample ${i} (the audit has ${m})`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= k) throw new Error(`neighbour rank must be 0..${k - 1}, got ${rank}`);
  const j = audit.arrays.indices[i * k + rank]!;
  const train = await readTrainingItems(workspace, audit.detail.train.ref, [j]);
  const a = (samples.data as Uint8Array).subarray(i * h * w * c, (i + 1) * h * w * c);
  const out = new Uint8Array(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const s = p * c + Math.min(ch, c - 1);
      out[p * 4 + ch] = Math.min(255, Math.round(gain * Math.abs(a[s]! - train.data[s]!)));
    }
    out[p * 4 + 3] = 255;
  }
  return { data: out, width: w, height: h, channels: 4 };
}
