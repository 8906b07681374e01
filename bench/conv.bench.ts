/**
 * Convolution training kernels on wasm (electron/science/tfjs-kernels): GFLOP/s of a 3x3, 64->64
 * convolution at 32x32, batch 16, stride 1, 'same': the forward pass, the filter gradient (the
 * transposed forward convolution wasm otherwise lacks) and the input gradient (wasm's own direct
 * loop and the flipped-filter forward convolution). Each pass counts 2 N H W fh fw inC outC flops;
 * figures are the median of 3 timed runs after one warm-up.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/science/backend';
import { originalWasmConv2DBackpropInput, registerWasmTrainingKernels } from '../electron/science/tfjs-kernels';

const [N, H, W, C, K] = [16, 32, 32, 64, 3];
const flops = 2 * N * H * W * K * K * C * C;

/** Seconds of `run` (which frees its own output: wasm kernels finish before returning). */
function median3(run: () => void): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    run();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[1]!;
}

export default async function (): Promise<void> {
  const info = await initBackend('wasm');
  registerWasmTrainingKernels();
  console.log(`conv ${K}x${K}, ${C}->${C}, ${H}x${W}, batch ${N}, stride 1, 'same' on ${info.name} (${info.device}); ${(flops / 1e9).toFixed(2)} GFLOP per pass`);
  const x = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([K, K, C, C], 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 3) as tf.Tensor4D;
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const viaEngine = (name: string, inputs: tf.NamedTensorMap, a: object) => () => {
    (tf.engine().runKernel(name, inputs, a as tf.NamedAttrMap) as tf.Tensor).dispose();
  };
  const original = originalWasmConv2DBackpropInput();
  const rows: [string, () => void][] = [
    ['forward Conv2D (wasm, XNNPACK)', viaEngine('Conv2D', { x, filter: w }, attrs)],
    ['filter gradient (transposed forward conv)', viaEngine('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape })],
    ['input gradient (flipped-filter forward conv)', viaEngine('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape })],
  ];
  if (original) {
    // Called directly: the registered kernel is now the override.
    rows.push(['input gradient (wasm\'s own kernel)', () => {
      const out = original.kernelFunc({
        inputs: { dy, filter: w }, backend: tf.backend(), attrs: { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap,
      }) as tf.TensorInfo;
      tf.backend().disposeData(out.dataId);
    }]);
  }
  for (const [name, run] of rows) {
    const seconds = median3(run);
    console.log(`  ${name.padEnd(46)} ${(seconds * 1000).toFixed(1).padStart(7)} ms  ${(flops / seconds / 1e9).toFixed(2).padStart(6)} GFLOP/s`);
  }
  tf.dispose([x, w, dy]);
  console.log(`  tensors left: ${tf.memory().numTensors}`);
}
