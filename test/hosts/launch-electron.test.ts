/**
 * `npm start` (build/launch-electron.mjs): resolves the Electron binary the way Electron 45 does
 * (downloaded on first require), hands it to `electron-vite preview`, and explains itself when
 * the binary cannot be had. A shell script stands in for Electron; the download is pointed at a
 * closed local port with an empty cache, so nothing leaves the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
let dir = '';

// --skipBuild: a rebuild would empty out/ under the end-to-end tests running beside this file
function launch(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ELECTRON_')));
  return spawnSync(process.execPath, ['build/launch-electron.mjs', '--skipBuild'], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
    env: { ...clean, electron_config_cache: join(dir, 'cache'), ...env },
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ss-launch-'));
  writeFileSync(join(dir, 'electron'), `#!/bin/sh\necho "$@" > "${dir}/args.txt"\npwd >> "${dir}/args.txt"\n`);
  chmodSync(join(dir, 'electron'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start', () => {
  it.skipIf(process.platform === 'win32')('builds and launches the binary Electron resolves, on the app folder', () => {
    const r = launch({ ELECTRON_OVERRIDE_DIST_PATH: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/starting electron app/);
    expect(readFileSync(join(dir, 'args.txt'), 'utf8').split('\n').slice(0, 2)).toEqual(['.', root]);
  });

  it('without the binary and no way to download it, says so and names the browser host', () => {
    const r = launch({ ELECTRON_MIRROR: 'http://127.0.0.1:9/', ELECTRON_GET_USE_PROXY: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Electron binary is not installed and could not be downloaded/);
    expect(r.stderr).toMatch(/npx scorescope serve/);
  });
});
