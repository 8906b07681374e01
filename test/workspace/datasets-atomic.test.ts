import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdir, readdir, readFile, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDirAtomic, sweepTempDirs, withTempDir, writeFileAtomic } from '../../electron/workspace/atomic';
import { tempDir } from '../native-data/fixtures';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir('ss-atomic-')));
afterAll(() => cleanup());

describe('atomic workspace writes', () => {
  it('writeFileAtomic replaces content and leaves no temporary file', async () => {
    const f = join(dir, 'a', 'x.json');
    await writeFileAtomic(f, '{"v":1}');
    await writeFileAtomic(f, Buffer.from('{"v":2}'));
    expect(await readFile(f, 'utf8')).toBe('{"v":2}');
    expect(await readdir(join(dir, 'a'))).toEqual(['x.json']);
  });

  it('withTempDir renames into place on success, cleans up on failure or discard', async () => {
    const parent = join(dir, 'p');
    const v = await withTempDir(parent, async (tmp) => {
      await writeFile(join(tmp, 'f'), 'ok');
      return { into: join(parent, 'done'), value: 42 };
    });
    expect(v).toBe(42);
    expect(await readFile(join(parent, 'done', 'f'), 'utf8')).toBe('ok');
    await expect(
      withTempDir(parent, async (tmp) => {
        await writeFile(join(tmp, 'f'), 'half');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await withTempDir(parent, async () => ({ into: null, value: 'skip' }))).toBe('skip');
    // renaming onto an existing non-empty folder fails and cleans up
    await expect(
      withTempDir(parent, async (tmp) => {
        await writeFile(join(tmp, 'g'), 'x');
        return { into: join(parent, 'done'), value: 0 };
      }),
    ).rejects.toThrow();
    expect(await readdir(parent)).toEqual(['done']);
    expect(await readdir(join(parent, 'done'))).toEqual(['f']);
  });

  it('removeDirAtomic and sweepTempDirs', async () => {
    const parent = join(dir, 's');
    await mkdir(join(parent, 'keep'), { recursive: true });
    await mkdir(join(parent, '.tmp-old'));
    await mkdir(join(parent, '.tmp-new'));
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(join(parent, '.tmp-old'), old, old);
    expect(await sweepTempDirs(parent)).toEqual(['.tmp-old']);
    expect((await readdir(parent)).sort()).toEqual(['.tmp-new', 'keep']);
    await removeDirAtomic(join(parent, 'keep'));
    expect(await readdir(parent)).toEqual(['.tmp-new']);
  });
});
