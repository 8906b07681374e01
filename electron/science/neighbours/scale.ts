/**
 * uint8 pixels (NHWC, or any fixed per-image layout) -> float32 rows in [0, 1], the space in
 * which neighbour distances are measured (docs/math.md §5). Both sets must share one layout.
 */
import { loadNativeKernels } from '../native/kernels';
import type { UnitRows } from './types';

/**
 * v / 255 for v = 0..255, rounded once to float32 (so every path gives identical values): what a
 * uint8 row of `UnitRows` means, whether it is converted here, packed natively or re-ranked.
 */
export const unitLevels = (() => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = v / 255;
  return t;
})();

/**
 * Rows [start, start + count) of uint8 images with d values each, as float32 in [0, 1].
 * Writes into `out` (at offset 0) when given; lets callers convert and upload chunk by chunk.
 */
export function pixelRowsToUnit(
  pixels: Uint8Array | Uint8ClampedArray,
  d: number,
  start: number,
  count: number,
  out?: Float32Array,
): Float32Array {
  if (!Number.isInteger(d) || d < 1) throw new Error(`pixelRowsToUnit: d must be a positive integer, got ${d}`);
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || (start + count) * d > pixels.length) {
    throw new Error(`pixelRowsToUnit: rows ${start}..${start + count} of ${d} values do not fit ${pixels.length} pixels`);
  }
  const target = out ?? new Float32Array(count * d);
  if (target.length < count * d) throw new Error(`pixelRowsToUnit: out holds ${target.length} values, need ${count * d}`);
  const from = start * d;
  // the same table in the addon (native/src/rows.h): JS element loops run at ~10 ns a value here
  const native = loadNativeKernels()?.pixelsToUnit;
  if (native && pixels instanceof Uint8Array) native(pixels.subarray(from, from + count * d), target);
  else for (let i = 0; i < count * d; i++) target[i] = unitLevels[pixels[from + i]!]!;
  return target;
}

/** All n images of d uint8 values as float32 [n, d] in [0, 1], converted in row chunks. */
export function pixelsToUnit(pixels: Uint8Array | Uint8ClampedArray, n: number, d: number, chunkRows = 4096): Float32Array {
  if (pixels.length !== n * d) throw new Error(`pixelsToUnit: expected ${n} x ${d} = ${n * d} pixels, found ${pixels.length}`);
  const out = new Float32Array(n * d);
  for (let s = 0; s < n; s += chunkRows) {
    const c = Math.min(chunkRows, n - s);
    pixelRowsToUnit(pixels, d, s, c, out.subarray(s * d, (s + c) * d));
  }
  return out;
}

/** Rows `rows` of [n, d] rows in [0, 1] (float32, or uint8 pixels read through unitLevels), as float32 [rows.length, d]. */
export function gatherUnitRows(data: UnitRows, d: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (data instanceof Uint8Array) pixelRowsToUnit(data, d, row, 1, out.subarray(i * d, (i + 1) * d));
    else out.set(data.subarray(row * d, (row + 1) * d), i * d);
  }
  return out;
}

/** Rows `rows` of [n, d] rows, in the form they are held (uint8 stays uint8: a quarter of the memory). */
export function takeRows<T extends UnitRows>(data: T, d: number, rows: ArrayLike<number>): T {
  const out = (data instanceof Uint8Array ? new Uint8Array(rows.length * d) : new Float32Array(rows.length * d)) as T;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    out.set(data.subarray(row * d, (row + 1) * d), i * d);
  }
  return out;
}

/** [n, d] rows in [0, 1] as float32: float32 rows as they are (no copy), uint8 pixels converted. */
export function unitRowsAsFloat32(data: UnitRows, n: number, d: number): Float32Array {
  return data instanceof Uint8Array ? pixelsToUnit(data, n, d) : data;
}
