/**
 * Composing wasm kernels inside a kernel: call the registered kernelFuncs directly with the backend,
 * as the wasm backend's own kernels do. This bypasses the engine (no tape, no tidy scopes, no tensor
 * counts), so every intermediate TensorInfo is owned by the caller and must be released with `release`.
 */
import * as tf from '@tensorflow/tfjs-core';

export function callWasmKernel(
  backend: tf.KernelBackend, kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`wasm kernel '${kernelName}' is not registered`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`wasm kernel '${kernelName}' returned several outputs`);
  return out;
}

/** Drops one reference to each intermediate (kernels such as Reshape share data via refcounts). */
export function release(backend: tf.KernelBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Rejects NCHW and dilated convolutions, which these kernels do not implement. */
export function assertNhwcUndilated(kernelName: string, attrs: { dataFormat?: string; dilations?: number | number[] }): void {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} (wasm, ScoreScope): dataFormat '${attrs.dataFormat}' is not supported; use NHWC`);
  }
  const d = attrs.dilations;
  if (d !== undefined && (Array.isArray(d) ? d.some((v) => v !== 1) : d !== 1)) {
    throw new Error(`${kernelName} (wasm, ScoreScope): dilations ${String(d)} are not supported; only 1`);
  }
}
