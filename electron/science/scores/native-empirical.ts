/**
 * The empirical optimal score s_N (docs/math.md §3) with its denoiser on the native kernels
 * (native/src/denoise.h): the training rows are packed once, centred on their mean, into the
 * addon's reference panel; each call streams them with a running log-sum-exp on every hardware
 * thread (AVX2+FMA micro-kernel for both the logits and the weighted sum). Same maths and same
 * centring as empirical.ts; at(), denoise(), denoiseVE() and logDensity() are native, topWeights()
 * and nearest() delegate to the tfjs score, built on first use only (it copies the data to the
 * device).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ou } from '../forward-process';
import type { KernelChoice, NativeKernelName, NativeKernels, PackedReference } from '../native/kernels';
import type { DataMatrix, EmpiricalScore } from './empirical';

export interface NativeEmpiricalOptions {
  /** Threads per call (default: every hardware thread). */
  threads?: number;
  /** Use the portable micro-kernel even where AVX2+FMA is available. */
  portable?: boolean;
}

/** Column means (float64) and squared norms of the centred rows (float64). */
function centring(m: DataMatrix): { mean: Float64Array; norms: Float64Array } {
  const { values, rows, cols } = m;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let d = 0; d < cols; d++) mean[d] = mean[d]! + values[base + d]!;
  }
  for (let d = 0; d < cols; d++) mean[d] = mean[d]! / rows;
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    let s = 0;
    for (let d = 0; d < cols; d++) {
      const v = values[base + d]! - mean[d]!;
      s += v * v;
    }
    norms[i] = s;
  }
  return { mean, norms };
}

/**
 * s_N on the native denoiser. `kernels.denoise` must exist; `tfjsScore` builds the tfjs score for
 * the methods done there. The caller must not modify `matrix.values` while the score lives (the
 * weighted sums read the rows from it).
 */
export function nativeEmpiricalScore(
  matrix: DataMatrix,
  kernels: NativeKernels,
  tfjsScore: () => EmpiricalScore,
  options: NativeEmpiricalOptions = {},
): EmpiricalScore & { readonly kernel: NativeKernelName } {
  const run = kernels.denoise;
  if (!run) throw new Error('nativeEmpiricalScore: the native kernels have no denoiser (rebuild with npm run build:native)');
  const { values, rows: N, cols: D } = matrix;
  if (N < 1 || D < 1) throw new Error(`empiricalScore: the training set is empty ([${N}, ${D}])`);
  if (values.length !== N * D) throw new Error(`empiricalScore: ${values.length} values do not make a [${N}, ${D}] matrix`);
  const threads = options.threads ?? kernels.hardwareThreads;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`empiricalScore: threads must be a positive integer, got ${threads}`);
  const choice: KernelChoice = { threads, portable: options.portable ?? false };
  const { mean, norms } = centring(matrix);
  let handle: PackedReference | undefined = kernels.packReference(values, N, D, norms, mean);
  let delegate: EmpiricalScore | undefined;

  function packed(what: string): PackedReference {
    if (!handle) throw new Error(`empiricalScore.${what}: the score was disposed`);
    return handle;
  }

  function input(x: tf.Tensor2D, what: string): { data: Float32Array; B: number } {
    packed(what);
    if (x.rank !== 2 || x.shape[1] !== D) throw new Error(`empiricalScore.${what}: expected x of shape [B, ${D}], got [${x.shape.join(', ')}]`);
    if (x.dtype !== 'float32') throw new Error(`empiricalScore.${what}: expected float32 x, got ${x.dtype}`);
    return { data: x.dataSync() as Float32Array, B: x.shape[0] };
  }

  /** ybar for the rows of x ([B, D]), and the log-sum-exp of the logits when asked. */
  function posteriorMean(x: Float32Array, B: number, m: number, s2: number, what: string, lse?: Float64Array): Float32Array {
    const out = new Float32Array(B * D);
    run!(packed(what), values, x, B, m, s2, out, lse, choice);
    return out;
  }

  function ouTerms(t: number, what: string): { m: number; s2: number } {
    if (!(t > 0) || !Number.isFinite(t)) throw new Error(`empiricalScore.${what}: t must be positive and finite, got ${t}`);
    return { m: ou.mean(t), s2: ou.variance(t) };
  }

  function tfjs(): EmpiricalScore {
    delegate ??= tfjsScore();
    return delegate;
  }

  return {
    name: 'empirical',
    kernel: kernels.kernelFor(choice.portable),
    size: N,
    dimension: D,

    at(t, x) {
      const { data, B } = input(x, 'at');
      const { m, s2 } = ouTerms(t, 'at');
      const ybar = posteriorMean(data, B, m, s2, 'at');
      // (m ybar - x) / s^2, in place
      for (let i = 0; i < ybar.length; i++) ybar[i] = (m * ybar[i]! - data[i]!) / s2;
      return tf.tensor2d(ybar, [B, D]);
    },

    denoise(t, x) {
      const { data, B } = input(x, 'denoise');
      const { m, s2 } = ouTerms(t, 'denoise');
      return tf.tensor2d(posteriorMean(data, B, m, s2, 'denoise'), [B, D]);
    },

    denoiseVE(sigma, x) {
      const { data, B } = input(x, 'denoiseVE');
      if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`empiricalScore.denoiseVE: sigma must be positive and finite, got ${sigma}`);
      // the VE posterior mean is the OU one with m = 1, s^2 = sigma^2
      return tf.tensor2d(posteriorMean(data, B, 1, sigma * sigma, 'denoiseVE'), [B, D]);
    },

    logDensity(t, x) {
      const { data, B } = input(x, 'logDensity');
      const { m, s2 } = ouTerms(t, 'logDensity');
      const lse = new Float64Array(B);
      posteriorMean(data, B, m, s2, 'logDensity', lse);
      // log p = lse(logits) - ||x - m mean||^2/(2 s^2) - log N - (D/2) log(2 pi s^2)
      const constant = -Math.log(N) - (D / 2) * Math.log(2 * Math.PI * s2);
      const out = new Float32Array(B);
      for (let b = 0; b < B; b++) {
        let q = 0;
        for (let d = 0; d < D; d++) {
          const v = data[b * D + d]! - m * mean[d]!;
          q += v * v;
        }
        out[b] = lse[b]! - q / (2 * s2) + constant;
      }
      return tf.tensor1d(out);
    },

    topWeights(t, x, k) {
      packed('topWeights');
      return tfjs().topWeights(t, x, k);
    },

    nearest(x, k) {
      packed('nearest');
      return tfjs().nearest(x, k);
    },

    dispose() {
      if (handle) kernels.free(handle);
      handle = undefined;
      delegate?.dispose();
      delegate = undefined;
    },
  };
}
