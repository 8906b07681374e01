/**
 * How stored data map to the values the engine computes on, recorded with every run:
 * - 'images-minus1-1': uint8 pixels v in 0..255 <-> x = v / 127.5 - 1 in [-1, 1] (docs/math.md §4);
 *   back to bytes with rounding and clipping.
 * - 'identity': float data used as they are (synthetic sets, 2-D experiments).
 * Layout is untouched: NHWC uint8 images flatten to rows of H*W*C values in the same order.
 */
export type DataScaling = { kind: 'images-minus1-1' } | { kind: 'identity' };

export const imagesMinus1To1: DataScaling = { kind: 'images-minus1-1' };
export const identityScaling: DataScaling = { kind: 'identity' };

/**
 * The one unit nearest-neighbour distances are reported in, and the factor from distances
 * computed in model space. Images: L2 on pixels scaled to [0, 1], as the audit measures them
 * (x = 2 p - 1, so a model-space distance is twice the pixel one). Identity: the data's own units.
 */
export interface DistanceUnit {
  label: string;
  /** Reported distance = model-space distance * perModelUnit. */
  perModelUnit: number;
}

export const PIXEL_DISTANCE_LABEL = 'L2 on pixels scaled to [0, 1]';

export function reportedDistanceUnit(scaling: DataScaling): DistanceUnit {
  switch (scaling.kind) {
    case 'images-minus1-1':
      return { label: PIXEL_DISTANCE_LABEL, perModelUnit: 0.5 };
    case 'identity':
      return { label: 'data units', perModelUnit: 1 };
  }
}

/** uint8 pixels -> float32 in [-1, 1]. */
export function bytesToMinus1To1(bytes: Uint8Array | Uint8ClampedArray): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! / 127.5 - 1;
  return out;
}

/** float in [-1, 1] -> uint8, rounding to the nearest level and clipping to 0..255 (NaN -> 0). */
export function minus1To1ToBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i]! + 1) * 127.5);
    out[i] = v > 255 ? 255 : v > 0 ? v : 0;
  }
  return out;
}

/** Applies a scaling to stored values (bytes for images, floats for identity). */
export function toModelSpace(scaling: DataScaling, values: Uint8Array | Float32Array): Float32Array {
  switch (scaling.kind) {
    case 'images-minus1-1':
      if (!(values instanceof Uint8Array)) throw new Error(`scaling images-minus1-1 expects uint8 pixels, got ${values.constructor.name}`);
      return bytesToMinus1To1(values);
    case 'identity':
      return values instanceof Float32Array ? values : Float32Array.from(values);
  }
}

/** Maps model-space samples back to the stored form: uint8 NHWC bytes for images, floats otherwise. */
export function fromModelSpace(scaling: DataScaling, values: Float32Array): Uint8Array | Float32Array {
  switch (scaling.kind) {
    case 'images-minus1-1':
      return minus1To1ToBytes(values);
    case 'identity':
      return values;
  }
}

/** Converts planar CHW rows (CIFAR binary: R plane, G plane, B plane) to interleaved HWC rows. */
export function chwToHwc(planar: Uint8Array, count: number, height: number, width: number, channels: number): Uint8Array {
  const size = height * width * channels;
  if (planar.length !== count * size) throw new Error(`chwToHwc: ${planar.length} bytes is not ${count} images of ${height}x${width}x${channels}`);
  const out = new Uint8Array(planar.length);
  const plane = height * width;
  for (let n = 0; n < count; n++) {
    const base = n * size;
    for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) out[base + p * channels + c] = planar[base + c * plane + p]!;
  }
  return out;
}
