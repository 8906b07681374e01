/**
 * Images of an audit as PNG: rows of the gallery (a sample, then its k nearest training images),
 * single samples, and the difference |sample - neighbour| amplified. Training images are read
 * with positional reads from the dataset's .npy (no full load).
 */
import { join } from 'node:path';
import { readNpyItemsAt } from '../../../native-data';
import { datasetsDir, parseDatasetRef, showDataset } from '../../workspace/datasets';
import { blitRgba, type RawImage } from '../../workspace/image-tiles';
import { auditSamples, type LoadedAudit } from './audit-data';

/** Items of a dataset split at arbitrary indices (one read per run of consecutive indices). */
export async function readTrainingItems(workspace: string, ref: string, indices: ArrayLike<number>): Promise<{ data: Uint8Array; itemShape: number[] }> {
  const { name, split } = parseDatasetRef(ref);
  const m = await showDataset(workspace, name);
  const s = m.splits[split];
  if (!s || s.dtype !== 'uint8' || s.shape.length !== 3) throw new Error(`dataset ${name}:${split} holds no uint8 images`);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= s.count) throw new Error(`dataset ${name}:${split} has no item ${i}`);
  }
  const items = await readNpyItemsAt(join(datasetsDir(workspace), name, s.file), indices);
  return { data: items.data as Uint8Array, itemShape: s.shape };
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
  const shape = { h, w, c };
  rows.forEach((r, row) => {
    blitRgba(samples.data as Uint8Array, r, shape, out, width, 0, row * h);
    for (let j = 0; j < k; j++) blitRgba(train.data, at.get(wanted[row * k + j]!)!, shape, out, width, (1 + j) * w, row * h);
  });
  return { data: out, width, height, channels: 4 };
}

/** One audited sample as an RGBA raster. */
export async function sampleRaster(workspace: string, audit: LoadedAudit, i: number): Promise<RawImage> {
  const samples = await auditSamples(workspace, audit.detail.id);
  const [m, h, w, c] = samples.shape as [number, number, number, number];
  if (!Number.isInteger(i) || i < 0 || i >= m) throw new Error(`no sample ${i} (the audit has ${m})`);
  const out = new Uint8Array(h * w * 4);
  blitRgba(samples.data as Uint8Array, i, { h, w, c }, out, w, 0, 0);
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
