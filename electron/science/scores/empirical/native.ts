/**
 * The empirical optimal score s_N (docs/math.md §3) with its denoiser on the native kernels
 * (native/src/denoise.h): the training rows are packed once, centred on their mean, into the
 * addon's reference panel; each call streams them with a running log-sum-exp on every hardware
 * thread (AVX2+FMA micro-kernel for both the logits and the weighted sum). Same maths and same
 * centring as tfjs.ts; denoise(), denoiseVE() and logDensity() are native (at() is the Tweedie
 * score of denoise()), topWeights() delegates to the tfjs score, built on first use only (it
 * copies the data to the device).
 */
import * as tf from '@tensorflow/tfjs-core';
import { centredSquaredNorms, columnMeans, type DataMatrix } from '../../data-matrix';
import type { KernelChoice, NativeKernelName, NativeKernels, PackedReference } from '../../native/kernels';
import { tweedieScore } from '../score';
import { checkQueries, logDensityConstant, ouCoefficients, veCoefficients, type EmpiricalScore } from './types';

export interface NativeEmpiricalOptions {
  /** Threads per call (default: every hardware thread). */
  threads?: number;
  /** Use the portable micro-kernel even where AVX2+FMA is available. */
  portable?: boolean;
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
  const mean = columnMeans(matrix);
  const norms = centredSquaredNorms(matrix, mean);
  let handle: PackedReference | undefined = kernels.packReference(values, N, D, norms, mean);
  let delegate: EmpiricalScore | undefined;

  function packed(what: string): PackedReference {
    if (!handle) throw new Error(`empiricalScore.${what}: the score was disposed`);
    return handle;
  }

  function input(x: tf.Tensor2D, what: string): { data: Float32Array; B: number } {
    packed(what);
    checkQueries(x, D, what);
    if (x.dtype !== 'float32') throw new Error(`empiricalScore.${what}: expected float32 x, got ${x.dtype}`);
    return { data: x.dataSync() as Float32Array, B: x.shape[0] };
  }

  /** ybar for the rows of x ([B, D]), and the log-sum-exp of the logits when asked. */
  function posteriorMean(x: Float32Array, B: number, m: number, s2: number, what: string, lse?: Float64Array): Float32Array {
    const out = new Float32Array(B * D);
    run!(packed(what), values, x, B, m, s2, out, lse, choice);
    return out;
  }

  function denoise(t: number, x: tf.Tensor2D): tf.Tensor2D {
    const { data, B } = input(x, 'denoise');
    const { m, s2 } = ouCoefficients(t, 'denoise');
    return tf.tensor2d(posteriorMean(data, B, m, s2, 'denoise'), [B, D]);
  }
  const tweedie = tweedieScore(denoise);

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
      input(x, 'at');
      ouCoefficients(t, 'at');
      return tweedie(t, x);
    },

    denoise,

    denoiseVE(sigma, x) {
      const { data, B } = input(x, 'denoiseVE');
      // the VE posterior mean is the OU one with m = 1, s^2 = sigma^2
      const { s2 } = veCoefficients(sigma);
      return tf.tensor2d(posteriorMean(data, B, 1, s2, 'denoiseVE'), [B, D]);
    },

    logDensity(t, x) {
      const { data, B } = input(x, 'logDensity');
      const { m, s2 } = ouCoefficients(t, 'logDensity');
      const lse = new Float64Array(B);
      posteriorMean(data, B, m, s2, 'logDensity', lse);
      // log p = lse(logits) - ||x - m mean||^2/(2 s^2) - log N - (D/2) log(2 pi s^2)
      const constant = logDensityConstant(N, D, s2);
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

    packedRows: () => ({ handle: packed('packedRows'), values, mean, norms }),
    topWeights(t, x, k) {
      packed('topWeights');
      return tfjs().topWeights(t, x, k);
    },

    dispose() {
      if (handle) kernels.free(handle);
      handle = undefined;
      delegate?.dispose();
      delegate = undefined;
    },
  };
}
