/**
 * Files a run folder holds besides run.json, in formats other tools read without the app:
 * tables as CSV and JSON, samples as .npz (numpy, the guided-diffusion evaluator), JSON side files,
 * and image figures as PNG (pairs of sample / nearest training image).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeNpz, type NpzInput } from '../../../native-data';
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
 * A PNG of image pairs: for pair k, the sample above its nearest training image, `cols` pairs
 * per band, a 2-pixel white gutter between cells, enlarged `scale` times (nearest neighbour).
 */
export async function pairsPng(
  samples: Uint8Array,
  nearest: Uint8Array,
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
  const bandHeight = 2 * h + 3 * gutter + 4; // sample, gutter, nearest, then a band gap
  const height = bands * bandHeight + gutter;
  const raw = new Uint8Array(width * height * 3).fill(255);
  const item = h * w * c;
  const put = (src: Uint8Array, k: number, x0: number, y0: number) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = k * item + (y * w + x) * c;
        const d = ((y0 + y) * width + x0 + x) * 3;
        for (let ch = 0; ch < 3; ch++) raw[d + ch] = src[s + (c === 1 ? 0 : Math.min(ch, c - 1))]!;
      }
    }
  };
  for (let k = 0; k < count; k++) {
    const x0 = gutter + (k % cols) * (w + gutter);
    const y0 = gutter + Math.floor(k / cols) * bandHeight;
    put(samples, k, x0, y0);
    put(nearest, k, x0, y0 + h + gutter);
  }
  const png = await sharp(raw, { raw: { width, height, channels: 3 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return new Uint8Array(png);
}

export async function writePairsPng(dir: string, name: string, ...args: Parameters<typeof pairsPng>): Promise<string> {
  await writeFile(join(dir, name), await pairsPng(...args));
  return name;
}
