/**
 * The wasm training kernels (electron/science/tfjs-kernels): Conv2DBackpropFilter and the stride-1
 * Conv2DBackpropInput against the cpu backend's kernels and a float64 direct sum, over strides,
 * paddings, odd and even sizes, kernel sizes and batches; no leaked tensors or wasm buffers; and
 * tf.grad / tf.variableGrads of a conv loss on wasm.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tf.grad's gradient registry comes with the engine's backend set-up (electron/science/tfjs-gradients.ts)
import { initBackend } from '../../electron/science/backend';
import { originalWasmConv2DBackpropInput, registerWasmTrainingKernels } from '../../electron/science/tfjs-kernels';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  n: number; h: number; w: number; inC: number; outC: number; fh: number; fw: number;
  strides: [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'ceil' | 'round';
}

/** Deterministic uniform(-1, 1) values (mulberry32): cases must not change between runs. */
function values(size: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

function geometry(c: Case) {
  return tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.inC], [c.fh, c.fw, c.inC, c.outC], c.strides, 1, c.pad, c.dimRoundingMode);
}

function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

type Kernel = 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';

/** Runs one kernel on the current backend from plain arrays; checks nothing leaks. */
function runKernel(kernel: Kernel, c: Case, seed: number, attrs: Record<string, unknown> = {}): Float32Array {
  const info = geometry(c);
  const x = tf.tensor4d(values(c.n * c.h * c.w * c.inC, seed), [c.n, c.h, c.w, c.inC]);
  const dy = tf.tensor4d(values(tf.util.sizeFromShape(info.outShape), seed + 1), info.outShape);
  const w = tf.tensor4d(values(c.fh * c.fw * c.inC * c.outC, seed + 2), [c.fh, c.fw, c.inC, c.outC]);
  const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, ...attrs };
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.backend().numDataIds();
  const out = kernel === 'Conv2DBackpropFilter'
    ? tf.engine().runKernel(kernel, { x, dy }, { ...common, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor
    : tf.engine().runKernel(kernel, { dy, filter: w }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
  expect(out.shape).toEqual(kernel === 'Conv2DBackpropFilter' ? w.shape : x.shape);
  const data = out.dataSync() as Float32Array;
  out.dispose();
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  expect(tf.backend().numDataIds()).toBe(buffersBefore);
  tf.dispose([x, dy, w]);
  return data;
}

async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend('wasm');
  }
}

/** float64 direct sums of both gradients, with TF's padding written out independently of tfjs. */
function bruteForce(c: Case, pad: 'same' | 'valid', seed: number): { dw: Float64Array; dx: Float64Array } {
  const [sh, sw] = c.strides;
  const outH = pad === 'same' ? Math.ceil(c.h / sh) : Math.ceil((c.h - c.fh + 1) / sh);
  const outW = pad === 'same' ? Math.ceil(c.w / sw) : Math.ceil((c.w - c.fw + 1) / sw);
  const top = pad === 'same' ? Math.floor(Math.max((outH - 1) * sh + c.fh - c.h, 0) / 2) : 0;
  const left = pad === 'same' ? Math.floor(Math.max((outW - 1) * sw + c.fw - c.w, 0) / 2) : 0;
  const x = values(c.n * c.h * c.w * c.inC, seed);
  const dy = values(c.n * outH * outW * c.outC, seed + 1);
  const w = values(c.fh * c.fw * c.inC * c.outC, seed + 2);
  const dw = new Float64Array(w.length);
  const dx = new Float64Array(x.length);
  for (let n = 0; n < c.n; n++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) {
    for (let a = 0; a < c.fh; a++) for (let b = 0; b < c.fw; b++) {
      const r = i * sh - top + a;
      const q = j * sw - left + b;
      if (r < 0 || r >= c.h || q < 0 || q >= c.w) continue;
      for (let ci = 0; ci < c.inC; ci++) for (let o = 0; o < c.outC; o++) {
        const xi = ((n * c.h + r) * c.w + q) * c.inC + ci;
        const yi = ((n * outH + i) * outW + j) * c.outC + o;
        const wi = ((a * c.fw + b) * c.inC + ci) * c.outC + o;
        dw[wi]! += x[xi]! * dy[yi]!;
        dx[xi]! += w[wi]! * dy[yi]!;
      }
    }
  }
  return { dw, dx };
}

const explicit: Pad = [[0, 0], [1, 2], [0, 1], [0, 0]];
const cases: Case[] = [
  { n: 1, h: 5, w: 5, inC: 3, outC: 2, fh: 3, fw: 3, strides: [1, 1], pad: 'same' },
  { n: 3, h: 6, w: 7, inC: 2, outC: 4, fh: 3, fw: 3, strides: [1, 1], pad: 'valid' },
  { n: 2, h: 8, w: 8, inC: 3, outC: 3, fh: 3, fw: 3, strides: [2, 2], pad: 'same' },
  { n: 2, h: 7, w: 9, inC: 2, outC: 3, fh: 3, fw: 3, strides: [2, 2], pad: 'same' },
  { n: 2, h: 8, w: 9, inC: 2, outC: 2, fh: 3, fw: 5, strides: [2, 2], pad: 'valid' }, // crops a row
  { n: 1, h: 9, w: 6, inC: 4, outC: 2, fh: 5, fw: 5, strides: [1, 1], pad: 'same' },
  { n: 2, h: 6, w: 6, inC: 3, outC: 5, fh: 1, fw: 1, strides: [1, 1], pad: 'valid' },
  { n: 2, h: 7, w: 6, inC: 3, outC: 2, fh: 1, fw: 1, strides: [2, 2], pad: 'same' },
  { n: 3, h: 6, w: 7, inC: 2, outC: 3, fh: 3, fw: 3, strides: [1, 1], pad: explicit },
  { n: 1, h: 8, w: 7, inC: 2, outC: 3, fh: 3, fw: 3, strides: [2, 2], pad: explicit },
  { n: 2, h: 7, w: 8, inC: 3, outC: 2, fh: 5, fw: 3, strides: [1, 2], pad: 1 },
  { n: 2, h: 8, w: 8, inC: 2, outC: 2, fh: 3, fw: 3, strides: [2, 2], pad: 1, dimRoundingMode: 'ceil' },
  { n: 1, h: 6, w: 6, inC: 2, outC: 2, fh: 3, fw: 3, strides: [1, 1], pad: [[0, 0], [4, 0], [0, 3], [0, 0]] }, // falls back
];

/** Random cases on top of the fixed ones: sizes 4-9, batch 1-3, kernel 1/3/5, stride 1/2, any padding. */
function randomCases(count: number, seed: number): Case[] {
  const r = values(count * 9, seed).map((v) => (v + 1) / 2);
  const pick = <T>(k: number, options: readonly T[]): T => options[Math.min(options.length - 1, Math.floor(r[k]! * options.length))]!;
  const out: Case[] = [];
  for (let i = 0; i < count; i++) {
    const k = i * 9;
    const fh = pick(k, [1, 3, 5] as const);
    const s = pick(k + 1, [1, 2] as const);
    const pad = pick(k + 2, ['same', 'valid', 2, [[0, 0], [2, 1], [1, 0], [0, 0]]] as Pad[]);
    out.push({
      n: pick(k + 3, [1, 2, 3]), h: fh + pick(k + 4, [0, 1, 2, 3, 4]), w: fh + pick(k + 5, [0, 1, 2, 3, 4]),
      inC: pick(k + 6, [1, 2, 3, 4]), outC: pick(k + 7, [1, 2, 3, 4]), fh, fw: fh, strides: [s, s], pad,
    });
  }
  return out;
}

const label = (c: Case) => `N${c.n} ${c.h}x${c.w}x${c.inC}->${c.outC} k${c.fh}x${c.fw} s${c.strides.join('x')} pad ${JSON.stringify(c.pad)}${c.dimRoundingMode ? ` ${c.dimRoundingMode}` : ''}`;

beforeAll(async () => {
  await initBackend('wasm');
  await tf.setBackend('wasm');
});

describe('wasm training kernels', () => {
  it('are registered by the engine when it picks wasm, once, and only on wasm', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(originalWasmConv2DBackpropInput()).toBeDefined(); // wasm's own input gradient was overridden
    const input = tf.getKernel('Conv2DBackpropInput', 'wasm');
    expect(registerWasmTrainingKernels().registered).toEqual([]);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(input);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).not.toBe(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc);
  });

  const all = [...cases, ...randomCases(12, 7)];
  it.each(all.map((c, i) => [label(c), c, i] as const))('match the cpu kernels: %s', async (_, c, i) => {
    const seed = 100 + 10 * i;
    const dw = runKernel('Conv2DBackpropFilter', c, seed);
    const dx = runKernel('Conv2DBackpropInput', c, seed);
    const ref = await onCpu(() => ({ dw: runKernel('Conv2DBackpropFilter', c, seed), dx: runKernel('Conv2DBackpropInput', c, seed) }));
    expect(relativeError(dw, ref.dw)).toBeLessThanOrEqual(1e-4);
    expect(relativeError(dx, ref.dx)).toBeLessThanOrEqual(1e-4);
  });

  it('match a float64 direct sum', () => {
    for (const [c, pad] of [
      [{ n: 2, h: 7, w: 6, inC: 3, outC: 2, fh: 3, fw: 3, strides: [2, 2], pad: 'same' }, 'same'],
      [{ n: 2, h: 6, w: 7, inC: 2, outC: 3, fh: 5, fw: 3, strides: [1, 1], pad: 'valid' }, 'valid'],
    ] as const) {
      const want = bruteForce(c as Case, pad, 5);
      expect(relativeError(runKernel('Conv2DBackpropFilter', c as Case, 5), want.dw)).toBeLessThanOrEqual(1e-5);
      expect(relativeError(runKernel('Conv2DBackpropInput', c as Case, 5), want.dx)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('refuse NCHW and dilations clearly', () => {
    const c = cases[0]!;
    expect(() => runKernel('Conv2DBackpropFilter', c, 1, { dataFormat: 'NCHW' })).toThrow(/NCHW.*NHWC/);
    expect(() => runKernel('Conv2DBackpropFilter', c, 1, { dilations: 2 })).toThrow(/dilations 2 are not supported/);
  });

  it('keep the original input-gradient kernel as the fallback', () => {
    expect(originalWasmConv2DBackpropInput()?.kernelName).toBe('Conv2DBackpropInput');
    expect(originalWasmConv2DBackpropInput()).not.toBe(tf.getKernel('Conv2DBackpropInput', 'wasm'));
  });

  it('make tf.grad and tf.variableGrads of a conv loss work on wasm', async () => {
    expect(tf.getGradient('Conv2D')).toBeDefined();
    const loss = (backend: string) => {
      const x = tf.tensor4d(values(2 * 8 * 8 * 3, 11), [2, 8, 8, 3]);
      const w1 = tf.variable(tf.tensor4d(values(3 * 3 * 3 * 4, 12), [3, 3, 3, 4]), true, `w1-${backend}`);
      const w2 = tf.variable(tf.tensor4d(values(3 * 3 * 4 * 2, 13), [3, 3, 4, 2]), true, `w2-${backend}`);
      const before = tf.memory().numTensors;
      const f = () => tf.tidy(() => {
        const h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'));
        return tf.mean(tf.square(tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same'))) as tf.Scalar;
      });
      const { value, grads } = tf.variableGrads(f, [w1, w2]);
      const dx = tf.grad((z: tf.Tensor) => tf.sum(tf.conv2d(z as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'valid')))(x);
      const out = { loss: value.dataSync()[0]!, dw1: grads[w1.name]!.dataSync(), dw2: grads[w2.name]!.dataSync(), dx: dx.dataSync() };
      tf.dispose([value, dx, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w1, w2]);
      return out;
    };
    const wasm = loss('wasm');
    const cpu = await onCpu(() => loss('cpu'));
    expect(wasm.loss).toBeCloseTo(cpu.loss, 4);
    expect(relativeError(wasm.dw1, cpu.dw1)).toBeLessThanOrEqual(1e-4);
    expect(relativeError(wasm.dw2, cpu.dw2)).toBeLessThanOrEqual(1e-4);
    expect(relativeError(wasm.dx, cpu.dx)).toBeLessThanOrEqual(1e-4);
  });
});
