import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendName, wasmDirectory } from '../../electron/science/backend';

describe('backend selection', () => {
  it('falls back past the missing tensorflow bindings to wasm and says why', async () => {
    const info = await initBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(info.name);
    if (info.name === 'wasm') {
      expect(info.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
      expect(info.reason).toMatch(/skipped tensorflow-gpu/);
    }
    const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 4])).dataSync());
    expect(Array.from(y)).toEqual(new Array(8).fill(3));
  });
  it('finds the wasm binaries', () => {
    expect(wasmDirectory()).toMatch(/tfjs-backend-wasm/);
  });
  it('parses backend names', () => {
    expect(parseBackendName('gpu')).toBe('tensorflow-gpu');
    expect(parseBackendName('auto')).toBeUndefined();
    expect(() => parseBackendName('cuda')).toThrow(/unknown backend "cuda"/);
  });
});
