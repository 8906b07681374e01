/**
 * U-Net training and sampling speed (networks/unet.ts, training/train-score.ts) on every backend
 * this process can start: the one the engine picks (tensorflow-gpu or tensorflow when their
 * bindings load), then wasm and cpu. Figures per backend: seconds per training step and training
 * images per second at batch 64 for the default preset (and the tiny one), the tensor memory at the
 * end of the forward pass, and seconds per EDM Heun sampler step (two U-Net evaluations) for 64
 * images (the cpu backend: one step of the tiny preset at batch 16, it is that slow). These are
 * rates, not convergence.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/science/backend';
import { TRAIN_SCORE_DEFAULTS, UNET_PRESETS, type UNetPreset } from '../electron/contract/training';
import { createNoise } from '../electron/science/noise';
import { describeArchitecture, parameterCount, type UNetArchitecture } from '../electron/science/networks';
import { UNET_FREQUENCIES } from '../electron/science/networks/unet';
import { learnedScore } from '../electron/science/scores/learned';
import { initialNetwork, trainScore } from '../electron/science/training/train-score';
import { sampleEdmHeun } from '../electron/science/samplers/edm';

const BATCH = 64;

function architecture(preset: UNetPreset): UNetArchitecture {
  const p = UNET_PRESETS[preset];
  return { kind: 'unet', imageShape: [32, 32, 3], channels: p.channels, channelMultipliers: [...p.channelMultipliers], resBlocks: p.resBlocks, attention: p.attention, frequencies: UNET_FREQUENCIES };
}

async function measure(backend: string, preset: UNetPreset, steps: number, batch = BATCH): Promise<void> {
  const a = architecture(preset);
  const data = { values: createNoise(1, 3).normalArray(256 * 3072).map(Math.tanh), rows: 256, cols: 3072 };
  const options = { architecture: a, steps: steps + 1, batch, lr: 1e-3, T: 5, tMin: 1e-3, seed: 0, warmup: 0, clip: 1, ema: 0.999, flips: true };
  const times: number[] = [];
  let last = performance.now();
  const trained = await trainScore(data, options, undefined, {
    onStep: () => {
      const now = performance.now();
      times.push((now - last) / 1000);
      last = now;
    },
  });
  // the first step includes kernel set-up: rate from the others (when there are others)
  const timed = times.length > 1 ? times.slice(1) : times;
  const perStep = timed.reduce((s, t) => s + t, 0) / timed.length;
  const score = learnedScore(trained.model);
  const x = createNoise(2, 0).normal([batch, 3072]) as tf.Tensor2D;
  const sigmas = [80, 40];
  const t0 = performance.now();
  const out = sampleEdmHeun(score, x, sigmas);
  out.dataSync();
  const perSamplerStep = (performance.now() - t0) / 1000 / (sigmas.length - 1);
  tf.dispose([x, out]);
  score.dispose();
  console.log(
    `  ${backend.padEnd(14)} ${preset.padEnd(6)} ${describeArchitecture(a)} (${(parameterCount(a) / 1e6).toFixed(2)} M): training ${perStep.toFixed(2)} s/step at batch ${batch}, `
    + `${(batch / perStep).toFixed(1)} images/s (${timed.length} timed step${timed.length > 1 ? 's' : ''}), tensors at the end of the forward pass ${(trained.peakTensorBytes / 1e6).toFixed(0)} MB; `
    + `EDM Heun step (2 evaluations, ${batch} images) ${perSamplerStep.toFixed(2)} s`,
  );
}

export default async function (): Promise<void> {
  const picked = await initBackend();
  console.log(`U-Net training; the engine picked ${picked.name} (${picked.device}); default preset ${TRAIN_SCORE_DEFAULTS.preset}`);
  const backends = [picked.tfBackend, ...['wasm', 'cpu'].filter((b) => b !== picked.tfBackend)];
  for (const b of backends) {
    if (b !== tf.getBackend()) {
      if (b === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend(b))) {
        console.log(`  ${b}: could not start`);
        continue;
      }
    }
    // plain-JS cpu kernels are about three orders slower (~150 s per step of the tiny preset at
    // batch 16 here): one step of it at batch 16, kernel set-up included
    if (b === 'cpu') await measure(b, 'tiny', 0, 16);
    else for (const preset of [TRAIN_SCORE_DEFAULTS.preset, 'tiny'] as UNetPreset[]) await measure(b === picked.tfBackend ? picked.name : b, preset, 3);
  }
  console.log(`  tensors left: ${tf.memory().numTensors}`);
}
