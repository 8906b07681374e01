/**
 * `scorescope datasets ...` run in-process through the CLI's main(argv): stdout is captured and
 * parsed (--json prints exactly one object). Downloads come from a local server on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createGunzip } from 'node:zlib';
import { runCli, type CliRun } from '../helpers/cli';
import { fileRoute, localServer, type LocalServer } from '../helpers/http-server';
import { readTar } from '../../native-data';
import { MINI, tempDir } from '../native-data/fixtures';

function cli(...argv: string[]): Promise<CliRun> {
  return runCli(argv);
}

async function json<T = Record<string, unknown>>(...argv: string[]): Promise<T> {
  const r = await cli(...argv, '--json');
  if (r.code !== 0) throw new Error(`scorescope ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Every path under dir (relative), to show a failure left the workspace as it was. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      out.push(relative(dir, join(d, e.name)));
      if (e.isDirectory()) await walk(join(d, e.name));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Channel means of the training records straight from the archive: a brute-force reference. */
async function bruteForceMean(): Promise<number[]> {
  for await (const e of readTar(createReadStream(MINI).pipe(createGunzip()), MINI)) {
    if (!e.path.endsWith('data_batch_1.bin')) continue;
    const b = await e.bytes();
    const sums = [0, 0, 0];
    const n = b.length / 3073;
    for (let r = 0; r < n; r++) for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) sums[c]! += b[r * 3073 + 1 + c * 1024 + p]!;
    return sums.map((s) => s / (n * 1024));
  }
  throw new Error('data_batch_1.bin not found');
}

interface SplitJson { count: number; shape: number[]; dtype: string; classCounts: number[] | null; channelMean: number[]; channelStd: number[] }
interface DatasetJson { name: string; classes: string[] | null; splits: Record<string, SplitJson>; existing?: boolean; sizeBytes: number; archive?: string }

let dir = '';
let cleanup = async () => {};
let server: LocalServer;
let base = '';
let miniMd5 = '';

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('ss-cli-ds-'));
  miniMd5 = createHash('md5').update(await readFile(MINI)).digest('hex');
  server = await localServer({ '/cifar10-mini-bin.tar.gz': fileRoute(MINI, 'application/gzip') });
  base = server.base;
});
afterAll(async () => {
  await server?.close();
  await cleanup();
});

describe('scorescope datasets (CLI)', () => {
  let ws = '';
  beforeAll(async () => {
    ws = join(dir, 'ws');
    await mkdir(ws);
  });

  it('imports the CIFAR-10 mini archive: train 1000 / test 200 of [32, 32, 3], channel means equal to the brute-force means', async () => {
    const d = await json<DatasetJson>('datasets', 'import', MINI, '--workspace', ws);
    expect(d.name).toBe('cifar10');
    expect(d.existing).toBe(false);
    expect(d.classes).toHaveLength(10);
    expect(d.splits['train']).toMatchObject({ count: 1000, shape: [32, 32, 3], dtype: 'uint8' });
    expect(d.splits['test']).toMatchObject({ count: 200, shape: [32, 32, 3], dtype: 'uint8' });
    expect(d.splits['train']!.classCounts!.reduce((a, b) => a + b, 0)).toBe(1000);
    const ref = await bruteForceMean();
    d.splits['train']!.channelMean.forEach((m, c) => expect(m).toBeCloseTo(ref[c]!, 6));
    expect(d.splits['train']!.channelStd.every((s) => s > 40 && s < 90)).toBe(true);
    expect(d.sizeBytes).toBeGreaterThan(1200 * 3072);
  });

  it('a second import of the same archive is recognised (existing: true) and writes nothing', async () => {
    const before = await tree(ws);
    const d = await json<DatasetJson>('datasets', 'import', MINI, '--workspace', ws);
    expect(d).toMatchObject({ name: 'cifar10', existing: true });
    expect(await tree(ws)).toEqual(before);
  });

  it('show prints the same dataset as JSON, and a readable summary without --json', async () => {
    const d = await json<DatasetJson>('datasets', 'show', 'cifar10', '--workspace', ws);
    expect(d.splits['test']!.count).toBe(200);
    expect(d.splits['test']!.shape).toEqual([32, 32, 3]);
    const human = await cli('datasets', 'show', 'cifar10', '--workspace', ws);
    expect(human.stdout).toMatch(/cifar10 +cifar10-binary \(tar\.gz\), images, 10 classes/);
    expect(human.stdout).toMatch(/train +1000 × 32x32x3 uint8 +mean \(\d+\.\d, \d+\.\d, \d+\.\d\)/);
  });

  it('synth gaussian draws the seeded 2-D training set', async () => {
    const d = await json<DatasetJson>('datasets', 'synth', 'gaussian', '--dim', '2', '--n', '100', '--mean', '-5,5', '--var', '10', '--seed', '0', '--name', 'g2', '--workspace', ws);
    expect(d.name).toBe('g2');
    expect(d.splits['train']).toMatchObject({ count: 100, shape: [2], dtype: 'float32' });
    // sample mean of 100 draws of N(mu, 10 I): within 4 standard errors (sqrt(10/100) = 0.32)
    expect(Math.abs(d.splits['train']!.channelMean[0]! + 5)).toBeLessThan(1.3);
    expect(Math.abs(d.splits['train']!.channelMean[1]! - 5)).toBeLessThan(1.3);
  });

  it('list, rename and remove', async () => {
    const listed = await json<{ datasets: DatasetJson[] }>('datasets', 'list', '--workspace', ws);
    expect(listed.datasets.map((d) => d.name)).toEqual(['cifar10', 'g2']);
    const renamed = await json<DatasetJson>('datasets', 'rename', 'g2', 'paper-gaussian', '--workspace', ws);
    expect(renamed.name).toBe('paper-gaussian');
    const gone = await cli('datasets', 'show', 'g2', '--workspace', ws);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no dataset "g2".*have: cifar10, paper-gaussian/);
    expect(await json('datasets', 'remove', 'paper-gaussian', '--workspace', ws)).toEqual({ name: 'paper-gaussian', removed: true });
    expect((await json<{ datasets: DatasetJson[] }>('datasets', 'list', '--workspace', ws)).datasets.map((d) => d.name)).toEqual(['cifar10']);
  });

  it('bad input fails with a message naming the file and leaves the workspace unchanged', async () => {
    const bogus = join(dir, 'notes.txt');
    await writeFile(bogus, 'not a dataset\n');
    const before = await tree(ws);
    const r = await cli('datasets', 'import', bogus, '--workspace', ws, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatch(/notes\.txt.*no dataset found/);
    expect(await tree(ws)).toEqual(before);
    const badName = await cli('datasets', 'import', MINI, '--name', 'no spaces', '--workspace', ws);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/name: dataset name: use 1-64 letters/);
  });
});

describe('scorescope datasets download (local server)', () => {
  it('downloads with a matching --md5, verifies and imports', async () => {
    const ws = join(dir, 'dl-ok');
    const d = await json<DatasetJson>('datasets', 'download', 'cifar10', '--url', `${base}/cifar10-mini-bin.tar.gz`, '--md5', miniMd5, '--workspace', ws);
    expect(d).toMatchObject({ name: 'cifar10', existing: false });
    expect(d.splits['train']!.count).toBe(1000);
    expect(d.splits['test']!.count).toBe(200);
    expect(d.archive).toBe(join(ws, 'downloads', 'cifar10-mini-bin.tar.gz'));
    expect(createHash('md5').update(await readFile(d.archive!)).digest('hex')).toBe(miniMd5);
  });

  it('a wrong checksum (given, or the official default for a mirror) fails clearly and leaves the workspace unchanged', async () => {
    const ws = join(dir, 'dl-bad');
    await mkdir(ws);
    const before = await tree(ws);
    const wrong = await cli('datasets', 'download', 'cifar10', '--url', `${base}/cifar10-mini-bin.tar.gz`, '--md5', '0'.repeat(32), '--workspace', ws);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(new RegExp(`checksum mismatch: expected MD5 0{32}, got ${miniMd5}`));
    expect(await tree(ws)).toEqual(before);
    const official = await cli('datasets', 'download', 'cifar10', '--format', 'binary', '--url', `${base}/cifar10-mini-bin.tar.gz`, '--workspace', ws);
    expect(official.code).toBe(1);
    expect(official.stderr).toMatch(/checksum mismatch: expected MD5 c32a1d4ab5d03f1284b67883e8d87530/);
    expect(await tree(ws)).toEqual(before);
  });
});
