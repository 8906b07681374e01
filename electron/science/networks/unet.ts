/**
 * A U-Net noise predictor eps_theta(x, t) for H x W x C images (DDPM's design, Ho et al. 2020, at
 * laptop sizes), in plain tfjs-core ops so tfjs's autodiff trains it on every backend:
 *
 *   time      f(t) (time-features.ts) -> dense(E) -> SiLU -> dense(E) = e,   E = 4 x channels
 *   resblock  h = conv3x3(SiLU(GN(x))) + dense(SiLU(e));  h = conv3x3(SiLU(GN(h)));  x' = skip(x) + h
 *             (skip a 1x1 conv when the width changes; the second conv starts at zero, so each
 *             block starts as the identity)
 *   down      per level: resBlocks resblocks at channels x multiplier, then 2x2 average pooling
 *   middle    resblock, [self-attention over the H/2^(L-1) x W/2^(L-1) positions], resblock
 *   up        per level: resBlocks + 1 resblocks on [h, skip] (every down activation is a skip),
 *             then nearest 2x upsampling and a 3x3 conv
 *   out       conv3x3(SiLU(GN(h))), starting at zero (eps = 0, loss 1 per dimension, at step 0)
 *
 * GN is group normalisation (groups of >= 4 channels, at most 32 groups). Down- and upsampling are
 * reshapes and means (no strided convolutions), so every gradient is a stride-1 convolution, which
 * the wasm training kernels (tfjs-kernels/) make fast. Tensors are NHWC; inputs and outputs are
 * rows of H*W*C values in that order (the engine's image rows).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParameterSpec } from './parameters';
import type { Preconditioning } from './preconditioning';
import { silu } from './mlp';
import { timeFeatureCount } from './time-features';

export interface UNetArchitecture {
  kind: 'unet';
  /** [H, W, C] of the images. */
  imageShape: [number, number, number];
  /** Channels of the first level. */
  channels: number;
  /** Channels of level i = channels x channelMultipliers[i]; the length is the number of levels. */
  channelMultipliers: number[];
  /** Residual blocks per level on the way down (one more on the way up). */
  resBlocks: number;
  /** Self-attention between the two middle blocks (lowest resolution). */
  attention: boolean;
  /** Sinusoidal time features (time-features.ts). */
  frequencies: number;
  /** How the output relates to the score (absent: noise prediction; the app trains with EDM's). */
  preconditioning?: Preconditioning;
}

export const UNET_FREQUENCIES = 6;

/** Group-normalisation groups for c channels: at most 32, at least 4 channels per group. */
export function groupsFor(c: number): number {
  for (const g of [32, 16, 8, 4, 2]) if (c % g === 0 && c / g >= 4) return g;
  return 1;
}

export function checkUNetArchitecture(a: UNetArchitecture): void {
  const int = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  const [H, W, C] = a.imageShape;
  if (!int(H, 1, 1024) || !int(W, 1, 1024) || !int(C, 1, 16)) throw new Error(`U-Net: image shape must be H x W x C with H, W in 1..1024 and C in 1..16, got ${a.imageShape.join('x')}`);
  if (!int(a.channels, 1, 512)) throw new Error(`U-Net: channels must be an integer in 1..512, got ${a.channels}`);
  const L = a.channelMultipliers.length;
  if (L < 1 || L > 6 || !a.channelMultipliers.every((m) => int(m, 1, 16))) {
    throw new Error(`U-Net: channel multipliers must be 1..6 integers in 1..16, got [${a.channelMultipliers.join(', ')}]`);
  }
  const factor = 2 ** (L - 1);
  if (H % factor !== 0 || W % factor !== 0) {
    throw new Error(`U-Net: ${L} levels halve the image ${L - 1} times, so H and W must be multiples of ${factor}; got ${H}x${W} (use fewer channel multipliers)`);
  }
  if (!int(a.resBlocks, 1, 8)) throw new Error(`U-Net: resBlocks must be an integer in 1..8, got ${a.resBlocks}`);
  if (!int(a.frequencies, 0, 16)) throw new Error(`U-Net: frequencies must be an integer in 0..16, got ${a.frequencies}`);
}

/** Width of the noise-level embedding. */
export const embeddingWidth = (a: UNetArchitecture): number => 4 * a.channels;

/** One pass over the network's structure, shared by the layout and the forward pass. */
interface Structure {
  resblock(name: string, cin: number, cout: number): void;
  attention(name: string, c: number): void;
  down(): void;
  up(name: string, c: number): void;
  concatSkip(): number;
  pushSkip(c: number): void;
}

function walk(a: UNetArchitecture, s: Structure): void {
  const widths = a.channelMultipliers.map((m) => m * a.channels);
  const L = widths.length;
  let c = a.channels;
  s.pushSkip(c);
  for (let i = 0; i < L; i++) {
    for (let r = 0; r < a.resBlocks; r++) {
      s.resblock(`down${i}_${r}`, c, widths[i]!);
      c = widths[i]!;
      s.pushSkip(c);
    }
    if (i < L - 1) {
      s.down();
      s.pushSkip(c);
    }
  }
  s.resblock('mid0', c, c);
  if (a.attention) s.attention('mid_attn', c);
  s.resblock('mid1', c, c);
  for (let i = L - 1; i >= 0; i--) {
    for (let r = 0; r <= a.resBlocks; r++) {
      const skip = s.concatSkip();
      s.resblock(`up${i}_${r}`, c + skip, widths[i]!);
      c = widths[i]!;
    }
    if (i > 0) s.up(`up${i}_upsample`, c);
  }
}

export function unetLayout(a: UNetArchitecture): ParameterSpec[] {
  checkUNetArchitecture(a);
  const C = a.imageShape[2];
  const E = embeddingWidth(a);
  const F = timeFeatureCount(a.frequencies);
  const out: ParameterSpec[] = [];
  const normal = (fanIn: number, fanOut: number, gain = 1) => ({ kind: 'normal' as const, fanIn, fanOut, gain });
  const zeros = { kind: 'zeros' as const };
  const ones = { kind: 'ones' as const };
  const conv = (name: string, k: number, cin: number, cout: number, zeroStart = false) => {
    out.push({ name: `${name}_kernel`, shape: [k, k, cin, cout], init: zeroStart ? zeros : normal(k * k * cin, k * k * cout) });
    out.push({ name: `${name}_bias`, shape: [cout], init: zeros });
  };
  const dense = (name: string, cin: number, cout: number, zeroStart = false) => {
    out.push({ name: `${name}_kernel`, shape: [cin, cout], init: zeroStart ? zeros : normal(cin, cout) });
    out.push({ name: `${name}_bias`, shape: [cout], init: zeros });
  };
  const norm = (name: string, c: number) => {
    out.push({ name: `${name}_scale`, shape: [c], init: ones });
    out.push({ name: `${name}_offset`, shape: [c], init: zeros });
  };
  dense('emb_dense0', F, E);
  dense('emb_dense1', E, E);
  conv('in_conv', 3, C, a.channels);
  const skips: number[] = [];
  walk(a, {
    resblock(name, cin, cout) {
      norm(`${name}_norm0`, cin);
      conv(`${name}_conv0`, 3, cin, cout);
      dense(`${name}_emb`, E, cout);
      norm(`${name}_norm1`, cout);
      conv(`${name}_conv1`, 3, cout, cout, true);
      if (cin !== cout) conv(`${name}_skip`, 1, cin, cout);
    },
    attention(name, c) {
      norm(`${name}_norm`, c);
      dense(`${name}_qkv`, c, 3 * c);
      dense(`${name}_out`, c, c, true);
    },
    down() {},
    up(name, c) {
      conv(`${name}_conv`, 3, c, c);
    },
    concatSkip: () => skips.pop()!,
    pushSkip: (c) => void skips.push(c),
  });
  norm('out_norm', a.channels);
  conv('out_conv', 3, a.channels, C, true);
  return out;
}

function groupNorm(x: tf.Tensor4D, scale: tf.Tensor, offset: tf.Tensor): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const G = groupsFor(C);
  const grouped = tf.reshape(x, [B, H * W, G, C / G]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normalised = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(tf.reshape(normalised, [B, H, W, C]), scale), offset) as tf.Tensor4D;
}

/** 2 x 2 average pooling as reshapes and means of rank <= 4 (their gradients exist on every backend). */
function averagePool2(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const rows = tf.mean(tf.reshape(x, [B * (H / 2), 2, W, C]), 1);
  const both = tf.mean(tf.reshape(rows, [B * (H / 2), W / 2, 2, C]), 2);
  return tf.reshape(both, [B, H / 2, W / 2, C]);
}

/** Nearest-neighbour 2x upsampling as broadcasts of rank <= 4. */
function upsampleNearest2(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const cols = tf.add(tf.reshape(x, [B * H, W, 1, C]), tf.zeros([1, 1, 2, 1]));
  const rows = tf.add(tf.reshape(cols, [B * H, 1, 2 * W * C]), tf.zeros([1, 2, 1]));
  return tf.reshape(rows, [B, 2 * H, 2 * W, C]);
}

/**
 * eps for rows x [B, H*W*C] at time features [B, F] or [1, F]; `p` gives a parameter by name.
 * Call inside tf.tidy (intermediates are not disposed here).
 */
export function unetForward(a: UNetArchitecture, p: (name: string) => tf.Tensor, x: tf.Tensor2D, features: tf.Tensor2D): tf.Tensor2D {
  const [H, W, C] = a.imageShape;
  const B = x.shape[0];
  const conv = (name: string, h: tf.Tensor4D) => tf.add(tf.conv2d(h, p(`${name}_kernel`) as tf.Tensor4D, 1, 'same'), p(`${name}_bias`)) as tf.Tensor4D;
  const dense = (name: string, h: tf.Tensor2D) => tf.add(tf.matMul(h, p(`${name}_kernel`) as tf.Tensor2D), p(`${name}_bias`)) as tf.Tensor2D;
  const norm = (name: string, h: tf.Tensor4D) => groupNorm(h, p(`${name}_scale`), p(`${name}_offset`));
  const e = silu(dense('emb_dense1', silu(dense('emb_dense0', features)) as tf.Tensor2D)) as tf.Tensor2D;
  let h = conv('in_conv', tf.reshape(x, [B, H, W, C]));
  const skips: tf.Tensor4D[] = [];
  walk(a, {
    resblock(name, cin, cout) {
      let r = conv(`${name}_conv0`, silu(norm(`${name}_norm0`, h)) as tf.Tensor4D);
      r = tf.add(r, tf.reshape(dense(`${name}_emb`, e), [-1, 1, 1, cout])) as tf.Tensor4D;
      r = conv(`${name}_conv1`, silu(norm(`${name}_norm1`, r)) as tf.Tensor4D);
      h = tf.add(cin !== cout ? conv(`${name}_skip`, h) : h, r) as tf.Tensor4D;
    },
    attention(name, c) {
      const [b, hh, ww] = h.shape;
      const n = hh * ww;
      const qkv = tf.reshape(dense(`${name}_qkv`, tf.reshape(norm(`${name}_norm`, h), [b * n, c])), [b, n, 3 * c]);
      const [q, k, v] = tf.split(qkv, 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(c)));
      const o = dense(`${name}_out`, tf.reshape(tf.matMul(weights, v), [b * n, c]));
      h = tf.add(h, tf.reshape(o, [b, hh, ww, c])) as tf.Tensor4D;
    },
    down() {
      h = averagePool2(h);
    },
    up(name) {
      h = conv(`${name}_conv`, upsampleNearest2(h));
    },
    concatSkip() {
      const s = skips.pop()!;
      h = tf.concat([h, s], 3);
      return s.shape[3];
    },
    pushSkip() {
      skips.push(h);
    },
  });
  const out = conv('out_conv', silu(norm('out_norm', h)) as tf.Tensor4D);
  return tf.reshape(out, [B, H * W * C]);
}
