/**
 * Backend selection: tensorflow GPU > webgpu (hardware adapter) > tensorflow CPU > wasm (SIMD) > cpu,
 * after loading tfjs's gradient registry (tfjs-gradients.ts) so every backend can train.
 * webgpu (webgpu-device.ts) is Dawn's Node binding; a software adapter (lavapipe, SwiftShader,
 * WARP) is slower than wasm, so the automatic choice skips it and only `--backend webgpu` takes it.
 * The tensorflow bindings are optional dependencies (their install downloads libtensorflow),
 * so they are loaded with a guarded dynamic import and every skip is recorded with its reason.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nativeKernelInfo } from './native/kernels';
import { registerWasmTrainingKernels } from './tfjs-kernels';
import { registerGradients } from './tfjs-gradients';
import { describeAdapter, probeWebGpuAdapter, startWebGpuBackend, type GpuAdapterInfo } from './webgpu-device';

export type { GpuAdapterInfo } from './webgpu-device';

export const backendNames = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

export interface BackendInfo {
  /** Backend in use. */
  name: BackendName;
  /** The tfjs backend id (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  tfBackend: string;
  /** Why this one: the preference that asked for it, or the better ones that were skipped. */
  reason: string;
  skipped: { name: BackendName; why: string }[];
  /** A human description of the compute device. */
  device: string;
  /** The WebGPU adapter, on the webgpu backend. */
  adapter?: GpuAdapterInfo;
  /** The native CPU kernels the exact nearest-neighbour search uses, when built. */
  kernels: { available: boolean; kernel: string; threads: number; why?: string };
}

const resolveFromHere = createRequire(import.meta.url);

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.slice(0, 300);
}

/**
 * Folder holding the tfjs wasm binaries: next to the package in node_modules, or in
 * app.asar.unpacked when running from a packaged Electron app (asar cannot serve wasm to fs).
 */
export function wasmDirectory(): string {
  const candidates: string[] = [];
  if (process.env['SCORESCOPE_WASM_DIR']) candidates.push(process.env['SCORESCOPE_WASM_DIR']);
  try {
    const pkg = resolveFromHere.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    const dist = join(dirname(pkg), 'dist');
    candidates.push(dist.replace(`app.asar${'/'}`, `app.asar.unpacked/`), dist);
  } catch {
    /* not resolvable: fall through to the error below */
  }
  for (const dir of candidates) {
    if (existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm'))) return dir;
  }
  throw new Error(`tfjs wasm binaries not found (looked in: ${candidates.join(', ') || 'nothing resolvable'})`);
}

/** What starting a backend found: the device line, and the adapter on webgpu. */
interface Started {
  device: string;
  adapter?: GpuAdapterInfo;
}

async function tryTensorflow(gpu: boolean): Promise<string> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  // A variable specifier keeps bundlers from trying to resolve the optional package.
  const spec: string = pkg;
  // A half-installed binding registers its kernels before failing; silence that noise.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    await import(/* @vite-ignore */ spec);
  } finally {
    console.warn = warn;
  }
  const ok = await tf.setBackend('tensorflow');
  if (!ok) throw new Error(`${pkg} loaded but the tensorflow backend failed to initialise`);
  return gpu ? 'CUDA GPU via libtensorflow' : 'CPU via libtensorflow';
}

async function tryWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = wasmDirectory();
  wasm.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('the wasm backend failed to initialise');
  // wasm has no Conv2DBackpropFilter and a slow Conv2DBackpropInput: conv nets train only with these
  registerWasmTrainingKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `CPU via WebAssembly${simd ? ' SIMD' : ''}, single thread`;
}

async function tryCpu(): Promise<string> {
  await import('@tensorflow/tfjs-backend-cpu');
  const ok = await tf.setBackend('cpu');
  if (!ok) throw new Error('the cpu backend failed to initialise');
  return 'CPU, plain JavaScript';
}

/**
 * webgpu: forced, any adapter; automatic, a hardware one only (asked in a child process first,
 * so a machine with only a software adapter or a broken driver never opens Dawn in-process).
 */
async function tryWebGpu(forced: boolean): Promise<Started> {
  if (!forced) {
    const probed = probeWebGpuAdapter();
    if (probed.software) throw new Error(`only a software adapter (${probed.description || probed.device}), slower than wasm; force it with --backend webgpu`);
  }
  const adapter = await startWebGpuBackend();
  return { device: describeAdapter(adapter), adapter };
}

const device = (start: () => Promise<string>) => async (): Promise<Started> => ({ device: await start() });

const attempts: Record<BackendName, (forced: boolean) => Promise<Started>> = {
  'tensorflow-gpu': device(() => tryTensorflow(true)),
  webgpu: tryWebGpu,
  tensorflow: device(() => tryTensorflow(false)),
  wasm: device(tryWasm),
  cpu: device(tryCpu),
};

export function parseBackendName(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  const v = value === 'gpu' ? 'tensorflow-gpu' : value === 'node' ? 'tensorflow' : value;
  if ((backendNames as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(`unknown backend "${value}": expected one of auto, ${backendNames.join(', ')}`);
}

let current: Promise<BackendInfo> | undefined;

/**
 * Initialise the best backend available (or the one asked for), once per process/worker.
 * An explicit preference that fails is an error rather than a silent fallback.
 */
export function initBackend(preference?: BackendName): Promise<BackendInfo> {
  current ??= select(preference);
  return current;
}

async function select(preference?: BackendName): Promise<BackendInfo> {
  // autodiff (score-network training) on every backend
  registerGradients();
  if (preference) {
    try {
      const started = await attempts[preference](true);
      return { name: preference, tfBackend: tf.getBackend(), reason: 'requested', skipped: [], ...started, kernels: nativeKernelInfo() };
    } catch (e) {
      throw new Error(`backend "${preference}" was requested but is unavailable: ${message(e)}`);
    }
  }
  const skipped: BackendInfo['skipped'] = [];
  for (const name of backendNames) {
    try {
      const started = await attempts[name](false);
      const reason = skipped.length === 0
        ? 'best available'
        : `best available; skipped ${skipped.map((s) => `${s.name} (${s.why})`).join('; ')}`;
      return { name, tfBackend: tf.getBackend(), reason, skipped, ...started, kernels: nativeKernelInfo() };
    } catch (e) {
      skipped.push({ name, why: message(e) });
    }
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.why}`).join('; ')}`);
}
