/// <reference types="@webgpu/types" />
/**
 * Synchronous reads (dataSync) on tfjs's WebGPU backend in Node.
 *
 * tfjs-backend-webgpu's readSync draws through an OffscreenCanvas, which Node does not have, and
 * WebGPU itself only maps buffers asynchronously. The engine reads small tensors synchronously in
 * its inner loops (the streaming log-sum-exp's live-chunk test, the smoothed score's per-row
 * noise, samplers' outputs), so webgpu needs a synchronous read. Dawn's Node binding completes
 * mapAsync when its own event pump runs, a native callback it schedules with the global
 * setImmediate. We capture that callback (installDawnPumpCapture, before Dawn is loaded) and call
 * it in a loop until the staging buffer is mapped: no second thread, no re-entry into Node's event
 * loop, only Dawn's ProcessEvents.
 */
import * as tf from '@tensorflow/tfjs-core';

interface Scheduled {
  fn: (...args: unknown[]) => void;
  args: unknown[];
  handle: NodeJS.Immediate;
}

const dawnPumps = new Set<Scheduled>();
let captureInstalled = false;

/**
 * Dawn's pump is an anonymous N-API function: `[native code]`, no name, an own prototype. Bound
 * functions (also `[native code]`) are named `bound …` and have no prototype, so other code's
 * callbacks are never run early.
 */
function isDawnPump(fn: unknown): fn is (...args: unknown[]) => void {
  return typeof fn === 'function' && fn.name === '' && Object.hasOwn(fn, 'prototype') && Function.prototype.toString.call(fn).endsWith('[native code] }');
}

/** Wraps global setImmediate so native (Dawn) callbacks can also be run on demand. Idempotent. */
export function installDawnPumpCapture(): void {
  if (captureInstalled) return;
  captureInstalled = true;
  const original = globalThis.setImmediate;
  const wrapped = function setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): NodeJS.Immediate {
    if (!isDawnPump(fn)) return original(fn, ...args);
    const entry = { fn, args } as Scheduled;
    entry.handle = original(() => {
      dawnPumps.delete(entry);
      fn(...args);
    });
    dawnPumps.add(entry);
    return entry.handle;
  };
  globalThis.setImmediate = Object.assign(wrapped, original) as typeof globalThis.setImmediate;
}

/** Runs Dawn's pending event pumps until `done()` (or throws after `timeoutMs`). */
export function pumpDawnUntil(done: () => boolean, what: string, timeoutMs = 600_000): void {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error(`webgpu: ${what} did not complete in ${timeoutMs / 1000} s`);
    for (const entry of [...dawnPumps]) {
      dawnPumps.delete(entry);
      clearImmediate(entry.handle);
      entry.fn(...entry.args);
    }
  }
}

/** The parts of tfjs's WebGPUBackend this module touches (not in its public typings). */
interface WebGpuBackendInternals {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { values: tf.backend_util.BackendValues | null; dtype: tf.DataType; resource: GPUBuffer | null; complexTensorInfos?: unknown } };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer; releaseBuffer(buffer: GPUBuffer): void };
  commandEncoder: GPUCommandEncoder;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
  readSync(dataId: object): tf.backend_util.BackendValues;
}

/** Replaces the backend's canvas-based readSync with a staging-buffer copy mapped by pumping Dawn. */
export function enableSynchronousReads(backend: tf.KernelBackend): void {
  const b = backend as unknown as WebGpuBackendInternals;
  const canvasReadSync = b.readSync.bind(b);
  b.readSync = (dataId: object) => {
    const data = b.tensorMap.get(dataId);
    if (data.values != null || data.dtype === 'string' || data.dtype === 'complex64' || !data.resource) return canvasReadSync(dataId);
    const size = data.resource.size;
    const staging = b.bufferManager.acquireBuffer(size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    b.ensureCommandEncoderReady();
    b.endComputePassEncoder();
    b.commandEncoder.copyBufferToBuffer(data.resource, 0, staging, 0, size);
    b.submitQueue();
    let failure: unknown;
    let mapped = false;
    staging.mapAsync(GPUMapMode.READ).then(
      () => (mapped = true),
      (e: unknown) => (failure = e ?? new Error('mapAsync failed')),
    );
    // the promise settles in a microtask after Dawn's callback; mapState flips in the callback itself
    pumpDawnUntil(() => staging.mapState === 'mapped' || mapped || failure !== undefined, 'a synchronous read');
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    b.bufferManager.releaseBuffer(staging);
    const values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype);
    return b.convertAndCacheOnCPU(dataId, values);
  };
}
