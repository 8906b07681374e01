/** Test set-up: the wasm backend (what this machine's app uses), or cpu with TEST_BACKEND=cpu. */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../electron/science/backend';

export async function useTestBackend(): Promise<typeof tf> {
  const wanted = process.env['TEST_BACKEND'] === 'cpu' ? 'cpu' : 'wasm';
  await initBackend(wanted);
  return tf;
}
