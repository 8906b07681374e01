import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendName, wasmDirectory } from '../../electron/science/backend';
import { readFileSync, rmSync } from 'node:fs';
import { isSoftwareAdapter, probeCacheFile, probeWebGpuAdapter } from '../../electron/science/webgpu-device';

describe('backend selection', () => {
  it('falls back past the missing tensorflow bindings to wasm and says why', async () => {
    const info = await initBackend();
    expect(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm']).toContain(info.name);
    if (info.name === 'wasm') {
      // webgpu is skipped too: no adapter, or only a software one (never chosen automatically)
      expect(info.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow']);
      expect(info.skipped[1]!.why).toMatch(/software adapter|no WebGPU adapter|not installed|probe/);
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
    expect(parseBackendName('webgpu')).toBe('webgpu');
    expect(parseBackendName('auto')).toBeUndefined();
    expect(() => parseBackendName('cuda')).toThrow(/unknown backend "cuda"/);
  });
});

describe('webgpu adapter classification', () => {
  it('calls CPU rasterisers and fallback adapters software, GPUs hardware', () => {
    const base = { vendor: '', architecture: '', device: '', description: '' };
    expect(isSoftwareAdapter({ ...base, vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7' })).toBe(true);
    expect(isSoftwareAdapter({ ...base, description: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ ...base, vendor: 'microsoft', description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ ...base, vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ ...base, vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060' })).toBe(false);
    expect(isSoftwareAdapter({ ...base, vendor: 'amd', architecture: 'rdna-2', description: 'AMD Radeon RX 6700 XT (RADV NAVI22)' })).toBe(false);
    expect(isSoftwareAdapter({ ...base, vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) Xe Graphics (TGL GT2)' })).toBe(false);
  });
});

describe('webgpu adapter probe cache', () => {
  it('keeps the child process answer for the same drivers, and asks again when the Vulkan settings change', async () => {
    const file = probeCacheFile();
    const answer = () => {
      try {
        return { info: probeWebGpuAdapter() };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    rmSync(file, { force: true });
    const first = answer();
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { key: string; answer: unknown };
    expect(cached.answer).toEqual(first);
    expect(answer()).toEqual(first); // from the cache file
    const before = process.env['VK_ICD_FILENAMES'];
    process.env['VK_ICD_FILENAMES'] = '/nonexistent/icd.json';
    try {
      const none = answer();
      expect(none).toHaveProperty('error'); // no driver: asked again, not the cached adapter
      expect((JSON.parse(readFileSync(file, 'utf8')) as { key: string }).key).not.toBe(cached.key);
    } finally {
      if (before === undefined) delete process.env['VK_ICD_FILENAMES'];
      else process.env['VK_ICD_FILENAMES'] = before;
      rmSync(file, { force: true });
    }
  }, 60_000);
});
