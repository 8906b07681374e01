/**
 * The Lab and the Runs view in Chromium against `scorescope serve`: the 2-D Gaussian preset shows
 * its scatter and memorised fractions; a sampling run with the delta slider moved lands in the Runs
 * list with its parameters; image runs show samples next to their nearest training images.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openApp, screenshot, type OpenApp } from './harness';
import { importDataset, synthDataset } from '../../electron/workspace/datasets';

import { CIFAR_MINI as MINI } from '../helpers/shared-data';

describe('Lab and Runs in Chromium against `scorescope serve`', () => {
  let app: OpenApp;
  let page: Page;

  beforeAll(async () => {
    // datasets straight into the served workspace (the server reads it on every list)
    app = await openApp('#/lab', async (served) => {
      await synthDataset(served.workspace, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
      if (existsSync(MINI)) await importDataset(served.workspace, MINI, { name: 'cifar-mini' });
    });
    page = app.page;
    await page.getByTestId('backend-badge').getByText('wasm').waitFor({ timeout: 30_000 });
  });
  afterAll(() => app?.close());

  it('runs the 2-D Gaussian preset and shows both scatters with their memorised fractions', async () => {
    await page.getByTestId('preset-gaussian2d-steps').fill('400');
    await page.getByTestId('run-preset-gaussian2d').click();
    const result = page.getByTestId('preset-gaussian2d-result');
    await result.locator('canvas').first().waitFor({ timeout: 60_000 });
    expect(await result.locator('canvas').count()).toBeGreaterThanOrEqual(2);
    const empirical = parseFloat((await page.getByTestId('memorised-empirical').textContent()) ?? '');
    const gaussian = parseFloat((await page.getByTestId('memorised-gaussian').textContent()) ?? '');
    expect(empirical).toBeGreaterThan(gaussian + 20);
    await result.scrollIntoViewIfNeeded();
    await screenshot(page, 'lab-preset-gaussian2d');
  });

  it('samples with the delta slider moved (delta and bandwidth stay one control) and lists the run', async () => {
    await page.getByTestId('a-data').selectOption('g2:train');
    const slider = page.getByTestId('a-delta-slider');
    await slider.fill('-2'); // delta = 10^-2
    expect(await page.getByTestId('a-delta-value').inputValue()).toBe('0.01');
    expect(Number(await page.getByTestId('a-delta-bandwidth').inputValue())).toBeCloseTo(Math.sqrt(1 - Math.exp(-0.02)), 3);
    // editing the bandwidth moves delta
    await page.getByTestId('a-delta-bandwidth').fill('0.2');
    await page.getByTestId('a-delta-bandwidth').press('Enter');
    expect(Number(await page.getByTestId('a-delta-value').inputValue())).toBeCloseTo(-0.5 * Math.log(1 - 0.04), 4);
    await slider.fill('-3');
    await page.getByTestId('a-steps').fill('150');
    await page.getByTestId('a-n').fill('300');
    await page.getByTestId('a-run').click();
    const result = page.getByTestId('a-result');
    await result.locator('canvas').first().waitFor({ timeout: 60_000 });
    expect(await result.getByTestId('run-headline').textContent()).toMatch(/memorised/);
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await screenshot(page, 'lab-sample-2d');

    await page.locator('[data-view=runs]').click();
    const entry = page.locator('[data-run-kind=sample]').first();
    await entry.waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-run-kind="experiment:gaussian2d"]').count()).toBe(1);
    await entry.click();
    const detail = page.getByTestId('run-detail');
    await detail.waitFor();
    expect(await page.getByTestId('run-params').textContent()).toMatch(/delta\s*0\.001/);
    await detail.locator('canvas').first().waitFor();
    await screenshot(page, 'runs-sample-2d');
  });

  it('compares two settings side by side from the same noise (A: small delta, B: large delta)', async () => {
    await page.locator('[data-view=lab]').click();
    await page.getByTestId('compare').check();
    await page.getByTestId('b-copy').click();
    expect(await page.getByTestId('b-data').inputValue()).toBe('g2:train');
    await page.getByTestId('b-delta-slider').fill('-0.7'); // delta ~ 0.2
    await page.getByTestId('b-run').click();
    await page.getByTestId('b-result').locator('canvas').first().waitFor({ timeout: 60_000 });
    const memorised = async (pane: string) => parseFloat((await page.getByTestId(`${pane}-result`).locator('dd').first().textContent()) ?? '');
    expect(await memorised('a')).toBeGreaterThan(await memorised('b'));
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await screenshot(page, 'lab-compare');
    await page.getByTestId('compare').uncheck();
  });

  it.skipIf(!existsSync(MINI))('sweeps delta on CIFAR images and shows the blur fading into copies', async () => {
    await page.locator('[data-view=lab]').click();
    await page.getByTestId('preset-deltaSweep-data').selectOption('cifar-mini:train');
    await page.getByTestId('preset-deltaSweep-subset').fill('300');
    await page.getByTestId('preset-deltaSweep-deltas').fill('0.0005, 0.05, x');
    await page.getByTestId('run-preset-deltaSweep').click();
    await expect.poll(() => page.getByTestId('preset-deltaSweep').locator('.error').textContent()).toMatch(/deltas must be numbers.*"x" is not a number/);
    await page.getByTestId('preset-deltaSweep-deltas').fill('0.0005, 0.05');
    await page.getByTestId('preset-deltaSweep-steps').fill('20');
    await page.getByTestId('preset-deltaSweep-n').fill('8');
    await page.getByTestId('run-preset-deltaSweep').click();
    const result = page.getByTestId('preset-deltaSweep-result');
    const strip = result.locator('[data-figure="figure-delta-sweep-samples.png"]');
    await strip.waitFor({ timeout: 60_000 });
    expect(await strip.locator('figcaption').textContent()).toMatch(/δ = 0\.0005, 0\.05; last row/);
    // both figures load (rows: 2 deltas + the nearest images; 8 columns of 32-px cells, x3)
    await expect.poll(() => strip.locator('img').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([(8 * 34 + 2) * 3, (3 * 34 + 8) * 3]);
    await expect.poll(() => result.locator('[data-figure="figure-delta-sweep.svg"] img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    expect(await result.getByTestId('run-headline').textContent()).toMatch(/memorised at δ = 0\.0005/);
    await result.scrollIntoViewIfNeeded();
    await screenshot(page, 'lab-delta-sweep-images');
  });

  it.skipIf(!existsSync(MINI))('samples CIFAR images and shows each next to its nearest training image', async () => {
    await page.locator('[data-view=lab]').click();
    await page.getByTestId('a-data').selectOption('cifar-mini:train');
    await page.getByTestId('a-sampler').selectOption('ei');
    await page.getByTestId('a-subset').fill('500');
    await page.getByTestId('a-n').fill('24');
    await page.getByTestId('a-steps').fill('30');
    await page.getByTestId('a-delta-slider').fill('-3.5');
    expect(await page.getByTestId('a-delta-readout').textContent()).toMatch(/\/255 noise per pixel/);
    await page.getByTestId('a-run').click();
    const grid = page.getByTestId('a-result').getByTestId('sample-grid');
    await grid.waitFor({ timeout: 60_000 });
    expect(await grid.locator('.card').count()).toBe(24);
    // the sprite sheets load (a broken resource would leave the cells empty)
    const sheet = await page.evaluate(async () => {
      const cell = document.querySelector<HTMLElement>('[data-testid=a-result] .card .img');
      const url = cell ? getComputedStyle(cell).backgroundImage.replace(/^url\("?|"?\)$/g, '') : '';
      const r = await fetch(url);
      return { status: r.status, type: r.headers.get('content-type') };
    });
    expect(sheet).toEqual({ status: 200, type: 'image/png' });
    await page.waitForTimeout(300);
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await screenshot(page, 'lab-sample-images');

    // the result's own link opens exactly this run (the list may still be refreshing)
    const link = page.getByTestId('a-result').getByRole('link', { name: /Open run/ });
    const shortId = ((await link.textContent()) ?? '').match(/Open run (\S+)/)?.[1] ?? '';
    await link.click();
    await page.getByTestId('run-detail').getByTestId('sample-grid').waitFor();
    await expect.poll(() => page.locator('[data-run-kind=sample].active').getAttribute('data-run-id')).toMatch(new RegExp(`${shortId}$`));
    await page.waitForTimeout(300);
    await screenshot(page, 'runs-sample-images');
    // delete with confirmation
    const before = await page.locator('[data-run-kind]').count();
    await page.getByTestId('run-delete').click();
    await page.getByTestId('run-delete-confirm').click();
    await expect.poll(() => page.locator('[data-run-kind]').count()).toBe(before - 1);
    expect(app.pageErrors).toEqual([]);
  });

  it('trains a small score network from the Lab pane, samples with it and lists it in Runs', async () => {
    await page.locator('[data-view=lab]').click();
    await page.getByTestId('a-data').selectOption('g2:train');
    await page.getByTestId('a-subset').fill('');
    await page.getByTestId('a-sampler').selectOption('sde');
    await page.getByTestId('a-score').selectOption('learned');
    // no network yet: sampling waits for one
    expect(await page.getByTestId('a-run').isDisabled()).toBe(true);
    await page.getByTestId('a-train-steps').fill('300');
    await page.getByTestId('a-train').click();
    await expect.poll(() => page.getByTestId('a-model').inputValue(), { timeout: 30_000 }).toMatch(/train-score-[0-9a-f]{6}$/);
    expect(await page.getByTestId('a-model').locator('option:checked').textContent()).toMatch(/^MLP 3×128 · loss \d[\d.]* · g2:train \(N=100\) · 300 steps · [0-9a-f]{6}$/);
    await page.getByTestId('a-delta-slider').fill('-3');
    await page.getByTestId('a-steps').fill('100');
    await page.getByTestId('a-n').fill('300');
    await page.getByTestId('a-run').click();
    const result = page.getByTestId('a-result');
    await result.locator('canvas').first().waitFor({ timeout: 30_000 });
    await expect.poll(() => result.getByTestId('run-headline').textContent()).toMatch(/memorised/);
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await screenshot(page, 'lab-learned-score');

    await page.locator('[data-view=runs]').click();
    await page.locator('[data-run-kind=train-score]').first().waitFor({ timeout: 10_000 });
    await page.locator('[data-run-kind=train-score]').first().click();
    await page.getByTestId('run-detail').locator('img[alt="figure-loss.svg"]').waitFor();
    expect(await page.getByTestId('run-detail').getByTestId('run-headline').textContent()).toMatch(/final loss/);
    await screenshot(page, 'runs-train-score');
    expect(app.pageErrors).toEqual([]);
  });

  it('samples with the smoothed closed-form score (default sigma) and shows the scatter and the sigma used', async () => {
    await page.locator('[data-view=lab]').click();
    await page.getByTestId('a-data').selectOption('g2:train');
    await page.getByTestId('a-sampler').selectOption('sde');
    await page.getByTestId('a-score').selectOption('smoothed');
    await page.getByTestId('a-smoothing-fields').waitFor();
    await page.getByTestId('a-smoothing').fill('');
    expect(await page.getByTestId('a-smoothing-draws').inputValue()).toBe('8');
    await page.getByTestId('a-delta-slider').fill('-3');
    await page.getByTestId('a-n').fill('300');
    await page.getByTestId('a-run').click();
    const used = page.getByTestId('a-smoothing-used');
    await used.waitFor({ timeout: 30_000 });
    expect(await used.textContent()).toMatch(/Last run: σ = 0\.\d+ = the median nearest-neighbour spacing, M = 8/);
    const result = page.getByTestId('a-result');
    await result.locator('canvas').first().waitFor();
    const memorised = parseFloat(((await result.getByTestId('run-headline').textContent()) ?? '').match(/([\d.]+)\s*%/)?.[1] ?? 'NaN');
    expect(memorised).toBeLessThan(50);
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await screenshot(page, 'lab-smoothed-score');
    expect(app.pageErrors).toEqual([]);
  });
  it.skipIf(!existsSync(MINI))('samples CIFAR with the local patch score (LS) and shows the image grid and the patch used; vectors get a hint', async () => {
    await page.locator('[data-view=lab]').click();
    await page.getByTestId('a-data').selectOption('cifar-mini:train');
    await page.getByTestId('a-sampler').selectOption('edm');
    await page.getByTestId('a-score').selectOption('local');
    await page.getByTestId('a-local-fields').waitFor();
    expect(await page.getByTestId('a-patch').getAttribute('placeholder')).toBe('default 11');
    await page.getByTestId('a-patch').fill('9');
    await page.getByTestId('a-subset').fill('300');
    await page.getByTestId('a-n').fill('8');
    await page.getByTestId('a-steps').fill('10');
    await page.getByTestId('a-run').click();
    const grid = page.getByTestId('a-result').getByTestId('sample-grid');
    await page.getByTestId('a-patch-used').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('a-patch-used').textContent()).toMatch(/Last run: 9×9 patches/);
    await grid.waitFor();
    expect(await grid.locator('.card').count()).toBe(8);
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await screenshot(page, 'lab-local-patch-score');
    await page.getByTestId('a-data').selectOption('g2:train');
    await page.getByTestId('a-local-hint').waitFor();
    expect(await page.getByTestId('a-run').isDisabled()).toBe(true);
    expect(app.pageErrors).toEqual([]);
  });
});
