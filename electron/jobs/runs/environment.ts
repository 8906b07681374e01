/**
 * Where and with what a run was computed, for run.json: the backend the engine chose (and why),
 * its device, and the versions of the app, tfjs and the runtime. Results depend on all of them
 * (float32 kernels differ between backends), so a run records them next to its parameters; on webgpu
 * also the adapter (a software one is the CPU in disguise) and the GPU memory in use.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type GpuAdapterInfo } from '../../science/backend';
import { webGpuMemory } from '../../science/webgpu-device';
import pkg from '../../../package.json';

export interface RunEnvironment extends Record<string, unknown> {
  backend: string;
  tfBackend: string;
  device: string;
  backendReason: string;
  /** The WebGPU adapter (vendor, architecture, software or hardware) on the webgpu backend, else null. */
  adapter: GpuAdapterInfo | null;
  /** GPU memory tfjs holds when the run is recorded (bytes in live tensors; allocated incl. its buffer pool), webgpu only. */
  gpuMemory: { inUse: number; allocated: number } | null;
  /** Native kNN kernels (or tfjs) used for nearest-neighbour searches. */
  kernels: string;
  versions: { app: string; tfjs: string; node: string; electron: string | null };
  platform: string;
}

export async function runEnvironment(): Promise<RunEnvironment> {
  // initBackend returns the cached choice of this worker (it was initialised before any job ran)
  const b = await initBackend();
  return {
    backend: b.name,
    tfBackend: tf.getBackend(),
    device: b.device,
    backendReason: b.reason,
    adapter: b.adapter ?? null,
    gpuMemory: webGpuMemory() ?? null,
    kernels: b.kernels.available ? `${b.kernels.kernel} x${b.kernels.threads}` : 'tfjs',
    versions: {
      app: pkg.version,
      tfjs: tf.version_core,
      node: process.versions.node,
      electron: process.versions['electron'] ?? null,
    },
    platform: `${process.platform}-${process.arch}`,
  };
}
