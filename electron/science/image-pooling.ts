/**
 * f x f average pooling of uint8 NHWC images (rounded to the nearest level): the same images at a
 * lower resolution, for experiments sized for a CPU (memorisation-vs-n --quick trains on CIFAR-10
 * at 16 x 16).
 */
export function averagePoolImages(pixels: Uint8Array, count: number, shape: readonly number[], factor: number): { pixels: Uint8Array; shape: [number, number, number] } {
  const [H, W, C] = shape as [number, number, number];
  if (shape.length !== 3 || !Number.isInteger(factor) || factor < 1 || H % factor !== 0 || W % factor !== 0) {
    throw new Error(`average pooling: ${shape.join('x')} images cannot be pooled by ${factor} (H and W must be multiples of it)`);
  }
  if (pixels.length !== count * H * W * C) throw new Error(`average pooling: expected ${count} images of ${H * W * C} bytes, got ${pixels.length} bytes`);
  const h = H / factor;
  const w = W / factor;
  const out = new Uint8Array(count * h * w * C);
  const area = factor * factor;
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (let a = 0; a < factor; a++) for (let b = 0; b < factor; b++) sum += pixels[((n * H + i * factor + a) * W + j * factor + b) * C + c]!;
          out[((n * h + i) * w + j) * C + c] = Math.round(sum / area);
        }
      }
    }
  }
  return { pixels: out, shape: [h, w, C] };
}
