/**
 * Images of uint8 NHWC arrays as PNG: one item, sprite sheets (items laid out in a grid), gallery
 * rows. Shared by the resources every host serves (datasets, runs, audits) and the audit exports,
 * so a sheet looks the same wherever it is drawn.
 */
import sharp from 'sharp';

/** Pixels of one image, row-major, channels interleaved. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** Item size of a uint8 NHWC array: item k holds h * w * c bytes from byte k * h * w * c. */
export interface ItemShape {
  h: number;
  w: number;
  c: number;
}

/** Grid of a sprite sheet: `count` items from item `first`, `cols` per row, over `slots` cells. */
export interface SheetLayout {
  first?: number;
  count: number;
  slots: number;
  cols: number;
}

/**
 * Copies item `k` of `items` into the RGBA raster `out` (width outW) at (x0, y0): grey spread over
 * RGB, opaque unless the item has its own alpha.
 */
export function blitRgba(items: Uint8Array, k: number, { h, w, c }: ItemShape, out: Uint8Array, outW: number, x0: number, y0: number): void {
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

/**
 * A sprite sheet: cell k (column k % cols, row floor(k / cols)) holds item first + k for k < count;
 * the other cells up to `slots` are transparent, so the sheet's size depends only on the layout.
 * 'rgba' always gives RGBA; 'native' keeps the items' channels and adds alpha only when some cell
 * is empty (smaller PNGs for full sheets).
 */
export function tileItems(items: Uint8Array, shape: ItemShape, layout: SheetLayout, format: 'rgba' | 'native'): RawImage {
  const { h, w, c } = shape;
  const { first = 0, count, slots, cols } = layout;
  const width = cols * w;
  const height = Math.ceil(slots / cols) * h;
  const cell = (k: number) => [(k % cols) * w, Math.floor(k / cols) * h] as const;
  if (format === 'rgba') {
    const data = new Uint8Array(width * height * 4);
    for (let k = 0; k < count; k++) blitRgba(items, first + k, shape, data, width, ...cell(k));
    return { data, width, height, channels: 4 };
  }
  const addAlpha = count < slots && (c === 1 || c === 3);
  const oc = addAlpha ? c + 1 : c;
  const data = new Uint8Array(width * height * oc);
  for (let k = 0; k < count; k++) {
    const [x0, y0] = cell(k);
    for (let y = 0; y < h; y++) {
      const src = ((first + k) * h + y) * w * c;
      const dst = ((y0 + y) * width + x0) * oc;
      if (!addAlpha) {
        data.set(items.subarray(src, src + w * c), dst);
      } else {
        for (let x = 0; x < w; x++) {
          for (let ch = 0; ch < c; ch++) data[dst + x * oc + ch] = items[src + x * c + ch]!;
          data[dst + x * oc + c] = 255;
        }
      }
    }
  }
  return { data, width, height, channels: oc as RawImage['channels'] };
}

/** PNG of a raster, scaled to outW x outH (nearest neighbour when enlarging, lanczos3 when shrinking). */
export async function encodePng(raw: RawImage, outW = raw.width, outH = raw.height): Promise<Uint8Array> {
  let img = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  if (outW !== raw.width || outH !== raw.height) img = img.resize(outW, outH, { fit: 'fill', kernel: outW > raw.width ? 'nearest' : 'lanczos3' });
  return new Uint8Array(await img.png({ compressionLevel: 6 }).toBuffer());
}

/** Output cell of an h x w item scaled by f (at least one pixel a side). */
export function scaledCell(h: number, w: number, f: number): { ch: number; cw: number } {
  return { ch: Math.max(1, Math.round(h * f)), cw: Math.max(1, Math.round(w * f)) };
}

/** Output cell of an h x w item whose larger side becomes `size` (null: native). */
export function cellOf(h: number, w: number, size: number | null): { ch: number; cw: number } {
  return size === null ? { ch: h, cw: w } : scaledCell(h, w, size / Math.max(h, w));
}
