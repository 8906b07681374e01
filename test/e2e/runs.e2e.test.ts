/**
 * The Runs view in Chromium against `scorescope serve`: two CIFAR-10 sampling runs of one seed
 * (made with the CLI, as a user would) and an audit are in the table (the audit with its
 * memorised fraction and interval, not a dash); sorting and filtering work; ticking the two
 * samples and pressing Compare shows what differs and the paired gallery (sample i of A beside
 * sample i of B beside their nearest training images); exports and the folder zip download;
 * a run is named, tagged, re-run (bit-identical) and deleted with confirmation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openApp, runCli as cli, screenshot, type OpenApp } from './harness';
import { CIFAR_MINI as MINI } from '../helpers/shared-data';
import { importDataset, loadSplit } from '../../electron/workspace/datasets';
import { buildAuditSamples, writeAuditSamplesNpz } from '../hosts/audit-fixtures';

describe('Runs view: table, compare, paired gallery, re-run', () => {
  let app: OpenApp;
  let page: Page;
  let fixtures = '';
  const ids = { a: '', b: '', audit: '' };

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'scorescope-e2e-runs-'));
    app = await openApp('#/runs', async (served) => {
      const ws = served.workspace;
      await importDataset(ws, MINI);
      const common = ['sample', '--data', 'cifar10:train', '--subset', '300', '--sampler', 'ei', '--steps', '8', '--n', '8', '--seed', '2'];
      ids.a = cli(ws, ...common, '--delta', '0.001');
      ids.b = cli(ws, ...common, '--delta', '0.05');
      const train = (await loadSplit(ws, 'cifar10:train')).data as Uint8Array;
      const test = (await loadSplit(ws, 'cifar10:test')).data as Uint8Array;
      const npz = join(fixtures, 'generated.npz');
      await writeAuditSamplesNpz(npz, buildAuditSamples(train, test, 32 * 32 * 3, { copies: [1, 2], noisy: [3, 4], tests: [5, 6, 7, 8] }), [32, 32, 3]);
      ids.audit = cli(ws, 'audit', '--samples', npz, '--train', 'cifar10');
    });
    page = app.page;
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    rmSync(fixtures, { recursive: true, force: true });
  });

  const row = (id: string) => page.locator(`[data-run-id="${id}"]`);

  it('lists every run with its columns; the audit shows its memorised fraction and interval', async () => {
    await row(ids.audit).waitFor({ timeout: 30_000 });
    expect(await page.locator('.body [data-run-id]').count()).toBe(3);
    // two copies and two noisy copies among 8 samples
    expect(await row(ids.audit).getByTestId('run-memorised').textContent()).toMatch(/^50\.0% \[\d+\.\d–\d+\.\d\]$/);
    expect(await row(ids.a).textContent()).toMatch(/cifar10:train.*300.*empirical.*ei/);
    // filter and sort
    await page.getByTestId('runs-category').selectOption('audit');
    await expect.poll(() => page.locator('.body [data-run-id]').count()).toBe(1);
    await page.getByTestId('runs-category').selectOption('all');
    await page.getByTestId('runs-filter').fill('0.05');
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toMatch(/^1 of 3/);
    await page.getByTestId('runs-filter').fill('');
    await page.locator('[data-sort=delta]').click();
    await expect.poll(async () => page.locator('.body [data-run-id]').first().getAttribute('data-run-id')).toBe(ids.a);
    await page.locator('[data-sort=delta]').click();
    await expect.poll(async () => page.locator('.body [data-run-id]').first().getAttribute('data-run-id')).toBe(ids.b);
    await screenshot(page, 'runs-table');
  });

  it('compares two runs: what differs, the figures, and the paired gallery with nearest training images', async () => {
    await row(ids.a).getByTestId('run-pick').check();
    await row(ids.b).getByTestId('run-pick').check();
    await page.getByTestId('runs-compare').click();
    const compare = page.getByTestId('run-compare');
    await compare.waitFor();
    const params = await compare.getByTestId('compare-parameters').textContent();
    expect(params).toMatch(/delta/);
    expect(params).not.toMatch(/sampler/);
    expect(await compare.getByTestId('compare-parameters').locator('tr.differs').count()).toBeGreaterThanOrEqual(1);
    expect(await compare.getByTestId('compare-metrics').textContent()).toMatch(/memorizedFraction/);
    // the paired gallery: 8 rows, each with A, A's nearest, B, B's nearest
    const gallery = compare.getByTestId('paired-gallery');
    await gallery.waitFor();
    expect(await gallery.getByTestId('paired-row').count()).toBe(8);
    expect(await gallery.getByTestId('paired-row').first().locator('.img').count()).toBe(4);
    const sheet = await gallery.locator('.img').first().evaluate(async (el) => {
      const url = /url\("(.*)"\)/.exec(getComputedStyle(el).backgroundImage)?.[1] ?? '';
      const r = await fetch(url);
      return { status: r.status, type: r.headers.get('content-type') };
    });
    expect(sheet).toEqual({ status: 200, type: 'image/png' });
    // exports download
    for (const [kind, type] of [['csv', 'text/csv'], ['html', 'text/html'], ['png', 'image/png']] as const) {
      const got = await compare.getByTestId(`compare-export-${kind}`).evaluate(async (a) => {
        const r = await fetch((a as HTMLAnchorElement).href);
        return { status: r.status, type: r.headers.get('content-type') ?? '', disposition: r.headers.get('content-disposition') ?? '' };
      });
      expect(got.status).toBe(200);
      expect(got.type).toContain(type);
      expect(got.disposition).toMatch(/attachment/);
    }
    await page.waitForTimeout(300);
    await gallery.scrollIntoViewIfNeeded();
    await screenshot(page, 'runs-compare');
  });

  it('names, tags, downloads, re-runs (bit-identical) and deletes a run', async () => {
    await row(ids.b).click();
    await page.getByTestId('run-actions').waitFor();
    await page.getByTestId('run-name').fill('large delta');
    await page.getByTestId('run-rename').click();
    await expect.poll(() => row(ids.b).textContent()).toMatch(/large delta/);
    await page.getByTestId('run-tag-input').fill('blurred');
    await page.getByTestId('run-tag').click();
    await expect.poll(() => row(ids.b).textContent()).toMatch(/blurred/);
    const zip = await page.getByTestId('run-zip').evaluate(async (a) => {
      const r = await fetch((a as HTMLAnchorElement).href);
      const bytes = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), magic: String.fromCharCode(bytes[0]!, bytes[1]!) };
    });
    expect(zip).toEqual({ status: 200, type: 'application/zip', magic: 'PK' });
    await page.getByTestId('run-rerun').click();
    await expect.poll(() => page.getByTestId('rerun-verdict').textContent(), { timeout: 60_000 }).toMatch(/Bit-identical/);
    await expect.poll(() => page.locator('.body [data-run-id]').count()).toBe(4);
    // delete with confirmation
    await page.getByTestId('run-delete').click();
    await page.getByTestId('run-delete-confirm').click();
    await expect.poll(() => row(ids.b).count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
  });
});
