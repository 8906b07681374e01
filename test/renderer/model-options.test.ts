/** The Lab's model picker: which trained networks fit a dataset, and how each is labelled. */
import { describe, expect, it } from 'vitest';
import { modelFits, modelOptionOf } from '../../renderer/src/stores/model-options';
import type { RunInfo } from '../../electron/contract';

function trainRun(id: string, summary: Record<string, unknown>, architecture?: Record<string, unknown>): RunInfo {
  return {
    id, kind: 'train-score', title: `Score network · ${id}`, created: '2025-01-01T00:00:00Z', params: {}, environment: {}, timings: {}, summary, files: ['weights.npz'],
    ...(architecture ? { details: { architecture } } : {}),
  };
}

const images8 = { kind: 'images' as const, itemShape: [8, 8, 3], dimension: 192 };
const images16 = { kind: 'images' as const, itemShape: [16, 16, 3], dimension: 768 };
const points2 = { kind: 'vectors' as const, itemShape: [2], dimension: 2 };

describe('modelOptionOf / modelFits', () => {
  const unet = modelOptionOf(trainRun('train-score-20250101-aaaaaa', { data: 'tiny8:train (N=16)', steps: 20, finalLoss: 0.91234, dimension: 192 }, {
    kind: 'unet', imageShape: [8, 8, 3], channels: 16, channelMultipliers: [1, 2, 2], resBlocks: 1, attention: false, name: 'U-Net 16 ch ×[1,2,2], 1 block/level',
  }))!;
  const mlp = modelOptionOf(trainRun('train-score-20250101-bbbbbb', { data: 'g2:train (N=100)', steps: 300, finalLoss: 0.25, dimension: 2 }, {
    kind: 'mlp', dimension: 2, width: 128, depth: 3, name: 'MLP 3×128',
  }))!;

  it('labels a network by its architecture and final loss', () => {
    expect(unet.label).toBe('U-Net 16 ch ×[1,2,2], 1 block/level · loss 0.912 · tiny8:train (N=16) · 20 steps · aaaaaa');
    expect(mlp.label).toMatch(/^MLP 3×128 · loss 0\.250 · g2:train \(N=100\) · 300 steps/);
  });

  it('fits a U-Net to images of its exact shape only, an MLP to items of its dimension', () => {
    expect(modelFits(unet, images8)).toBe(true);
    expect(modelFits(unet, images16)).toBe(false);
    expect(modelFits(unet, { kind: 'vectors', itemShape: [192], dimension: 192 })).toBe(false);
    expect(modelFits(mlp, points2)).toBe(true);
    expect(modelFits(mlp, images8)).toBe(false);
  });

  it('reads runs written before the U-Net (no kind, no name) as MLPs', () => {
    const old = modelOptionOf(trainRun('train-score-20240101-cccccc', { data: 'g2:train (N=100)', steps: 3000, finalLoss: 0.3, dimension: 2 }, { dimension: 2, width: 64, depth: 2, frequencies: 4 }))!;
    expect(old.input).toEqual({ kind: 'mlp', dimension: 2 });
    expect(old.name).toBe('MLP 2×64');
    expect(modelOptionOf(trainRun('train-score-x', { data: 'x' }))).toBeNull();
  });
});
