/**
 * Test set-up: the wasm backend (what this machine's app uses), or cpu / webgpu with TEST_BACKEND
 * (the vitest project `webgpu` sets TEST_BACKEND=webgpu on the software adapter).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../electron/science/backend';

export async function useTestBackend(): Promise<typeof tf> {
  const asked = process.env['TEST_BACKEND'];
  const wanted = asked === 'cpu' || asked === 'webgpu' ? asked : 'wasm';
  await initBackend(wanted);
  return tf;
}
