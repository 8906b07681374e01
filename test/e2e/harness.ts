/**
 * End-to-end harness: `scorescope serve` (the built CLI, as a user runs it) on a free port, and
 * Debian's headless Chromium driven by playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const repoRoot = resolve(__dirname, '..', '..');
export const resultsDir = join(repoRoot, 'test-results');

export interface Served {
  url: string;
  workspace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function serve(extraArgs: string[] = []): Promise<Served> {
  const workspace = mkdtempSync(join(tmpdir(), 'scorescope-e2e-'));
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'scorescope.js'), 'serve', '--port', '0', '--workspace', workspace, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SCORESCOPE_BACKEND: '' },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not print a URL in 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[0]);
      }
    });
    child.on('exit', (code) => fail(new Error(`serve exited with ${code}: ${err}`)));
  });
  return {
    url,
    workspace,
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** A fresh profile each time (playwright passes it as --user-data-dir). */
export async function launchChromium(): Promise<BrowserContext> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'scorescope-chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export interface OpenApp {
  served: Served;
  browser: BrowserContext;
  page: Page;
  /** Uncaught errors of the page, in order (a test ends by expecting none). */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * `scorescope serve` and Chromium (started together), then one page at `served.url + hash` that
 * records its uncaught errors. `prepare` fills the served workspace before the page opens. If any
 * step fails, whatever started is stopped before the error is rethrown.
 */
export async function openApp(hash = '', prepare?: (served: Served) => Promise<void>): Promise<OpenApp> {
  const [servedResult, browserResult] = await Promise.allSettled([serve(), launchChromium()]);
  const served = servedResult.status === 'fulfilled' ? servedResult.value : undefined;
  const browser = browserResult.status === 'fulfilled' ? browserResult.value : undefined;
  const close = async () => {
    await browser?.close();
    await served?.stop();
  };
  try {
    if (!served || !browser) throw servedResult.status === 'rejected' ? servedResult.reason : (browserResult as PromiseRejectedResult).reason;
    await prepare?.(served);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${served.url}${hash}`);
    return { served, browser, page, pageErrors, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The CLI as a user runs it (the built one) with --json, on a served workspace; returns the run id. */
export function runCli(workspace: string, ...argv: string[]): string {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'scorescope.js'), ...argv, '--workspace', workspace, '--json'], {
    encoding: 'utf8', env: { ...process.env, SCORESCOPE_BACKEND: '' },
  });
  if (r.status !== 0) throw new Error(`scorescope ${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return (JSON.parse(r.stdout) as { run: string }).run;
}
