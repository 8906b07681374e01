/**
 * The empirical optimal score s_N (docs/math.md §3): which implementation computes it. The native
 * denoiser (native.ts) for image-sized data when the addon is built, else tfjs (tfjs.ts); both
 * give the same numbers to float32 rounding.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { toDataMatrix, type DataMatrix } from '../../data-matrix';
import { loadNativeKernels } from '../../native/kernels';
import { nativeEmpiricalScore } from './native';
import { tfjsEmpiricalScore } from './tfjs';
import type { EmpiricalScore, EmpiricalScoreOptions } from './types';

export type { EmpiricalScore, EmpiricalScoreOptions, Orientation, TopWeights } from './types';
export { tfjsEmpiricalScore } from './tfjs';
export { nativeEmpiricalScore, type NativeEmpiricalOptions } from './native';

/** Below this dimension the tfjs path is already fast (2-D experiments with many queries). */
const NATIVE_MIN_DIMENSION = 64;

/**
 * Builds s_N for the rows of `data` (already scaled, e.g. images in [-1, 1]) on the native
 * denoiser or tfjs (options.backend; the `kernel` field says which). tfjs copies the training set
 * to the device; the native score keeps a reference to the values (a tensor's are read once), so
 * a DataMatrix's array must not be modified while the score lives.
 */
export function empiricalScore(data: tf.Tensor2D | DataMatrix, options: EmpiricalScoreOptions = {}): EmpiricalScore {
  const matrix = toDataMatrix(data, 'empiricalScore');
  const backend = options.backend ?? 'auto';
  if (backend !== 'tfjs') {
    const kernels = loadNativeKernels();
    const usable = kernels?.denoise !== undefined && (backend === 'native' || matrix.cols >= NATIVE_MIN_DIMENSION);
    if (kernels && usable) {
      return nativeEmpiricalScore(matrix, kernels, () => tfjsEmpiricalScore(matrix, options), options.threads !== undefined ? { threads: options.threads } : {});
    }
    if (backend === 'native') throw new Error('empiricalScore: backend "native" requested but the native denoiser is unavailable (npm run build:native; SCORESCOPE_NATIVE unset)');
  }
  return tfjsEmpiricalScore(matrix, options);
}
