/** Stands in for the webgpu project where Dawn finds no adapter: one skipped test that says why, loudly. */
import { describe, it } from 'vitest';

const reason = process.env['WEBGPU_UNAVAILABLE'] ?? 'unknown reason';
console.warn(`WEBGPU TESTS SKIPPED: ${reason}`);

describe('webgpu backend', () => {
  it.skip(`SKIPPED, no WebGPU adapter: ${reason}`, () => undefined);
});
