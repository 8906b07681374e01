/**
 * Real signals to the built CLI mid-work. SIGTERM cancels like Ctrl-C and cleans up before exit;
 * SIGKILL leaves debris (a temporary folder, a .part file) that the next start of any host removes,
 * because its writer is dead. Either way the workspace ends byte for byte as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outsideRunOutcomes, treeDifferences, treePaths, treeSnapshot } from '../helpers/tree-snapshot';
import { fileURLToPath } from 'node:url';
import { CIFAR_FULL, CIFAR_MINI } from '../helpers/shared-data';
import { localServer, type LocalServer } from '../helpers/http-server';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin', 'scorescope.js');

/** Hidden debris names anywhere under `root`. */
function debris(root: string): string[] {
  return treePaths(root).map((e) => e.path).filter((p) => p.split('/').some((s) => /^\.(tmp|trash)-|\.part-/.test(s)));
}

function start(ws: string, argv: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, '--workspace', ws, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => void (err += String(d)));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stderr: () => err, exit };
}

async function until(what: string, test: () => boolean, ms = 60_000): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The next host start: any command that opens the workspace (here `datasets list`). */
function nextStart(ws: string): string {
  const r = spawnSync(process.execPath, [CLI, '--workspace', ws, 'datasets', 'list'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

let dir = '';
let base = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scorescope-kill-'));
  base = join(dir, 'base');
  const r = spawnSync(process.execPath, [CLI, '--workspace', base, 'datasets', 'import', CIFAR_MINI, '--name', 'mini'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const copyOfBase = (name: string) => {
  const ws = join(dir, name);
  cpSync(base, ws, { recursive: true });
  return ws;
};

/** Waits until an import has a temporary folder with data in it. */
const importWriting = (ws: string) => () => {
  const d = join(ws, 'datasets');
  return readdirSync(d).some((n) => n.startsWith('.tmp-') && readdirSync(join(d, n)).length > 0);
};

describe('killed mid-work', () => {
  it('SIGKILL mid-import: the temporary folder stays until the next host start removes it; the workspace is as before', async () => {
    const ws = copyOfBase('import-kill');
    const before = treeSnapshot(ws);
    const run = start(ws, ['datasets', 'import', CIFAR_FULL, '--name', 'full']);
    await until('the import to write', importWriting(ws));
    run.child.kill('SIGKILL');
    await run.exit;
    const left = debris(ws);
    expect(left.length).toBeGreaterThan(0); // a dead writer's debris, named with its pid
    expect(left[0]).toMatch(new RegExp(`^datasets/\\.tmp-${run.child.pid}-`));
    expect(nextStart(ws)).not.toMatch(/full/);
    expect(debris(ws)).toEqual([]);
    expect(treeDifferences(before, treeSnapshot(ws))).toEqual([]);
  }, 120_000);

  it('SIGTERM mid-import: the import is cancelled and cleans up before it exits', async () => {
    const ws = copyOfBase('import-term');
    const before = treeSnapshot(ws);
    const run = start(ws, ['datasets', 'import', CIFAR_FULL, '--name', 'full']);
    await until('the import to write', importWriting(ws));
    run.child.kill('SIGTERM');
    expect(await run.exit, run.stderr()).toBe(1);
    expect(run.stderr()).toMatch(/cancelled/);
    expect(debris(ws)).toEqual([]); // before any other start
    expect(treeDifferences(before, treeSnapshot(ws))).toEqual([]);
  }, 120_000);

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`${signal} mid-sample: no run and no debris once the next host has started`, async () => {
      const ws = copyOfBase(`sample-${signal}`);
      const before = treeSnapshot(ws);
      const run = start(ws, ['sample', '--data', 'mini', '--n', '256', '--steps', '400', '--sampler', 'sde']);
      await until('sampling to start', () => /\d+(\.\d+)?% .*step/i.test(run.stderr()) || /% /.test(run.stderr()));
      await new Promise((r) => setTimeout(r, 500));
      run.child.kill(signal);
      const code = await run.exit;
      if (signal === 'SIGTERM') {
        expect(code, run.stderr()).toBe(1);
        expect(run.stderr()).toMatch(/cancelled/);
      }
      nextStart(ws);
      expect(debris(ws)).toEqual([]);
      // a cancelled sample is a row of the Runs table (status cancelled); SIGKILL leaves no record
      const changed = treeDifferences(before, treeSnapshot(ws));
      expect(outsideRunOutcomes(changed)).toEqual([]);
      if (signal === 'SIGKILL') expect(changed).toEqual([]);
    }, 120_000);
  }

  describe('downloads', () => {
    let server: LocalServer;
    beforeAll(async () => {
      server = await localServer({
        '/stall.tar.gz': (res) => {
          res.writeHead(200, { 'content-length': 10_000_000 });
          res.write(Buffer.alloc(100_000)); // then nothing
        },
      });
    });
    afterAll(() => server.close());

    it('SIGKILL mid-download: the .part file is removed at the next host start', async () => {
      const ws = copyOfBase('download-kill');
      const run = start(ws, ['datasets', 'download', 'cifar10', '--url', `${server.base}/stall.tar.gz`]);
      const downloads = join(ws, 'downloads');
      await until('the .part file', () => existsSync(downloads) && readdirSync(downloads).some((n) => n.includes('.part-')));
      run.child.kill('SIGKILL');
      await run.exit;
      expect(debris(ws).some((p) => p.includes(`.part-${run.child.pid}-`))).toBe(true);
      nextStart(ws);
      expect(debris(ws)).toEqual([]);
    }, 120_000);

    it('a stalled download fails by itself with a clear message and leaves no .part file', async () => {
      const ws = copyOfBase('download-stall');
      const r = spawnSync(process.execPath, [CLI, '--workspace', ws, 'datasets', 'download', 'cifar10', '--url', `${server.base}/stall.tar.gz`], {
        encoding: 'utf8',
        env: { ...process.env, SCORESCOPE_DOWNLOAD_STALL_SECONDS: '1' },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/stall\.tar\.gz: download stalled: no data for 1 s/);
      expect(debris(ws)).toEqual([]);
    }, 60_000);
  });
});
