/**
 * Image files (PNG, JPEG, WebP) to 8-bit RGB HWC pixels through sharp. Grayscale is replicated to
 * RGB and alpha dropped (colour values kept as stored), so every image has 3 channels.
 */
import sharp from 'sharp';
import { DataError } from './errors';

export type ImageKind = 'png' | 'jpeg' | 'webp';
export type ResizeFit = 'cover' | 'fill' | 'contain';

/** Image type from magic bytes, or null. */
export function imageKindOf(head: Uint8Array): ImageKind | null {
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return 'png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (
    head[0] === 0x52 && head[1] === 0x49 && head[2] === 0x46 && head[3] === 0x46 &&
    head[8] === 0x57 && head[9] === 0x45 && head[10] === 0x42 && head[11] === 0x50
  ) return 'webp';
  return null;
}

export interface DecodedImage {
  /** uint8 RGB, row-major HWC. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface DecodeOptions {
  /** Output side S: the image becomes S x S (see fit). */
  readonly resize?: number;
  /** cover (default): scale and centre-crop; fill: stretch; contain: letterbox on black. */
  readonly fit?: ResizeFit;
  /** sharp refuses inputs with more pixels than this (from the header, before decoding). */
  readonly maxPixels?: number;
}

/** Decodes an encoded image (bytes) to RGB. `name` is used in errors. */
export async function decodeImage(bytes: Uint8Array, name: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  try {
    let img = sharp(bytes, { failOn: 'error', ...(opts.maxPixels !== undefined ? { limitInputPixels: opts.maxPixels } : {}) });
    if (opts.resize !== undefined) {
      img = img.resize(opts.resize, opts.resize, { fit: opts.fit ?? 'cover', kernel: 'lanczos3', background: { r: 0, g: 0, b: 0 } });
    }
    const { data, info } = await img
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const rgb = toRgb(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.channels, info.width * info.height);
    return { data: rgb, width: info.width, height: info.height };
  } catch (e) {
    throw new DataError(name, `cannot decode image (${(e as Error).message})`);
  }
}

/** Width and height from the header only (cheap: used to list sizes). */
export async function imageSize(bytes: Uint8Array, name: string): Promise<{ width: number; height: number }> {
  try {
    const m = await sharp(bytes, { limitInputPixels: false }).metadata(); // the caller judges the size, naming its own limit
    if (!m.width || !m.height) throw new Error('no size in header');
    return { width: m.width, height: m.height };
  } catch (e) {
    throw new DataError(name, `cannot read image header (${(e as Error).message})`);
  }
}

function toRgb(src: Uint8Array, channels: number, pixels: number): Uint8Array {
  if (channels === 3) return src.length === pixels * 3 ? new Uint8Array(src) : src.slice(0, pixels * 3);
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    if (channels === 1 || channels === 2) {
      const v = src[i * channels] as number;
      out[i * 3] = v;
      out[i * 3 + 1] = v;
      out[i * 3 + 2] = v;
    } else {
      out[i * 3] = src[i * channels] as number;
      out[i * 3 + 1] = src[i * channels + 1] as number;
      out[i * 3 + 2] = src[i * channels + 2] as number;
    }
  }
  return out;
}
