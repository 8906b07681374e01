/**
 * How a numeric array becomes a dataset: image layout detection (NHWC / NCHW / NHW), value-range
 * detection for float pixels, and the conversions to uint8 NHWC images or float32 vectors.
 */
import { DataError } from './errors';
import type { NpyData, NpyDtype } from './npy';

export type ArrayLayoutName = 'NHWC' | 'NCHW' | 'NHW' | 'ND' | 'N';

export interface ArrayLayout {
  readonly kind: 'images' | 'vectors';
  readonly layout: ArrayLayoutName;
  readonly count: number;
  /** Channels in the source (1, 3 or 4); 0 for vectors. */
  readonly sourceChannels: number;
  /** Per-item shape as stored: [H, W, C] (alpha dropped) or [D]. */
  readonly itemShape: number[];
}

/**
 * Rank 4 with 1/3/4 last → NHWC; with 1/3/4 second (and not last) → NCHW; rank 3 → grayscale
 * NHW; rank 2 → vectors [N, D]; rank 1 → vectors [N, 1]. When both axes could be channels,
 * NHWC wins.
 */
export function interpretShape(shape: readonly number[], file: string): ArrayLayout {
  const isC = (c: number | undefined) => c === 1 || c === 3 || c === 4;
  const [n = 0, a = 0, b = 0, c = 0] = shape;
  if (shape.length === 4) {
    if (isC(c)) return { kind: 'images', layout: 'NHWC', count: n, sourceChannels: c, itemShape: [a, b, c === 4 ? 3 : c] };
    if (isC(a)) return { kind: 'images', layout: 'NCHW', count: n, sourceChannels: a, itemShape: [b, c, a === 4 ? 3 : a] };
    throw new DataError(file, `a 4-D array (${shape.join(', ')}) must have 1, 3 or 4 channels as its last (NHWC) or second (NCHW) axis`);
  }
  if (shape.length === 3) return { kind: 'images', layout: 'NHW', count: n, sourceChannels: 1, itemShape: [a, b, 1] };
  if (shape.length === 2) return { kind: 'vectors', layout: 'ND', count: n, sourceChannels: 0, itemShape: [a] };
  if (shape.length === 1) return { kind: 'vectors', layout: 'N', count: n, sourceChannels: 0, itemShape: [1] };
  throw new DataError(file, `expected images [N, H, W, C] / [N, C, H, W] / [N, H, W] or vectors [N, D]; found shape (${shape.join(', ')})`);
}

export type PixelScale = 'identity' | 'bool' | 'unit' | 'signed-unit' | 'byte';

export interface PixelRange {
  /** Nominal range the data was found to lie in. */
  readonly range: [number, number];
  readonly scale: PixelScale;
  /** How the stored uint8 pixels relate to the source, for people. */
  readonly conversion: string;
}

/** Min and max of a chunk (NaN is reported as an error: pixels and vectors must be finite). */
export function minMax(data: NpyData, file: string): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (const v of data) {
      const x = Number(v);
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return [lo, hi];
  }
  for (let i = 0; i < data.length; i++) {
    const x = data[i] as number;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    if (x !== x || x === Infinity || x === -Infinity) throw new DataError(file, `value ${x} at element ${i} (data must be finite)`);
  }
  return [lo, hi];
}

/** Picks the smallest nominal pixel range that holds [lo, hi]. */
export function pixelRangeOf(dtype: NpyDtype, lo: number, hi: number, file: string): PixelRange {
  if (dtype.kind === 'b') return { range: [0, 1], scale: 'bool', conversion: 'bool → 0 / 255' };
  if (dtype.kind === 'u' && dtype.itemSize === 1) return { range: [0, 255], scale: 'identity', conversion: 'uint8 as is' };
  if (dtype.kind !== 'f') {
    if (lo >= 0 && hi <= 255) return { range: [0, 255], scale: 'byte', conversion: `${dtype.descr} integers 0-255 → uint8` };
    throw new DataError(file, `integer pixels must lie in 0-255 to become 8-bit images; found ${lo}..${hi}`);
  }
  if (lo >= 0 && hi <= 1) return { range: [0, 1], scale: 'unit', conversion: 'floats in [0, 1] → round(255 x)' };
  if (lo >= -1 && hi <= 1) return { range: [-1, 1], scale: 'signed-unit', conversion: 'floats in [-1, 1] → round(127.5 (x + 1))' };
  if (lo >= 0 && hi <= 255) return { range: [0, 255], scale: 'byte', conversion: 'floats in [0, 255] → round(x)' };
  throw new DataError(file, `float pixels in [${lo}, ${hi}] fit none of [0, 1], [-1, 1], [0, 255]; cannot turn them into 8-bit images`);
}

function pixelValue(x: number, scale: PixelScale): number {
  const v = scale === 'unit' ? x * 255 : scale === 'signed-unit' ? (x + 1) * 127.5 : scale === 'bool' ? (x ? 255 : 0) : x;
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** A chunk of `count` source items → uint8 NHWC (alpha dropped, NCHW transposed, scaled). */
export function toImageBytes(data: NpyData, count: number, layout: ArrayLayout, scale: PixelScale): Uint8Array {
  const [h = 0, w = 0, cOut = 0] = layout.itemShape;
  const cIn = layout.sourceChannels;
  const hw = h * w;
  const out = new Uint8Array(count * hw * cOut);
  const get: (i: number) => number =
    data instanceof BigInt64Array || data instanceof BigUint64Array ? (i) => Number(data[i]) : (i) => data[i] as number;
  if (scale === 'identity' && layout.layout !== 'NCHW' && cIn === cOut && data instanceof Uint8Array) {
    out.set(data.subarray(0, out.length));
    return out;
  }
  for (let n = 0; n < count; n++) {
    const inBase = n * hw * cIn;
    const outBase = n * hw * cOut;
    for (let p = 0; p < hw; p++) {
      for (let c = 0; c < cOut; c++) {
        const src = layout.layout === 'NCHW' ? inBase + c * hw + p : inBase + p * cIn + c;
        out[outBase + p * cOut + c] = pixelValue(get(src), scale);
      }
    }
  }
  return out;
}

/**
 * Refuses a non-finite value in float32 vectors (NaN, ±Infinity, or a float64 beyond float32's
 * range): the same policy as images, whose range scan refuses them. `firstItem` numbers the chunk's
 * first item in the file.
 */
export function checkFiniteVectors(values: Float32Array, file: string, firstItem: number, itemSize: number): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x - x !== 0) {
      const item = firstItem + Math.floor(i / Math.max(1, itemSize));
      throw new DataError(file, `item ${item}, value ${i % Math.max(1, itemSize)} is ${x} as float32 (data must be finite)`);
    }
  }
}

/** Any numeric chunk → float32 (vectors). */
export function toFloat32(data: NpyData): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  } else out.set(data);
  return out;
}

/** Integer class labels (any int dtype, or integral floats) → int32, checked non-negative. */
export function toLabels(data: NpyData, file: string): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new DataError(file, `label ${v} at index ${i} is not a non-negative integer`);
    out[i] = v;
  }
  return out;
}
