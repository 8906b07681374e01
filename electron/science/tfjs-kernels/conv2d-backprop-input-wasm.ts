/**
 * A faster Conv2DBackpropInput for the wasm backend at stride 1: wasm's own kernel is a direct loop
 * (1-3 GFLOP/s against 22 for the XNNPACK forward convolution). At stride 1,
 *
 *   dx[n, h, w, c] = sum_{a,b,o} dy[n, h + top - a, w + left - b, o] * W[a, b, c, o]
 *
 * is a forward convolution of dy with W flipped in space and in/out channels swapped, padded
 * fh - 1 - top above and H - outH + top below (likewise for columns). Other strides, NCHW, and
 * explicit pads wider than the filter (which would need negative padding) go to the original kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { callWasmKernel, release } from './wasm-kernel-call';

type Shape4 = [number, number, number, number];

/** Padding of the flipped-filter forward convolution along one axis; negative means "not expressible". */
export function inputGradPadding(inSize: number, filterSize: number, outSize: number, before: number): [number, number] {
  return [filterSize - 1 - before, inSize - outSize + before];
}

/** Wraps the backend's original kernel, which stays the fallback (and keeps its setupFunc). */
export function conv2DBackpropInputWasmConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo | tf.TensorInfo[] => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (attrs.dataFormat === 'NCHW') return original.kernelFunc(args);
    const dy = inputs['dy']!;
    const filter = inputs['filter']!;
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
    );
    if (info.strideHeight !== 1 || info.strideWidth !== 1) return original.kernelFunc(args);
    const [top, bottom] = inputGradPadding(info.inHeight, info.filterHeight, info.outHeight, info.padInfo.top);
    const [left, right] = inputGradPadding(info.inWidth, info.filterWidth, info.outWidth, info.padInfo.left);
    if (Math.min(top, bottom, left, right) < 0) return original.kernelFunc(args);

    const flipped = callWasmKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = callWasmKernel(backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    release(backend, flipped);
    const convAttrs: tf.Conv2DAttrs = {
      strides: 1,
      dilations: 1,
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
    };
    const dx = callWasmKernel(backend, 'Conv2D', { x: dy, filter: swapped }, convAttrs as unknown as tf.NamedAttrMap);
    release(backend, swapped);
    return dx;
  };
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
  };
}
