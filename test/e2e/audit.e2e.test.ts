/**
 * The audit in Chromium against `scorescope serve`: the CIFAR-10 mini archive is imported into
 * the served workspace, an .npz of samples written by code (exact training copies, noisy copies,
 * held-out test images) is uploaded, the audit runs from the UI, the metrics show, moving the
 * threshold re-filters the gallery, a row opens its detail, and the exported HTML report loads
 * from disk (file://) with every image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { openApp, screenshot, type OpenApp } from './harness';
import { CIFAR_MINI as MINI } from '../helpers/shared-data';
import { importDataset, loadSplit } from '../../electron/workspace/datasets';
import { buildAuditSamples, writeAuditSamplesNpz, type AuditSamples } from '../hosts/audit-fixtures';

describe('audit view in Chromium against `scorescope serve`', () => {
  let app: OpenApp;
  let page: Page;
  let fixtures = '';
  let npz = '';
  let samples: AuditSamples;

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'scorescope-e2e-audit-'));
    app = await openApp('#/audit', async (served) => {
      // the served workspace is a folder on disk: import the mini archive straight into it
      await importDataset(served.workspace, MINI);
      const train = (await loadSplit(served.workspace, 'cifar10:train')).data as Uint8Array;
      const test = (await loadSplit(served.workspace, 'cifar10:test')).data as Uint8Array;
      samples = buildAuditSamples(train, test, 32 * 32 * 3);
      npz = join(fixtures, 'generated.npz');
      await writeAuditSamplesNpz(npz, samples, [32, 32, 3]);
    });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(fixtures, { recursive: true, force: true });
  });

  const memorisedCount = async () => Number((await page.getByTestId('gallery-memorised-count').textContent())!.replace(/[^0-9]/g, ''));

  it('uploads samples, chooses the splits and runs the audit from the UI', async () => {
    await page.getByTestId('audit-setup').waitFor();
    await expect.poll(() => page.getByTestId('audit-train-dataset').inputValue()).toBe('cifar10');
    await page.getByTestId('audit-file-input').setInputFiles(npz);
    await page.getByTestId('audit-samples-chosen').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('audit-samples-chosen').textContent()).toMatch(/generated\.npz/);
    expect(await page.getByTestId('audit-train-split').inputValue()).toBe('train');
    expect(await page.getByTestId('audit-test-split').inputValue()).toBe('cifar10:test');
    await screenshot(page, 'audit-setup');
    await page.getByTestId('audit-run').click();
    await page.getByTestId('audit-result').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('[data-job-kind="audit.run"][data-job-state=done]').count()).toBe(1);
  });

  it('shows the metrics: memorised fraction with its interval and n, medians, C_T, per class', async () => {
    expect(await page.getByTestId('memorised-fraction').textContent()).toBe('50.0%');
    expect(await page.getByTestId('memorised-ci').textContent()).toMatch(/95% CI \d+\.\d% – \d+\.\d% · n = 24/);
    expect(await page.getByTestId('metric-ct').textContent()).toMatch(/C\s*T/);
    expect(await page.getByTestId('per-class-table').locator('tbody tr').count()).toBe(10);
    await page.locator('[data-testid=ratio-histogram] canvas').first().waitFor();
    await page.locator('[data-testid=gap-chart] canvas').first().waitFor();
    expect(await page.getByTestId('mann-whitney').textContent()).toMatch(/Mann–Whitney z = -?\d/);
    await screenshot(page, 'audit-result');
  });

  it('lists one gallery row per sample with loaded thumbnails; memorised rows first and marked', async () => {
    expect(await page.getByTestId('gallery-count').textContent()).toBe('24 rows');
    expect(await memorisedCount()).toBe(12);
    const rows = page.getByTestId('gallery-row');
    await rows.first().waitFor();
    expect(await rows.first().getAttribute('data-memorised')).toBe('true');
    expect(await rows.first().getAttribute('data-index')).toBe('0'); // an exact copy: d1/d2 = 0
    const imgs = page.locator('[data-testid=gallery-row] .img');
    await expect.poll(() => imgs.first().evaluate((el) => getComputedStyle(el).backgroundImage), { timeout: 15_000 }).toMatch(/^url\("blob:/);
    expect(await rows.count()).toBeLessThan(24); // virtualised: only the rows in view (and a few more)
    await page.getByTestId('neighbour-gallery').scrollIntoViewIfNeeded();
    await screenshot(page, 'audit-gallery');
  });

  it('moving the threshold re-filters the gallery at once and asks for the new interval', async () => {
    const ratios = samples.sources.length;
    expect(ratios).toBe(24);
    await page.getByTestId('threshold-slider').fill('0.05');
    await expect.poll(() => page.getByTestId('threshold-value').textContent()).toBe('0.050');
    const low = await memorisedCount();
    expect(low).toBeGreaterThanOrEqual(6); // the exact copies stay memorised
    expect(low).toBeLessThan(12);
    await expect.poll(() => page.getByTestId('memorised-ci').textContent(), { timeout: 10_000 }).toMatch(/95% CI .* · n = 24/);
    await page.getByTestId('gallery-filter').selectOption('memorised');
    await expect.poll(() => page.getByTestId('gallery-count').textContent()).toBe(`${low} rows`);
    await page.getByTestId('gallery-filter').selectOption('all');

    // drag the line on the chart to the right: more samples count as memorised
    const chart = page.locator('[data-testid=ratio-histogram] canvas').first();
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const plotLeft = box.x + 46;
    const plotWidth = box.width - 46 - 18;
    const y = box.y + box.height / 2;
    // a click on the chart puts the threshold there
    await page.mouse.click(plotLeft + 0.2 * plotWidth, y);
    await expect.poll(async () => Number(await page.getByTestId('threshold-value').textContent())).toBeCloseTo(0.2, 1);
    // dragging the line moves it (and the gallery) while the button is still down
    await page.mouse.move(plotLeft + 0.2 * plotWidth, y);
    await page.mouse.down();
    await page.mouse.move(plotLeft + 0.35 * plotWidth, y, { steps: 8 });
    await expect.poll(async () => Number(await page.getByTestId('threshold-value').textContent())).toBeCloseTo(0.35, 1);
    await page.mouse.move(plotLeft + 0.5 * plotWidth, y, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => Number(await page.getByTestId('threshold-value').textContent())).toBeCloseTo(0.5, 1);
    expect(await memorisedCount()).toBe(12);
    await screenshot(page, 'audit-threshold');
  });

  it('opens a row: the sample, its nearest training image and their difference', async () => {
    await page.getByTestId('gallery-row').nth(6).click();
    const dialog = page.getByTestId('neighbour-detail');
    await dialog.waitFor();
    for (const id of ['detail-sample', 'detail-nearest', 'detail-diff']) {
      await expect.poll(() => page.getByTestId(id).evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth), { timeout: 10_000 })
        .toBe(224);
    }
    expect(await page.getByTestId('detail-verdict').textContent()).toBe('memorised');
    await screenshot(page, 'audit-detail');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('exports the HTML report, which opens from disk with every image loaded', async () => {
    await page.getByTestId('audit-exports').scrollIntoViewIfNeeded();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()]);
    expect(download.suggestedFilename()).toMatch(/^\d{8}-\d{6}-audit-[0-9a-f]{6}-report\.html$/);
    const file = join(fixtures, download.suggestedFilename());
    await download.saveAs(file);
    const html = await readFile(file, 'utf8');
    expect(html).toContain('data:image/png;base64,');
    const report = await app.browser.newPage();
    await report.goto(pathToFileURL(file).href);
    const images = await report.evaluate(() => Array.from(document.images).map((i) => i.complete && i.naturalWidth));
    expect(images.length).toBeGreaterThan(24);
    expect(images.every((w) => typeof w === 'number' && w > 0)).toBe(true);
    expect(await report.locator('svg').count()).toBeGreaterThanOrEqual(3);
    await screenshot(report, 'audit-report');
    await report.close();

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(csv.suggestedFilename()).toMatch(/-per-sample\.csv$/);
    expect(app.pageErrors).toEqual([]);
  });
});
