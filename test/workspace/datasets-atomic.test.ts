import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdir, readdir, readFile, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { removeDirAtomic, sweepDebris, withTempDir, writeFileAtomic } from '../../electron/workspace/atomic';
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

  it('removeDirAtomic and sweepDebris: debris of dead processes goes at once, of live ones after a day', async () => {
    const parent = join(dir, 's');
    // a pid that certainly ran and has exited
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout.trim();
    const live = String(process.pid);
    await mkdir(join(parent, 'keep'), { recursive: true });
    await mkdir(join(parent, '.tmp-old'));
    await mkdir(join(parent, '.tmp-new'));
    await mkdir(join(parent, `.tmp-${dead}-abc123`));
    await mkdir(join(parent, `.tmp-${live}-abc123`));
    await mkdir(join(parent, `.trash-${dead}-keep-0a0b0c`));
    await writeFile(join(parent, `.cifar.tar.gz.part-${dead}-0a0b0c0d`), 'x');
    await writeFile(join(parent, `.cifar.tar.gz.part-${live}-0a0b0c0d`), 'x');
    await mkdir(join(parent, 'keep', 'nested'), { recursive: true });
    await writeFile(join(parent, 'keep', 'nested', `img.png.part-${dead}-0a0b0c0d`), 'x');
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(join(parent, '.tmp-old'), old, old);
    const removed = (await sweepDebris(parent, 2)).map((p) => p.slice(parent.length + 1)).sort();
    expect(removed).toEqual([
      `.cifar.tar.gz.part-${dead}-0a0b0c0d`, '.tmp-old', `.tmp-${dead}-abc123`, `.trash-${dead}-keep-0a0b0c`, `keep/nested/img.png.part-${dead}-0a0b0c0d`,
    ].sort());
    expect((await readdir(parent)).sort()).toEqual([`.cifar.tar.gz.part-${live}-0a0b0c0d`, '.tmp-new', `.tmp-${live}-abc123`, 'keep'].sort());
    await removeDirAtomic(join(parent, 'keep'));
    expect((await readdir(parent)).sort()).toEqual([`.cifar.tar.gz.part-${live}-0a0b0c0d`, '.tmp-new', `.tmp-${live}-abc123`].sort());
  });
});
