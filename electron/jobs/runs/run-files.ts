/**
 * Files a run folder holds besides run.json, in formats other tools read without the app:
 * tables as CSV and JSON, samples as .npz (numpy, the guided-diffusion evaluator), JSON side files,
 * and image figures as PNG (a sample above its nearest training image, or at several deltas).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeNpz, type NpzInput } from '../../../native-data';
import { blitRgba } from '../../workspace/image-tiles';
import type { RunContent } from '../../workspace/runs';

/** run.json content plus `details`: how the files were made (coordinates, schedules, noise streams). */
export type RichRunContent = RunContent & { details?: Record<string, unknown> };

export type TableValue = number | string | boolean | null;

/** Writes <base>.csv and <base>.json (an array of row objects); returns the file names. */
export async function writeTable(dir: string, base: string, columns: string[], rows: TableValue[][]): Promise<string[]> {
  const cell = (v: TableValue) => {
    if (v === null) return '';
    const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const csv = [columns.join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n');
  const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null])));
  await writeFile(join(dir, `${base}.csv`), `${csv}\n`);
  await writeFile(join(dir, `${base}.json`), `${JSON.stringify(objects, null, 2)}\n`);
  return [`${base}.csv`, `${base}.json`];
}

export async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  await writeFile(join(dir, name), `${JSON.stringify(value)}\n`);
  return name;
}

export async function writeText(dir: string, name: string, text: string): Promise<string> {
  await writeFile(join(dir, name), text);
  return name;
}

export async function writeArrays(dir: string, name: string, arrays: Record<string, NpzInput>): Promise<string> {
  await writeNpz(join(dir, name), arrays);
  return name;
}

/**
 * A PNG of stacked image rows: item k of every array in `stack` in one column, top to bottom
 * (a sample above its nearest training image; one sample at several deltas), `cols` columns per
 * band, a 2-pixel white gutter between cells, enlarged `scale` times (nearest neighbour).
 */
export async function stackedImagesPng(
  stack: Uint8Array[],
  count: number,
  itemShape: number[],
  cols = 16,
  scale = 3,
): Promise<Uint8Array> {
  const [h, w, c] = itemShape as [number, number, number];
  const gutter = 2;
  const bands = Math.ceil(count / cols);
  const usedCols = Math.min(cols, count);
  const width = usedCols * (w + gutter) + gutter;
  const bandHeight = stack.length * (h + gutter) + gutter + 4; // the stack, then a band gap
  const height = bands * bandHeight + gutter;
  const raw = new Uint8Array(width * height * 4).fill(255);
  for (let k = 0; k < count; k++) {
    const x0 = gutter + (k % cols) * (w + gutter);
    const y0 = gutter + Math.floor(k / cols) * bandHeight;
    stack.forEach((items, row) => blitRgba(items, k, { h, w, c }, raw, width, x0, y0 + row * (h + gutter)));
  }
  const png = await sharp(raw, { raw: { width, height, channels: 4 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .removeAlpha()
    .png()
    .toBuffer();
  return new Uint8Array(png);
}

export async function writeStackedImagesPng(dir: string, name: string, ...args: Parameters<typeof stackedImagesPng>): Promise<string> {
  await writeFile(join(dir, name), await stackedImagesPng(...args));
  return name;
}
