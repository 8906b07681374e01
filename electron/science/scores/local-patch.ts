/**
 * The local score machine of docs/math.md §6 (Kamb & Ganguli 2024, "An analytic theory of creativity
 * in convolutional diffusion models"), the LS variant: locality, no equivariance. Each pixel p
 * of the denoised image is a softmax average of the SAME pixel of the training images, weighted by
 * how well the k x k patch of x around p matches the shrunk training patch there:
 *   logit_n(p) = -||P_p(x) - m_t P_p(y_n)||^2 / (2 s_t^2),   w_n(p) = softmax_n logit_n(p),
 *   ybar(p) = sum_n w_n(p) y_n(p)   (all channels of p),   s = (m_t ybar - x) / s_t^2 (Tweedie).
 * Each pixel may follow a different training image, so samples are patch mosaics: locally like
 * the training set, globally new. Patches are zero padded at the borders (equivalently, a border
 * patch is the part of the k x k window inside the image). With k >= 2 max(H, W) - 1 every
 * window covers the whole image and this is exactly s_N; with k = 1 every pixel picks alone.
 *
 * How it is computed (why each choice):
 * - ||P(x) - m P(y)||^2 = box(|x|^2) - 2 m box(x . y) + m^2 box(|y|^2) with box a k x k window
 *   sum over space of per-pixel channel sums. box(|x|^2) is the same for every n and cancels in
 *   the softmax; box(|y|^2) is computed once per score. Per call only box(x . y_n) remains: a
 *   [B, n_c, H*W] tensor per chunk of training images, boxed by two 1-D convolutions (k + k
 *   instead of k^2 adds per pixel; conv2d pads with zeros, which is the border rule above).
 * - Data centred on the per-coordinate mean (distances are translation invariant): smaller
 *   magnitudes, less float32 cancellation in the expansion.
 * - Training images live on the device once per score, channel-planar in chunks ([1, n_c, H*W]
 *   per channel): the x . y products are broadcast multiplies with no layout changes per call.
 * - The softmax over n streams over chunks with a running max, rescaled sum and rescaled
 *   weighted sum per pixel, so memory is O(B n_c H W) whatever N.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import type { DataMatrix } from '../data-matrix';
import { tweedieScore, type DenoisingScore } from './score';

export interface LocalPatchOptions {
  /** k, the side of the square patch: odd, 1 <= k <= 2 max(H, W) - 1 (the top value covers the whole image from every pixel: s_N). */
  patch: number;
  /** Training images per chunk (default 64: 4M logits [B, n_c, H*W] = 16 MB per live tensor at B = 64, 32 x 32). */
  chunkSize?: number;
}

export interface LocalPatchScore extends DenoisingScore {
  readonly patch: number;
  /** [H, W, C]. */
  readonly itemShape: readonly [number, number, number];
  /** N, the number of training images. */
  readonly size: number;
}

const DEFAULT_CHUNK = 64;

/** The patch side that makes every pixel's window cover the whole image (the score is then s_N). */
export function fullPatch(itemShape: readonly number[]): number {
  const [H = 1, W = 1] = itemShape;
  return 2 * Math.max(H, W) - 1;
}

/** Refuses what would not define a local patch score; messages name the option and the shape. */
export function checkLocalPatch(itemShape: readonly number[], patch: number, what = 'local patch score'): [number, number, number] {
  if (itemShape.length !== 3 || !itemShape.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(`${what}: works on images [H, W, C]; got item shape [${itemShape.join(', ')}]`);
  }
  const top = fullPatch(itemShape);
  if (!Number.isInteger(patch) || patch < 1 || patch % 2 === 0 || patch > top) {
    throw new Error(`${what}: patch must be an odd integer from 1 to ${top} (2 max(H, W) - 1: the whole image from every pixel) for ${itemShape.join('x')} images; got ${patch}`);
  }
  return itemShape as [number, number, number];
}

/** Builds the LS local score for the rows of `data` (already scaled, e.g. images in [-1, 1]; rows are HWC-flattened images of `itemShape`). */
export function localPatchScore(data: DataMatrix, itemShape: readonly number[], options: LocalPatchOptions): LocalPatchScore {
  const [H, W, C] = checkLocalPatch(itemShape, options.patch);
  const { rows: N, cols: D, values } = data;
  const P = H * W;
  if (D !== P * C) throw new Error(`local patch score: rows have ${D} values, but ${itemShape.join('x')} images have ${P * C}`);
  if (N < 1) throw new Error('local patch score: the training set is empty');
  if (values.length !== N * D) throw new Error(`local patch score: expected ${N * D} values for [${N}, ${D}], got ${values.length}`);
  const k = options.patch;
  if (options.chunkSize !== undefined && (!Number.isInteger(options.chunkSize) || options.chunkSize < 1)) {
    throw new Error(`local patch score: chunkSize must be a positive integer, got ${options.chunkSize}`);
  }

  // mean image and centred, channel-planar training images: planes[c][n * P + p] = y_n(p, c) - mu(p, c)
  const mu = new Float32Array(D);
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) mu[d] = mu[d]! + values[n * D + d]!;
  for (let d = 0; d < D; d++) mu[d] = mu[d]! / N;
  const planes = Array.from({ length: C }, () => new Float32Array(N * P));
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < C; c++) planes[c]![n * P + p] = values[n * D + p * C + c]! - mu[p * C + c]!;
    }
  }
  const rowFilter = tf.ones([k, 1, 1, 1]) as tf.Tensor4D;
  const columnFilter = tf.ones([1, k, 1, 1]) as tf.Tensor4D;
  const mean = tf.tensor2d(mu, [1, D]);

  /** k x k window sums (zero padded) of each row of t [R, P] viewed as an H x W image. */
  function box(t: tf.Tensor, rows: number): tf.Tensor3D {
    if (k === 1) return tf.reshape(t, [rows, 1, P]);
    return tf.tidy(() => {
      const image = tf.reshape(t, [rows, H, W, 1]) as tf.Tensor4D;
      const summed = tf.conv2d(tf.conv2d(image, rowFilter, 1, 'same'), columnFilter, 1, 'same');
      return tf.reshape(summed, [rows, 1, P]) as tf.Tensor3D;
    });
  }

  // per chunk: the centred planes [1, n_c, P] per channel and box(|y|^2) [1, n_c, P]
  const storedChunk = options.chunkSize ?? DEFAULT_CHUNK;
  const chunks: { size: number; planes: tf.Tensor3D[]; boxedNorms: tf.Tensor3D }[] = [];
  for (let offset = 0; offset < N; offset += storedChunk) {
    const size = Math.min(storedChunk, N - offset);
    const chunkPlanes = planes.map((plane) => tf.tensor3d(plane.subarray(offset * P, (offset + size) * P), [1, size, P]));
    const boxedNorms = tf.tidy(() => {
      const norms = chunkPlanes.reduce<tf.Tensor>((acc, y) => tf.add(acc, tf.square(y)), tf.zerosLike(chunkPlanes[0]!));
      return tf.reshape(box(tf.reshape(norms, [size, P]), size), [1, size, P]) as tf.Tensor3D;
    });
    chunks.push({ size, planes: chunkPlanes, boxedNorms });
  }
  let disposed = false;

  function check(t: number, x: tf.Tensor2D, what: string): void {
    if (disposed) throw new Error(`localPatchScore.${what}: the score was disposed`);
    if (x.rank !== 2 || x.shape[1] !== D) throw new Error(`localPatchScore.${what}: expected x of shape [B, ${D}], got [${x.shape.join(', ')}]`);
    if (!(t > 0) || !Number.isFinite(t)) throw new Error(`localPatchScore.${what}: t must be positive and finite, got ${t}`);
  }

  function denoise(t: number, x: tf.Tensor2D): tf.Tensor2D {
    check(t, x, 'denoise');
    const B = x.shape[0];
    const m = ou.mean(t);
    const s2 = ou.variance(t);
    const alpha = m / s2;
    const beta = (m * m) / (2 * s2);
    // the query centred as the data: q = x - m mu, per channel [B, 1, P]
    const q = tf.tidy(() => {
      const centred = tf.reshape(tf.sub(x, tf.mul(mean, m)), [B, P, C]);
      return tf.unstack(tf.transpose(centred, [2, 0, 1])).map((plane) => tf.reshape(plane, [B, 1, P]));
    });
    // streaming softmax per pixel: running max [B, P], rescaled sum [B, P], rescaled weighted sums per channel [B, P]
    let runMax: tf.Tensor2D | null = null;
    let runSum: tf.Tensor2D | null = null;
    let acc: tf.Tensor2D[] = [];
    try {
      for (const chunk of chunks) {
        const prevMax: tf.Tensor2D | null = runMax;
        const prevSum: tf.Tensor2D | null = runSum;
        const prevAcc: tf.Tensor2D[] = acc;
        const next = tf.tidy((): { max: tf.Tensor2D; sum: tf.Tensor2D; weighted: tf.Tensor2D[] } => {
          // cross(b, n, p) = sum_c q_c(b, p) y_c(n, p), then logits = alpha box(cross) - beta box(|y|^2)
          const cross = chunk.planes.map((y, c) => tf.mul(q[c]!, y)).reduce((sum, term) => tf.add(sum, term));
          const rows = B * chunk.size;
          const logits = tf.sub(tf.mul(tf.reshape(box(cross, rows), [B, chunk.size, P]), alpha), tf.mul(chunk.boxedNorms, beta));
          const chunkMax = tf.max(logits, 1);
          const newMax = prevMax ? tf.maximum(prevMax, chunkMax) : chunkMax;
          const w = tf.exp(tf.sub(logits, tf.expandDims(newMax, 1)));
          const rescale = prevMax ? tf.exp(tf.sub(prevMax, newMax)) : null;
          const rescaled = (before: tf.Tensor | undefined | null, part: tf.Tensor): tf.Tensor => (rescale && before ? tf.add(tf.mul(before, rescale), part) : part);
          return {
            max: newMax as tf.Tensor2D,
            sum: rescaled(prevSum, tf.sum(w, 1)) as tf.Tensor2D,
            weighted: chunk.planes.map((y, c) => rescaled(prevAcc[c], tf.sum(tf.mul(w, y), 1)) as tf.Tensor2D),
          };
        });
        runMax = next.max;
        runSum = next.sum;
        acc = next.weighted;
        tf.dispose([...(prevMax ? [prevMax] : []), ...(prevSum ? [prevSum] : []), ...prevAcc]);
      }
      const total = runSum!;
      return tf.tidy(() => {
        // ybar(p, c) = mu(p, c) + acc_c(p) / sum(p), back to HWC rows
        const channels = acc.map((a) => tf.div(a, total));
        return tf.add(tf.reshape(tf.stack(channels, 2), [B, D]), mean) as tf.Tensor2D;
      });
    } finally {
      tf.dispose([...q, ...(runMax ? [runMax] : []), ...(runSum ? [runSum] : []), ...acc]);
    }
  }

  return {
    name: 'local-patch',
    patch: k,
    itemShape: [H, W, C],
    size: N,
    denoise,
    at: tweedieScore(denoise),
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const c of chunks) tf.dispose([...c.planes, c.boxedNorms]);
      tf.dispose([rowFilter, columnFilter, mean]);
    },
  };
}
