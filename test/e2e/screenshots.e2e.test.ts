/**
 * The README's screenshots, taken in Chromium against `scorescope serve` on a workspace a new user
 * would have after the walkthrough: CIFAR-10 (the mini archive) imported, samples audited, two
 * sampling runs of one seed. One per view (Datasets, Lab, Audit, Runs) and the comparison.
 * `npm run screenshots` sets SCORESCOPE_SCREENSHOTS=1: they are then also written, palette-
 * compressed, to docs/screenshots/ (committed); otherwise only to test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { openApp, repoRoot, runCli as cli, screenshot, type OpenApp } from './harness';
import { CIFAR_MINI as MINI } from '../helpers/shared-data';
import { importDataset, loadSplit } from '../../electron/workspace/datasets';
import { buildAuditSamples, writeAuditSamplesNpz } from '../hosts/audit-fixtures';

const docsDir = join(repoRoot, 'docs', 'screenshots');

/** test-results/<name>.png always; docs/screenshots/<name>.png (1100 px wide, 128 colours) with `npm run screenshots`. */
async function shoot(page: Page, name: string): Promise<void> {
  const file = await screenshot(page, name);
  if (process.env['SCORESCOPE_SCREENSHOTS'] !== '1') return;
  mkdirSync(docsDir, { recursive: true });
  const small = await sharp(file).resize({ width: 1100 }).png({ palette: true, colours: 128, compressionLevel: 9 }).toBuffer();
  writeFileSync(join(docsDir, `${name}.png`), small);
}

describe('screenshots of the four views', () => {
  let app: OpenApp;
  let page: Page;
  let fixtures = '';
  const ids = { a: '', b: '', audit: '' };

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'scorescope-e2e-shots-'));
    app = await openApp('#/datasets', async (served) => {
      const ws = served.workspace;
      await importDataset(ws, MINI);
      const train = (await loadSplit(ws, 'cifar10:train')).data as Uint8Array;
      const test = (await loadSplit(ws, 'cifar10:test')).data as Uint8Array;
      const npz = join(fixtures, 'my-model-samples.npz');
      await writeAuditSamplesNpz(npz, buildAuditSamples(train, test, 32 * 32 * 3), [32, 32, 3]);
      ids.audit = cli(ws, 'audit', '--samples', npz, '--train', 'cifar10', '--test', 'cifar10:test');
      const common = ['sample', '--data', 'cifar10:train', '--subset', '500', '--sampler', 'ei', '--steps', '20', '--n', '12', '--seed', '7'];
      ids.a = cli(ws, ...common, '--delta', '0.001');
      ids.b = cli(ws, ...common, '--delta', '0.05');
      cli(ws, 'runs', 'rename', ids.a, 'copies at δ = 0.001');
      cli(ws, 'runs', 'tag', ids.a, 'baseline');
    });
    page = app.page;
    await page.getByTestId('backend-badge').getByText('wasm').waitFor({ timeout: 30_000 });
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    rmSync(fixtures, { recursive: true, force: true });
  });

  it('Datasets', async () => {
    await page.locator('[data-dataset=cifar10]').click();
    await page.getByTestId('dataset-detail').getByTestId('image-grid').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(800);
    await shoot(page, 'datasets');
  });

  it('Lab', async () => {
    await page.locator('[data-view=lab]').click();
    await page.getByTestId('a-data').selectOption('cifar10:train');
    await page.getByTestId('a-sampler').selectOption('ei');
    await page.getByTestId('a-subset').fill('500');
    await page.getByTestId('a-n').fill('24');
    await page.getByTestId('a-steps').fill('30');
    await page.getByTestId('a-delta-slider').fill('-3.5');
    await page.getByTestId('a-run').click();
    await page.getByTestId('a-result').getByTestId('sample-grid').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(800);
    await page.getByTestId('a-pane').scrollIntoViewIfNeeded();
    await shoot(page, 'lab');
  });

  it('Audit', async () => {
    await page.goto(`${app.served.url}#/audit/${ids.audit}`);
    await page.getByTestId('audit-result').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await shoot(page, 'audit');
  });

  it('Runs and a comparison with its paired gallery', async () => {
    await page.goto(`${app.served.url}#/runs`);
    await page.locator(`[data-run-id="${ids.b}"]`).waitFor({ timeout: 30_000 });
    // the audit's headline is a figure with its interval, never a dash
    expect(await page.locator(`[data-run-id="${ids.audit}"]`).getByTestId('run-memorised').textContent()).toMatch(/%.*\[/);
    await page.locator(`[data-run-id="${ids.a}"]`).getByTestId('run-pick').check();
    await page.locator(`[data-run-id="${ids.b}"]`).getByTestId('run-pick').check();
    await page.getByTestId('runs-compare').click();
    await page.getByTestId('paired-gallery').waitFor();
    await page.waitForTimeout(800);
    await shoot(page, 'runs');
    await page.getByTestId('paired-gallery').scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    await shoot(page, 'compare');
    expect(app.pageErrors).toEqual([]);
  });
});
