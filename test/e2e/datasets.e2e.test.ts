/**
 * Datasets in Chromium against `scorescope serve`: upload a folder of PNGs and an .npz made by
 * code, import the CIFAR-10 mini archive through the path field, browse one dataset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openApp, screenshot, type OpenApp } from './harness';
import { writePngFolder, writeSamplesNpz, type PngFolder } from './fixtures-datasets';
import { MINI } from '../native-data/fixtures';

describe('datasets view in Chromium against `scorescope serve`', () => {
  let app: OpenApp;
  let page: Page;
  let fixtures = '';
  let folder: PngFolder;
  let npz = '';

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'scorescope-e2e-data-'));
    folder = await writePngFolder(fixtures, 'shapes', { perClass: 30, seed: 5 });
    npz = join(fixtures, 'samples.npz');
    await writeSamplesNpz(npz, 48);
    app = await openApp('#/datasets');
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(fixtures, { recursive: true, force: true });
  });

  const card = (name: string) => page.locator(`[data-testid=dataset-list] [data-dataset="${name}"]`);

  async function confirmImport(): Promise<void> {
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('datasets-notice').waitFor({ timeout: 30_000 });
  }

  it('uploads a folder of PNGs (two class folders), shows what it holds, imports it', async () => {
    await page.getByTestId('dataset-folder-input').setInputFiles(folder.dir);
    const probe = page.getByTestId('dataset-probe');
    await probe.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('probe-format').textContent()).toMatch(/image files/);
    expect(await probe.textContent()).toMatch(/60 images .*2 classes: circles, squares/);
    expect(await page.getByTestId('import-name').inputValue()).toBe('shapes');
    await confirmImport();
    await card('shapes').waitFor();
    expect(await card('shapes').textContent()).toMatch(/60\s*train.*32 × 32 × 3 uint8.*2 classes/);
  });

  it('uploads a guided-diffusion .npz (arr_0 uint8 [N, 32, 32, 3]) and imports it', async () => {
    await page.getByTestId('dataset-file-input').setInputFiles(npz);
    await page.getByTestId('dataset-probe').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('probe-format').textContent()).toMatch(/NumPy archive/);
    expect(await page.getByTestId('dataset-probe').textContent()).toMatch(/\|u1 \(48, 32, 32, 3\) NHWC/);
    await page.getByTestId('dataset-probe').scrollIntoViewIfNeeded();
    await screenshot(page, 'datasets-probe');
    await confirmImport();
    await card('samples').waitFor();
    expect(await card('samples').textContent()).toMatch(/48\s*train.*unlabelled/);
  });

  it('a bad path fails with a message naming it, in the view and in the job tray', async () => {
    await page.getByTestId('dataset-path-input').fill('/nowhere/cifar.tar.gz');
    await page.getByTestId('dataset-inspect').click();
    await page.getByTestId('datasets-error').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('datasets-error').textContent()).toMatch(/\/nowhere\/cifar\.tar\.gz: no such file or folder/);
    expect(await page.locator('[data-job-kind="datasets.probe"][data-job-state=failed]').first().textContent()).toMatch(/no such file or folder/);
  });

  it('imports the CIFAR-10 mini archive through the path field: 1000 train / 200 test', async () => {
    await page.getByTestId('dataset-path-input').fill(MINI);
    await page.getByTestId('dataset-inspect').click();
    await page.getByTestId('dataset-probe').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('probe-count').allTextContents()).toEqual(['1,000', '200']);
    expect(await page.getByTestId('probe-format').textContent()).toMatch(/CIFAR-10, binary/);
    await confirmImport();
    await card('cifar10').waitFor();
    expect(await card('cifar10').getByTestId('split-count').allTextContents()).toEqual(['1,000', '200']);
  });

  it('lists every dataset with loaded thumbnails', async () => {
    const thumbs = page.getByTestId('dataset-thumbs');
    await expect.poll(() => thumbs.count()).toBe(3);
    await thumbs.first().scrollIntoViewIfNeeded();
    await expect.poll(() => thumbs.evaluateAll((imgs) => (imgs as HTMLImageElement[]).map((i) => i.complete && i.naturalWidth)), { timeout: 10_000 })
      .toEqual([16 * 40, 16 * 40, 16 * 40]);
    await screenshot(page, 'datasets-list');
  });

  it('opens CIFAR-10: virtualised grid, class histogram, hover label, class filter, enlarged item', async () => {
    await card('cifar10').click();
    await page.getByTestId('dataset-detail').waitFor();
    await page.locator('[data-testid=class-histogram] canvas').first().waitFor();
    await page.locator('[data-testid=channel-stats] canvas').first().waitFor();
    const cells = page.locator('[data-testid=image-grid] .cell');
    await expect.poll(() => cells.first().evaluate((el) => getComputedStyle(el).backgroundImage), { timeout: 10_000 }).toMatch(/^url\("blob:/);
    const rendered = await cells.count();
    expect(rendered).toBeGreaterThan(50);
    expect(rendered).toBeLessThan(1000); // only the rows in view exist
    await cells.first().hover();
    expect(await page.getByTestId('grid-hover').textContent()).toBe('#0 · frog'); // first CIFAR-10 training image
    await screenshot(page, 'datasets-cifar10');

    await page.getByTestId('class-filter').selectOption({ label: 'cat (92)' });
    await expect.poll(() => page.locator('.grid-head h2').textContent()).toMatch(/cat\s*92 images/);
    await cells.first().click();
    const big = page.locator('[data-testid=item-viewer] img');
    await expect.poll(() => big.evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth)).toBe(320);
    expect(await page.getByTestId('item-viewer').textContent()).toMatch(/· cat/);
    await page.keyboard.press('Escape');
    await page.getByTestId('item-viewer').waitFor({ state: 'detached' });
  });

  it('draws a synthetic Gaussian and shows it as a scatter', async () => {
    await page.getByTestId('dataset-back').click();
    await page.getByTestId('synth-name').fill('g2');
    await page.getByTestId('synth-create').click();
    await card('g2').waitFor({ timeout: 30_000 });
    expect(await card('g2').textContent()).toMatch(/N\(\(-5, 5\), 10 I\).*100\s*train.*2-D float32/);
    await card('g2').click();
    await page.locator('[data-testid=dataset-scatter] canvas').first().waitFor();
    expect(await page.getByTestId('dataset-scatter').textContent()).toMatch(/100 points/);
    await screenshot(page, 'datasets-gaussian');
  });

  it('renames and deletes with confirmation; the PNG dataset shows its own grid', async () => {
    await page.getByTestId('dataset-back').click();
    await card('shapes').click();
    await page.getByTestId('dataset-rename').click();
    await page.getByTestId('rename-input').fill('shapes-2');
    await page.getByTestId('rename-save').click();
    await expect.poll(() => page.getByTestId('dataset-title').textContent()).toBe('shapes-2');
    const cells = page.locator('[data-testid=image-grid] .cell');
    await expect.poll(() => cells.count()).toBe(60);
    await expect.poll(() => cells.last().evaluate((el) => getComputedStyle(el).backgroundImage)).toMatch(/^url\("blob:/);
    await page.getByTestId('dataset-delete').click();
    await page.getByTestId('delete-confirm-yes').click();
    await page.getByTestId('dataset-list').waitFor();
    await expect.poll(() => page.locator('[data-testid=dataset-list] [data-dataset]').count()).toBe(3);
    expect(app.pageErrors).toEqual([]);
  });
});
