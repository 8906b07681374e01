/**
 * Routing around tfjs-backend-webgpu 4.22 kernels that are wrong or missing.
 *
 * BatchMatMul / _FusedMatMul: when few 32x32 output tiles and a long inner dimension (K >= 2000)
 * make the automatic choice take MatMulSplitKProgram, products with transposeB come out wrong
 * (10 % relative error at [20, 3072] x [200, 3072]^T on Mesa lavapipe; the same product without
 * transposeB, or with any other program, is right to 3e-6). The engine's kNN candidates and the
 * empirical score's logits are exactly such products, so those calls run with the
 * small-output-size program instead (same tiling idea, no split K).
 *
 * AddN: one storage buffer per input plus the output, so autodiff's sums of many gradient terms
 * exceed maxStorageBuffersPerShaderStage (8 by default, 16 requested on lavapipe) and the pipeline
 * is invalid (the result is silently garbage, then NaN). Longer sums are added in groups that fit.
 */
import * as tf from '@tensorflow/tfjs-core';

/** tfjs-backend-webgpu's MatMulProgramType.MatMulSmallOutputSizeProgram. */
const SMALL_OUTPUT_SIZE_PROGRAM = 2;
const SPLIT_K_MIN_INNER = 2000;

function innerDimension(a: tf.TensorInfo, transposeA: boolean): number {
  const rank = a.shape.length;
  return transposeA ? a.shape[rank - 2]! : a.shape[rank - 1]!;
}

/** Wraps one matmul kernel so a transposeB product with a long inner dimension never takes split K. */
function avoidSplitKWithTransposeB(kernelName: string): void {
  const kernel = tf.getKernel(kernelName, 'webgpu');
  if (!kernel) return;
  const original = kernel.kernelFunc;
  tf.unregisterKernel(kernelName, 'webgpu');
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean } | undefined;
      const a = (args.inputs as { a: tf.TensorInfo }).a;
      const chosen = tf.env().get('WEBGPU_MATMUL_PROGRAM_TYPE');
      if (!attrs?.transposeB || chosen !== -1 || innerDimension(a, attrs.transposeA === true) < SPLIT_K_MIN_INNER) return original(args);
      tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', SMALL_OUTPUT_SIZE_PROGRAM);
      try {
        return original(args);
      } finally {
        tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', chosen);
      }
    },
  });
}

/** Wraps AddN so no single dispatch binds more than `maxInputs` input buffers. */
function addNInGroups(maxInputs: number): void {
  const kernel = tf.getKernel('AddN', 'webgpu');
  if (!kernel) return;
  const original = kernel.kernelFunc;
  tf.unregisterKernel('AddN', 'webgpu');
  const addN = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    if (inputs.length <= maxInputs) return original(args) as tf.TensorInfo;
    const backend = args.backend as tf.KernelBackend & { disposeData(id: object): void };
    const partial: tf.TensorInfo[] = [];
    for (let i = 0; i < inputs.length; i += maxInputs) {
      const group = inputs.slice(i, i + maxInputs);
      partial.push(group.length === 1 ? group[0]! : addN({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }));
    }
    const sum = addN({ ...args, inputs: partial as unknown as tf.NamedTensorInfoMap });
    // the partial sums are intermediates this kernel made (inputs are never in the list twice)
    for (const p of partial) if (!inputs.includes(p)) backend.disposeData(p.dataId);
    return sum;
  };
  tf.registerKernel({ ...kernel, kernelFunc: addN as tf.KernelFunc });
}

let routed = false;

/** Installs the webgpu kernel workarounds once (after tfjs-backend-webgpu registered its kernels). */
export function routeWebGpuKernels(maxStorageBuffersPerStage: number): void {
  if (routed) return;
  routed = true;
  addNInGroups(Math.max(2, maxStorageBuffersPerStage - 1));
  avoidSplitKWithTransposeB('BatchMatMul');
  avoidSplitKWithTransposeB('_FusedMatMul');
}
