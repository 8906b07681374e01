import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openApp, screenshot, type OpenApp } from './harness';

describe('app shell in Chromium against `scorescope serve`', () => {
  let app: OpenApp;
  let page: Page;

  beforeAll(async () => {
    app = await openApp();
    page = app.page;
  });
  afterAll(() => app?.close());

  it('shows the backend in use', async () => {
    await page.getByTestId('backend-badge').getByText('wasm').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('backend-badge').getAttribute('title')).toMatch(/skipped/i);
  });

  it('runs a 2-D job from the Lab and draws its scatter', async () => {
    await page.getByTestId('preset-gaussian2d-steps').fill('300');
    await page.getByTestId('run-preset-gaussian2d').click();
    await page.locator('[data-testid=preset-gaussian2d-result] canvas').first().waitFor({ timeout: 60_000 });
    await page.locator('[data-job-kind="experiments.gaussian2d"][data-job-state=done]').first().waitFor();
    expect(await page.getByTestId('preset-gaussian2d-result').textContent()).toMatch(/memorised/);
    await screenshot(page, 'shell-demo');
  });

  it('cancels a long job from the job tray', async () => {
    await page.getByTestId('preset-gaussian2d-steps').fill('100000');
    await page.getByTestId('run-preset-gaussian2d').click();
    const running = page.locator('[data-job-kind="experiments.gaussian2d"][data-job-state=running]');
    await running.first().waitFor({ timeout: 30_000 });
    await running.first().getByRole('button', { name: 'Cancel' }).click();
    await page.locator('[data-job-kind="experiments.gaussian2d"][data-job-state=cancelled]').first().waitFor({ timeout: 10_000 });
  });

  it('switches theme and views without errors', async () => {
    await page.getByRole('button', { name: /Dark|Light/ }).click();
    await page.locator('[data-view=settings]').click();
    await page.getByText('Workspace').first().waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toMatch(/light|dark/);
    const file = await screenshot(page, 'shell-settings');
    expect(existsSync(file)).toBe(true);
    expect(app.pageErrors).toEqual([]);
  });
});
