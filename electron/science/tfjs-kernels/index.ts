/**
 * Training kernels the wasm backend lacks or runs slowly: Conv2DBackpropFilter (missing) and a
 * stride-1 Conv2DBackpropInput as a forward convolution. Call after the wasm backend is registered
 * (importing @tensorflow/tfjs-backend-wasm does that); safe to call any number of times.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input-wasm';

export { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm';
export { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input-wasm';

/** The configs this module registered, to recognise its own override on a second call. */
const ours = new WeakSet<tf.KernelConfig>();
let originalInputKernel: tf.KernelConfig | undefined;

export interface WasmTrainingKernels {
  /** Kernels registered by this call (empty when already done or the wasm backend is absent). */
  registered: string[];
}

export function registerWasmTrainingKernels(): WasmTrainingKernels {
  const registered: string[] = [];
  if (!tf.findBackendFactory('wasm')) return { registered };
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel(conv2DBackpropFilterWasmConfig);
    registered.push('Conv2DBackpropFilter');
  }
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (original && !ours.has(original)) {
    originalInputKernel = original;
    const config = conv2DBackpropInputWasmConfig(original);
    ours.add(config);
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(config);
    registered.push('Conv2DBackpropInput');
  }
  return { registered };
}

/** wasm's own Conv2DBackpropInput, once overridden (benchmarks and tests compare the two). */
export function originalWasmConv2DBackpropInput(): tf.KernelConfig | undefined {
  return originalInputKernel;
}
