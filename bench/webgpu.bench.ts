/**
 * WebGPU next to the CPU backends, in one process (tfjs switches backends; tensors are made per
 * backend): the kNN product Q @ Y^T at CIFAR size, one empirical-score evaluation (tfjs path,
 * B = 64, N = 2 000, D = 3 072), and MLP training steps (batch 256). Labelled with the adapter:
 * a software one (Mesa lavapipe) is the CPU again, through Vulkan. Without an adapter it prints
 * why and measures nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/science/backend';
import { describeAdapter, startWebGpuBackend, type GpuAdapterInfo } from '../electron/science/webgpu-device';
import { tfjsEmpiricalScore } from '../electron/science/scores/empirical';
import { createNoise } from '../electron/science/noise';
import { trainScore } from '../electron/science/training/train-score';

/** Best-of-`reps` wall time in seconds of an async step (reads its result, so the GPU has finished). */
async function bestOf(reps: number, f: () => Promise<void>): Promise<number> {
  await f(); // warm-up: shader compilation, buffer pools
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

async function figures(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const m = 256, n = 4096, d = 3072;
  const q = tf.randomUniform([m, d]);
  const y = tf.randomUniform([d, n]);
  const product = await bestOf(3, async () => {
    const p = tf.matMul(q, y);
    await p.data();
    p.dispose();
  });
  out['kNN product 256 x 4096 x 3072'] = `${product.toFixed(3)} s (${((2 * m * n * d) / product / 1e9).toFixed(1)} GFLOP/s)`;
  tf.dispose([q, y]);

  const N = 2000, B = 64;
  const values = (createNoise(1, 0).normal([N, d]).dataSync() as Float32Array).map((v) => Math.tanh(v));
  const score = tfjsEmpiricalScore({ values, rows: N, cols: d });
  const x = createNoise(2, 0).normal([B, d]) as tf.Tensor2D;
  const scoreTime = await bestOf(3, async () => {
    const s = score.at(0.5, x);
    await s.data();
    s.dispose();
  });
  out[`empirical score B=${B} N=${N} D=${d}`] = `${scoreTime.toFixed(3)} s per evaluation`;
  score.dispose();
  x.dispose();

  const points = createNoise(3, 0).normal([2000, 2]).dataSync() as Float32Array;
  const steps = 40;
  const t0 = performance.now();
  await trainScore({ values: points, rows: 2000, cols: 2 }, {
    architecture: { kind: 'mlp', dimension: 2, width: 64, depth: 3, frequencies: 4 },
    steps, batch: 256, lr: 2e-3, T: 5, tMin: 1e-3, seed: 0, warmup: 0, clip: Infinity, ema: 0, flips: false,
  });
  out['MLP training, batch 256'] = `${(steps / ((performance.now() - t0) / 1000)).toFixed(1)} steps/s`;
  return out;
}

export default async function run(): Promise<void> {
  await initBackend('wasm');
  const cpu = await figures();
  let adapter: GpuAdapterInfo;
  try {
    adapter = await startWebGpuBackend();
  } catch (e) {
    console.log(`webgpu: not measured (${e instanceof Error ? e.message : String(e)})`);
    for (const [k, v] of Object.entries(cpu)) console.log(`  wasm    ${k}: ${v}`);
    return;
  }
  const gpu = await figures();
  await tf.setBackend('wasm');
  const gpuLabel = `webgpu (${adapter.software ? 'SOFTWARE' : 'hardware'} adapter)`;
  console.log(describeAdapter(adapter));
  for (const [k, v] of Object.entries(cpu)) {
    console.log(`  ${k}\n    ${'wasm'.padEnd(gpuLabel.length)}  ${v}\n    ${gpuLabel}  ${gpu[k]}`);
  }
}
