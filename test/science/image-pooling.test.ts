/** f x f average pooling of NHWC uint8 images against a direct float64 mean per output pixel. */
import { describe, expect, it } from 'vitest';
import { averagePoolImages } from '../../electron/science/image-pooling';

describe('averagePoolImages', () => {
  it('averages each f x f block of each channel, rounded, for every image', () => {
    const [N, H, W, C, f] = [3, 6, 4, 2, 2];
    const pixels = Uint8Array.from({ length: N * H * W * C }, (_, i) => (Math.imul(i + 7, 2654435761) >>> 24) & 255);
    const out = averagePoolImages(pixels, N, [H, W, C], f);
    expect(out.shape).toEqual([3, 2, 2]);
    for (let n = 0; n < N; n++) for (let i = 0; i < H / f; i++) for (let j = 0; j < W / f; j++) for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) sum += pixels[n * H * W * C + (i * f + a) * W * C + (j * f + b) * C + c]!;
      expect(out.pixels[n * (H / f) * (W / f) * C + i * (W / f) * C + j * C + c]).toBe(Math.round(sum / (f * f)));
    }
  });

  it('refuses sizes the factor does not divide, naming them', () => {
    expect(() => averagePoolImages(new Uint8Array(5 * 4 * 3), 1, [5, 4, 3], 2)).toThrow(/5x4x3 images cannot be pooled by 2/);
  });
});
