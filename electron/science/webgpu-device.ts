/// <reference types="@webgpu/types" />
/**
 * The WebGPU device behind tfjs's `webgpu` backend in Node (engine worker, CLI, browser host,
 * Electron's main side): Dawn's Node binding, the optional npm package `webgpu` (prebuilt for
 * linux/macOS/Windows x64 and arm64; Vulkan, Metal or D3D12 underneath). Without a GPU driver
 * there is no adapter; Mesa's lavapipe (Vulkan on the CPU, Mesa 25 or newer) is a software one.
 *
 * The automatic choice asks a child process first (probeWebGpuAdapter): a broken GPU driver can
 * take its process down, and Dawn and the Vulkan loader print straight to the process's stderr.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { enableSynchronousReads, installDawnPumpCapture } from './webgpu-readback';
import { routeWebGpuKernels } from './webgpu-kernels';

/** What status, the badge and run.json say about the adapter. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader, WARP): never chosen automatically. */
  software: boolean;
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render|\bwarp\b/i;

export const NO_ADAPTER_HELP =
  'no WebGPU adapter (Linux: install the GPU vendor\'s Vulkan driver, e.g. mesa-vulkan-drivers for AMD/Intel or the NVIDIA driver; ' +
  'Mesa 25+ lavapipe gives a software one)';

/** Software when the adapter says it is a fallback, its architecture is `software`, or its name is a known CPU rasteriser. */
export function isSoftwareAdapter(info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean }): boolean {
  return info.isFallbackAdapter === true || /software|cpu/i.test(info.architecture) || SOFTWARE_NAMES.test(`${info.vendor} ${info.device} ${info.description}`);
}

function factsOf(info: GPUAdapterInfo & { isFallbackAdapter?: boolean }): GpuAdapterInfo {
  const facts = { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' };
  return { ...facts, software: isSoftwareAdapter({ ...facts, isFallbackAdapter: info.isFallbackAdapter }) };
}

/** One line for status and run.json: `mesa software: llvmpipe: Mesa 25.0.7 (software adapter)`. */
export function describeAdapter(a: GpuAdapterInfo): string {
  const name = a.description || a.device || 'unnamed adapter';
  return `WebGPU (Dawn): ${[a.vendor, a.architecture].filter(Boolean).join(' ')}${a.vendor || a.architecture ? ', ' : ''}${name} (${a.software ? 'software adapter, runs on the CPU' : 'hardware GPU'})`;
}

/** Path of Dawn's binding, or an error saying the optional package is missing. */
function dawnEntry(): string {
  try {
    return createRequire(import.meta.url).resolve('webgpu');
  } catch {
    throw new Error('the optional package "webgpu" (Dawn\'s Node binding) is not installed');
  }
}

/**
 * The adapter Dawn would give this process, asked in a child process (its stderr discarded).
 * Throws with the reason when there is none.
 */
export function probeWebGpuAdapter(): GpuAdapterInfo {
  const key = driverKey();
  const cached = readProbeCache(key);
  if (cached && 'error' in cached) throw new Error(cached.error);
  if (cached) return cached.info;
  try {
    const info = probeInChild();
    writeProbeCache(key, { info });
    return info;
  } catch (e) {
    writeProbeCache(key, { error: (e as Error).message }); // no adapter (or a crashing driver) is an answer too
    throw e;
  }
}

type ProbeAnswer = { info: GpuAdapterInfo } | { error: string };

/**
 * The probe costs a child process (about 0.4 s) at every engine start; its answer only changes
 * with the driver, so it is kept for a day under a key of what could change it: Dawn's package,
 * Node, the OS release, the Vulkan loader's settings and the installed Vulkan drivers (Linux).
 */
const PROBE_CACHE_MS = 24 * 3600 * 1000;

function driverKey(): string {
  const dawn = dawnEntry();
  const parts = [dawn, process.version, process.platform, process.arch, release(), process.env['VK_ICD_FILENAMES'] ?? '', process.env['VK_DRIVER_FILES'] ?? ''];
  for (const dir of ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d']) {
    try {
      for (const f of readdirSync(dir).sort()) parts.push(`${f}:${statSync(join(dir, f)).mtimeMs}`);
    } catch {
      /* no such folder */
    }
  }
  parts.push(String(statSync(dawn).mtimeMs));
  return parts.join('|');
}

/** Where the probe's answer is kept (per user: the temporary folder may be shared). */
export function probeCacheFile(): string {
  return join(tmpdir(), `scorescope-webgpu-probe-${typeof process.getuid === 'function' ? process.getuid() : 'user'}.json`);
}

function readProbeCache(key: string): ProbeAnswer | null {
  try {
    const c = JSON.parse(readFileSync(probeCacheFile(), 'utf8')) as { key: string; at: number; answer: ProbeAnswer };
    return c.key === key && Date.now() - c.at < PROBE_CACHE_MS ? c.answer : null;
  } catch {
    return null;
  }
}

function writeProbeCache(key: string, answer: ProbeAnswer): void {
  try {
    const file = probeCacheFile();
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ key, at: Date.now(), answer }));
    renameSync(tmp, file);
  } catch {
    /* a cache only */
  }
}

function probeInChild(): GpuAdapterInfo {
  const url = pathToFileURL(dawnEntry()).href;
  const script = `
    const { create } = await import(${JSON.stringify(url)});
    const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
    const i = adapter?.info;
    process.stdout.write(JSON.stringify(i ? { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter } : null));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error) throw new Error(`WebGPU probe failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`WebGPU probe exited ${r.status ?? r.signal} (GPU driver crash?): ${r.stderr.trim().split('\n').pop() ?? ''}`);
  const info = JSON.parse(r.stdout || 'null') as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | null;
  if (!info) throw new Error(NO_ADAPTER_HELP);
  return factsOf(info);
}

let started: GpuAdapterInfo | undefined;

/** tfjs-backend-webgpu checks `navigator.gpu` (Node 21+ has a navigator without gpu; Node 20 none). */
function exposeNavigatorGpu(gpu: GPU): void {
  const scope = globalThis as unknown as { navigator?: { gpu?: GPU } };
  if (scope.navigator?.gpu) return;
  if (scope.navigator) {
    try {
      Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
      if (scope.navigator.gpu) return;
    } catch {
      /* frozen navigator: replace it below */
    }
  }
  Object.defineProperty(globalThis, 'navigator', { value: { ...scope.navigator, gpu }, configurable: true, writable: true });
}

/**
 * Opens Dawn in this process, makes a device on its preferred adapter and registers it as tfjs's
 * `webgpu` backend (with synchronous reads), then switches to it. Any adapter, software included:
 * the caller decides whether a software one is acceptable.
 */
export async function startWebGpuBackend(): Promise<GpuAdapterInfo> {
  if (started && tf.findBackend('webgpu')) {
    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to re-initialise');
    return started;
  }
  installDawnPumpCapture(); // before Dawn schedules its first event pump
  const dawn = (await import(/* @vite-ignore */ pathToFileURL(dawnEntry()).href)) as DawnModule;
  // tfjs-backend-webgpu refers to GPUBufferUsage, GPUMapMode, GPUTextureUsage ... as globals
  const scope = globalThis as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in scope)) scope[name] = value;
  const gpu = dawn.create([]);
  exposeNavigatorGpu(gpu);
  // GPUAdapter.info is newer than the @webgpu/types tfjs-core pins
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as (GPUAdapter & { info: GPUAdapterInfo }) | null;
  if (!adapter) throw new Error(NO_ADAPTER_HELP);
  const limits = adapter.limits;
  // the limits tfjs's own factory raises to the adapter's maxima (large buffers, big dispatches)
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      // tfjs's AddN binds one storage buffer per input; the default 8 fails for the many-term
      // gradient sums of a network (webgpu-kernels.ts also splits AddN to fit)
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    },
  });
  void device.lost.then((lost) => {
    if (lost.reason !== 'destroyed') console.error(`webgpu: device lost (${lost.message}); restart ScoreScope or use --backend wasm`);
  });
  // At load it registers its own factory (a second adapter request); ours replaces it, bound to
  // this device, so the adapter we report is the one that computes.
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // its kernels must land in the engine's tfjs-core (one CommonJS copy, as for the gradients in
  // tfjs-gradients.ts); a second copy would leave every op without a webgpu kernel
  if (!tf.getKernel('BatchMatMul', 'webgpu')) throw new Error('tfjs-backend-webgpu registered its kernels into another @tensorflow/tfjs-core copy; reinstall with npm ci');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info), 3);
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu failed to initialise on the Dawn device');
  enableSynchronousReads(tf.backend());
  routeWebGpuKernels(device.limits.maxStorageBuffersPerShaderStage);
  started = factsOf(adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean });
  return started;
}

/** GPU memory tfjs holds on the webgpu backend (bytes in live tensors, bytes allocated incl. its buffer pool). */
export function webGpuMemory(): { inUse: number; allocated: number } | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  return { inUse: m.numBytesInGPU ?? 0, allocated: m.numBytesAllocatedInGPU ?? m.numBytesInGPU ?? 0 };
}

let collectGarbage: (() => void) | undefined;
let callsSinceRelease = 0;

/**
 * Lets Dawn free what tfjs dropped, every `every` calls, on webgpu only (a no-op elsewhere): a
 * full GC, then one event-loop turn. Each dispatch makes a bind group whose native memory V8 does
 * not see, so V8 rarely collects its wrapper, and N-API runs the wrappers' finalizers only from
 * the event loop. Without this a loop of dispatches grows by MBs per step and Mesa's lavapipe
 * crashes allocating descriptor pools after a few hundred U-Net steps (measured: 3.7 MB per tiny
 * U-Net forward pass; with it, flat). Loops that can await (training steps) call it.
 */
export async function releaseWebGpuGarbage(every = 4): Promise<void> {
  if (!started || tf.getBackend() !== 'webgpu') return;
  if (++callsSinceRelease < every) return;
  callsSinceRelease = 0;
  if (!collectGarbage) {
    setFlagsFromString('--expose-gc');
    collectGarbage = runInNewContext('gc') as () => void;
  }
  collectGarbage();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
