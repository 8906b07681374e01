/**
 * Training a U-Net in the Lab, in Chromium against `scorescope serve`: on 16 images of 8×8×3 the
 * train card offers the U-Net presets, the live loss chart fills while the training runs, the new
 * network then appears in the model picker (labelled by its architecture and loss) and samples
 * images; a second training is cancelled from the card. Tiny sizes: the whole file takes well
 * under a minute on a 2-core CPU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openApp, screenshot, type OpenApp } from './harness';
import { writePngFolder } from './fixtures-datasets';
import { importDataset } from '../../electron/workspace/datasets';

/** The chart's point count and the training's state, read together (so "while training" is one observation). */
async function liveTraining(page: Page): Promise<{ points: number; state: string | null }> {
  return page.evaluate(() => {
    const chart = document.querySelector<HTMLElement>('[data-testid=a-loss-chart]');
    const live = document.querySelector<HTMLElement>('[data-testid=a-train-live]');
    return { points: Number(chart?.dataset['points'] ?? 0), state: live?.dataset['state'] ?? null };
  });
}

describe('training a U-Net in the Lab (Chromium against `scorescope serve`)', () => {
  let app: OpenApp;
  let page: Page;
  let fixtures = '';

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'scorescope-e2e-unet-'));
    // 3-level U-Nets halve the image twice: 8×8 is the smallest size they take
    const folder = await writePngFolder(fixtures, 'tiny8', { classes: ['warm', 'cool'], perClass: 8, size: 8, seed: 3 });
    app = await openApp('#/lab', async (served) => {
      await importDataset(served.workspace, folder.dir, { name: 'tiny8' });
    });
    page = app.page;
    await page.getByTestId('backend-badge').getByText('wasm').waitFor({ timeout: 30_000 });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(fixtures, { recursive: true, force: true });
  });

  it('offers the U-Net for images, with each preset\'s parameter count, and no network yet', async () => {
    await page.getByTestId('a-data').selectOption('tiny8:train');
    await page.getByTestId('a-score').selectOption('learned');
    expect(await page.getByTestId('a-train-network').textContent()).toBe('U-Net');
    const presets = await page.getByTestId('a-train-preset').locator('option').allTextContents();
    expect(presets).toEqual(['tiny · 0.25 M parameters', 'small · 1.0 M parameters', 'medium · 5.9 M parameters', 'large · 9.3 M parameters']);
    expect(await page.getByTestId('a-train-steps').getAttribute('placeholder')).toBe('2000');
    expect(await page.getByTestId('a-train-note').textContent()).toMatch(/DDPM-style U-Net.*EMA of the weights.*tiny ~28 images\/s, small ~10 images\/s/s);
    expect(await page.getByTestId('a-model').locator('option').first().textContent()).toBe('no U-Net trained on 8×8×3 images yet');
    expect(await page.getByTestId('a-run').isDisabled()).toBe(true);
  });

  it('trains a tiny U-Net, fills the loss chart while it runs, then lists and samples with it', async () => {
    await page.getByTestId('a-train-preset').selectOption('tiny');
    await page.getByTestId('a-train-steps').fill('24');
    await page.getByTestId('a-train-batch').fill('4');
    await page.getByTestId('a-train').click();

    // points arrive while the job still runs (chart and state read in one observation)
    let seen = await liveTraining(page);
    await expect.poll(async () => {
      seen = await liveTraining(page);
      return seen.points > 0 || (seen.state !== null && !['queued', 'running'].includes(seen.state));
    }, { timeout: 30_000, interval: 50 }).toBe(true);
    expect(seen.state).toBe('running');
    expect(seen.points).toBeGreaterThan(0);
    expect(await page.getByTestId('a-train-speed').textContent()).toMatch(/^[\d.,]+ images\/s$/);
    await page.getByTestId('a-loss-chart').locator('canvas').first().waitFor();
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await screenshot(page, 'lab-train-unet-live');

    // done: the network is selected, labelled by its architecture and final loss
    await expect.poll(() => page.getByTestId('a-model').inputValue(), { timeout: 60_000 }).toMatch(/train-score-[0-9a-f]{6}$/);
    expect(await page.getByTestId('a-model').locator('option:checked').textContent()).toMatch(/^U-Net 16 ch ×\[1,2,2\], 1 block\/level · loss \d[\d.]* · tiny8:train \(N=16\) · 24 steps · [0-9a-f]{6}$/);
    const after = await liveTraining(page);
    expect(after.state).toBe('done');
    expect(after.points).toBeGreaterThanOrEqual(seen.points);
    expect(await page.getByTestId('a-train-step').textContent()).toMatch(/^24 steps · loss \d/);

    await page.getByTestId('a-sampler').selectOption('ei');
    await page.getByTestId('a-n').fill('8');
    await page.getByTestId('a-steps').fill('20');
    await page.getByTestId('a-run').click();
    const grid = page.getByTestId('a-result').getByTestId('sample-grid');
    await grid.waitFor({ timeout: 30_000 });
    expect(await grid.locator('.card').count()).toBe(8);
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await screenshot(page, 'lab-train-unet-samples');
    expect(app.pageErrors).toEqual([]);
  });

  it('cancels a long training from the train card', async () => {
    await page.getByTestId('a-train-steps').fill('5000');
    await page.getByTestId('a-train').click();
    await expect.poll(async () => {
      const live = await liveTraining(page);
      return live.state === 'running' && live.points > 0;
    }, { timeout: 30_000, interval: 100 }).toBe(true);
    await expect.poll(() => page.getByTestId('a-train-eta').textContent(), { timeout: 10_000 }).toMatch(/left$/);
    await page.getByTestId('a-train-cancel').click();
    await expect.poll(async () => (await liveTraining(page)).state, { timeout: 15_000 }).toBe('cancelled');
    expect(await page.getByTestId('a-train-error').textContent()).toBe('cancelled');
    // the network of the first training stays the choice
    expect(await page.getByTestId('a-model').locator('option').count()).toBe(1);
    expect(app.pageErrors).toEqual([]);
  });

  it('offers memorisation vs N as a preset, on the workspace CIFAR-10 by default (none here: Run waits)', async () => {
    const card = page.getByTestId('preset-memorizationVsN');
    expect(await card.locator('h3').textContent()).toBe('Memorisation vs N');
    expect(await page.getByTestId('preset-memorizationVsN-data').locator('option').allTextContents()).toEqual(["the workspace's CIFAR-10 (train)", expect.stringMatching(/^tiny8:train/)]);
    expect(await page.getByTestId('preset-memorizationVsN-quick').isChecked()).toBe(true);
    expect(await page.getByTestId('run-preset-memorizationVsN').isDisabled()).toBe(true);
    await page.getByTestId('preset-memorizationVsN-data').selectOption('tiny8:train');
    expect(await page.getByTestId('run-preset-memorizationVsN').isDisabled()).toBe(false);
    expect(app.pageErrors).toEqual([]);
  });
});
