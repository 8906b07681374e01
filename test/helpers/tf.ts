/**
 * Test set-up: the wasm backend (what this machine's app uses), or cpu / webgpu with TEST_BACKEND
 * (the vitest project `webgpu` sets TEST_BACKEND=webgpu on the software adapter).
 */
import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../electron/science/backend';

export async function useTestBackend(): Promise<typeof tf> {
  const asked = process.env['TEST_BACKEND'];
  const wanted = asked === 'cpu' || asked === 'webgpu' ? asked : 'wasm';
  await initBackend(wanted);
  return tf;
}

/**
 * `it`, except in the webgpu project, where the test is not registered (so CI counts no skip) and
 * a line says which and why: a few tests are too slow or too memory-hungry on the software adapter.
 */
export function itOffWebGpu(
  name: string,
  why: string,
  fn: () => unknown,
  timeout?: number,
  base: (name: string, fn: () => unknown, timeout?: number) => void = it,
): void {
  if (process.env['TEST_BACKEND'] === 'webgpu') {
    console.log(`[webgpu project] not run on the software adapter: "${name}": ${why}`);
    return;
  }
  base(name, fn, timeout);
}
