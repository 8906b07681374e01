/**
 * Conv2DBackpropFilter for the wasm backend, which has none (so conv nets cannot train there).
 *
 *   dW[a, b, c, o] = sum_{n,i,j} x[n, i*s - top + a, j*s - left + b, c] * dy[n, i, j, o]
 *
 * is a forward convolution with the batch as the reduction axis: input xT = x^T [inC, H, W, N],
 * filter dyT = [outH, outW, N, outC], stride 1, dilation s, padding top above and
 * bottom = fh + (outH-1) s - H - top below, so the output is exactly [inC, fh, fw, outC]; then
 * transposed to [fh, fw, inC, outC]. XNNPACK runs this several times faster than a direct loop.
 * A negative bottom (rows of x no output reads, as in 'valid' with a stride that does not divide
 * H - fh) becomes a crop of xT, since convolutions cannot pad negatively.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertNhwcUndilated, callWasmKernel, release } from './wasm-kernel-call';

type Shape4 = [number, number, number, number];

/** Padding of the transposed forward convolution along one spatial axis; negative after = crop. */
export function filterGradPadding(inSize: number, filterSize: number, outSize: number, stride: number, before: number): [number, number] {
  return [before, filterSize + (outSize - 1) * stride - inSize - before];
}

function conv2DBackpropFilterWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs & { dilations?: number | number[] };
  assertNhwcUndilated('Conv2DBackpropFilter', attrs);
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const expected = [batchSize, outHeight, outWidth, outChannels];
  if (dy.shape.length !== 4 || dy.shape.some((v, i) => v !== expected[i])) {
    throw new Error(`Conv2DBackpropFilter (wasm): dy has shape [${dy.shape}], expected [${expected}]`);
  }
  const [top, bottom] = filterGradPadding(inHeight, filterHeight, outHeight, info.strideHeight, info.padInfo.top);
  const [left, right] = filterGradPadding(inWidth, filterWidth, outWidth, info.strideWidth, info.padInfo.left);
  const rows = inHeight + Math.min(bottom, 0);
  const cols = inWidth + Math.min(right, 0);
  const outShape = [filterHeight, filterWidth, inChannels, outChannels];
  if (rows <= 0 || cols <= 0 || batchSize * outHeight * outWidth === 0) {
    // Every tap reads padding only (or there is nothing to reduce): the gradient is zero.
    return { dataId: backend.write(new Float32Array(tf.util.sizeFromShape(outShape)), outShape, 'float32'), shape: outShape, dtype: 'float32' };
  }

  const xT = callWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  let input = xT;
  if (rows < inHeight || cols < inWidth) {
    input = callWasmKernel(backend, 'Slice', { x: xT }, { begin: [0, 0, 0, 0], size: [inChannels, rows, cols, batchSize] });
    release(backend, xT);
  }
  const dyT = callWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const convAttrs: tf.Conv2DAttrs = {
    strides: 1,
    dilations: [info.strideHeight, info.strideWidth],
    pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    dataFormat: 'NHWC',
  };
  const dwT = callWasmKernel(backend, 'Conv2D', { x: input, filter: dyT }, convAttrs as unknown as tf.NamedAttrMap);
  release(backend, input, dyT);
  const dw = callWasmKernel(backend, 'Transpose', { x: dwT }, { perm: [1, 2, 0, 3] });
  release(backend, dwT);
  return dw;
}

export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
};
