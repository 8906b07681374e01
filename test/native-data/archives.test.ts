import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  DataError, ZipFile, npzMemberHeader, npzMembers, readNpz, readTar, safeEntryPath, writeNpz, encodeNpy, openSourceTree,
} from '../../native-data';
import { writeTar } from '../helpers/tar-writer';
import { hasNumpy, runPython, seededBytes, tempDir, zipBytes } from './fixtures';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

/** Feeds bytes in awkward chunk sizes, to exercise buffering across headers. */
function chunked(b: Uint8Array, size = 777): AsyncIterable<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
}

async function collect(src: AsyncIterable<Uint8Array>, name = 't.tar') {
  const out: { path: string; type: string; data: Uint8Array }[] = [];
  for await (const e of readTar(src, name)) out.push({ path: e.path, type: e.type, data: await e.bytes() });
  return out;
}

describe('tar', () => {
  it('round-trips files, folders and long names, reading across odd chunk boundaries', async () => {
    const long = `${'deep/'.repeat(30)}file.bin`;
    const files = [
      { path: 'a/', type: 'dir' as const },
      { path: 'a/x.bin', data: seededBytes(1000, 1) },
      { path: 'a/empty', data: new Uint8Array(0) },
      { path: long, data: seededBytes(513, 2) },
    ];
    const got = await collect(chunked(writeTar(files)));
    expect(got.map((e) => [e.path, e.type])).toEqual([['a', 'dir'], ['a/x.bin', 'file'], ['a/empty', 'file'], [long, 'file']]);
    expect(Buffer.from(got[1]!.data).equals(Buffer.from(files[1]!.data!))).toBe(true);
    expect(Buffer.from(got[3]!.data).equals(Buffer.from(files[3]!.data!))).toBe(true);
  });

  it('skips unread entry content', async () => {
    const tar = writeTar([{ path: 'big', data: seededBytes(5000, 3) }, { path: 'small', data: Uint8Array.from([1, 2, 3]) }]);
    const names: string[] = [];
    for await (const e of readTar(chunked(tar, 100), 't.tar')) {
      names.push(e.path);
      if (e.path === 'small') expect(Array.from(await e.bytes())).toEqual([1, 2, 3]);
    }
    expect(names).toEqual(['big', 'small']);
  });

  it('refuses entries that escape the target folder', async () => {
    for (const bad of ['../evil.bin', 'a/../../evil', '/etc/passwd', 'C:/x']) {
      const tar = writeTar([{ path: bad, data: Uint8Array.from([1]) }]);
      await expect(collect(chunked(tar), 'evil.tar')).rejects.toThrow(/escape the target folder/);
    }
    expect(() => safeEntryPath('z', '..\\x')).toThrow(DataError);
    expect(safeEntryPath('z', './a//b/./c')).toBe('a/b/c');
  });

  it('reports a truncated archive and a corrupt header', async () => {
    const tar = writeTar([{ path: 'x', data: seededBytes(2000, 4) }]);
    await expect(collect(chunked(tar.subarray(0, 1200)))).rejects.toThrow(/truncated tar: "x" should hold 2000 bytes/);
    const bad = Uint8Array.from(tar);
    bad[10] = 0x41; // breaks the checksum
    await expect(collect(chunked(bad))).rejects.toThrow(/bad checksum/);
  });

  it('tar.gz through openSourceTree; corrupt gzip is a DataError', async () => {
    const tar = writeTar([{ path: 'd/one', data: seededBytes(100, 5) }, { path: 'd/.hidden', data: seededBytes(3, 6) }]);
    const f = join(dir, 'x.tar.gz');
    await writeFile(f, gzipSync(tar));
    const tree = await openSourceTree(f);
    expect(tree.container).toBe('tar.gz');
    const names: string[] = [];
    for await (const e of tree.entries()) names.push(e.path);
    expect(names).toEqual(['d/one']);

    const gz = Buffer.from(gzipSync(Buffer.concat([tar, seededBytes(200_000, 7)])));
    for (let i = 2000; i < gz.length - 100; i += 997) gz[i] = (gz[i] as number) ^ 0x5a; // damage the deflate stream
    const bad = join(dir, 'bad.tar.gz');
    await writeFile(bad, gz);
    const run = async () => {
      const t = await openSourceTree(bad);
      for await (const e of t.entries()) await e.bytes();
    };
    await expect(run()).rejects.toThrow(/corrupt gzip/);
  });
});

describe('tar written by Python (GNU long names, pax headers)', () => {
  it('reads GNU long-name and pax entries, and a consumer may stop inside an entry', async () => {
    runPython(
      [
        'import tarfile, io',
        "long = 'deep/' * 30 + 'file.bin'",
        "for fmt, name in ((tarfile.GNU_FORMAT, 'gnu.tar'), (tarfile.PAX_FORMAT, 'pax.tar')):",
        '    with tarfile.open(name, "w", format=fmt) as t:',
        "        for path, data in ((long, bytes(range(256)) * 5), ('caf\u00e9/\u00e9t\u00e9.txt', b'summer'), ('last', b'end')):",
        '            info = tarfile.TarInfo(path); info.size = len(data); t.addfile(info, io.BytesIO(data))',
      ].join('\n'),
      dir,
    );
    const long = `${'deep/'.repeat(30)}file.bin`;
    for (const name of ['gnu.tar', 'pax.tar']) {
      const file = join(dir, name);
      const got = await collect(Readable.from([await readFile(file)]), file);
      expect(got.map((e) => e.path), name).toEqual([long, 'café/été.txt', 'last']);
      expect(got[0]!.data.length).toBe(1280);
      expect(Buffer.from(got[1]!.data).toString()).toBe('summer');
      // stop after the first chunk of the big entry: the next entries still come, whole
      const seen: string[] = [];
      for await (const e of readTar(chunked(await readFile(file), 300), file)) {
        seen.push(e.path);
        if (e.path === long) for await (const _c of e.chunks()) break;
        if (e.path === 'last') expect(Buffer.from(await e.bytes()).toString()).toBe('end');
      }
      expect(seen).toEqual([long, 'café/été.txt', 'last']);
    }
  });

  it('refuses an absolute path and names the entry', async () => {
    runPython(
      [
        'import tarfile, io',
        'with tarfile.open("abs.tar", "w", format=tarfile.PAX_FORMAT) as t:',
        '    info = tarfile.TarInfo("/etc/cron.d/x"); info.size = 1; t.addfile(info, io.BytesIO(b"1"))',
      ].join('\n'),
      dir,
    );
    const file = join(dir, 'abs.tar');
    await expect(collect(Readable.from([await readFile(file)]), file)).rejects.toThrow(/abs\.tar.*"\/etc\/cron\.d\/x" has an absolute path/);
  });
});

describe('zip written by Python (zip64, data descriptors, hostile names)', () => {
  it('reads a zip64 archive and one with data descriptors (written to a stream)', async () => {
    runPython(
      [
        'import zipfile, io',
        "with zipfile.ZipFile('z64.zip', 'w', compression=zipfile.ZIP_DEFLATED) as z:",
        "    with z.open('big.bin', 'w', force_zip64=True) as f: f.write(bytes(range(256)) * 40)",
        "    z.writestr('small.txt', 'hello')",
        'class Unseekable(io.RawIOBase):',
        '    def __init__(self, f): self.f = f',
        '    def writable(self): return True',
        '    def write(self, b): return self.f.write(b)',
        "with open('dd.zip', 'wb') as raw:",
        "    with zipfile.ZipFile(Unseekable(raw), 'w', compression=zipfile.ZIP_DEFLATED) as z:",
        "        z.writestr('a.txt', 'descriptor')",
        "        z.writestr('b.bin', bytes(1000))",
      ].join('\n'),
      dir,
    );
    const z64 = await ZipFile.open(join(dir, 'z64.zip'));
    expect(z64.entries.map((e) => [e.path, e.size])).toEqual([['big.bin', 10240], ['small.txt', 5]]);
    expect(Buffer.from(await z64.bytes(z64.entries[0]!)).equals(Buffer.from(new Uint8Array(10240).map((_, i) => i % 256)))).toBe(true);
    await z64.close();
    const dd = await ZipFile.open(join(dir, 'dd.zip'));
    expect(Buffer.from(await dd.bytes(dd.entries[0]!)).toString()).toBe('descriptor');
    expect((await dd.bytes(dd.entries[1]!)).length).toBe(1000);
    await dd.close();
  });

  it('refuses an entry that escapes the folder, naming the archive and the entry', async () => {
    runPython("import zipfile\nwith zipfile.ZipFile('evil.zip', 'w') as z: z.writestr('../../evil.txt', 'x')", dir);
    await expect(ZipFile.open(join(dir, 'evil.zip'))).rejects.toThrow(/evil\.zip.*"\.\.\/\.\.\/evil\.txt" contains "\.\."/);
    await writeFile(join(dir, 'notzip.zip'), seededBytes(300, 9));
    await expect(ZipFile.open(join(dir, 'notzip.zip'))).rejects.toThrow(/notzip\.zip.*not a zip archive/);
    await expect(ZipFile.open(join(dir, 'missing.zip'))).rejects.toThrow(/missing\.zip.*no such file/);
  });
});

describe('zip and npz', () => {
  it('reads stored and deflated entries and checks CRCs', async () => {
    const a = seededBytes(10_000, 8);
    const b = seededBytes(3000, 9).map((v) => v & 3); // compressible
    const f = join(dir, 'x.zip');
    await writeFile(f, zipBytes([{ path: 'a.bin', data: a }, { path: 'sub/b.bin', data: b, deflate: true }]));
    const z = await ZipFile.open(f);
    expect(z.entries.map((e) => [e.path, e.method])).toEqual([['a.bin', 0], ['sub/b.bin', 8]]);
    expect(Buffer.from(await z.bytes(z.entries[1]!)).equals(Buffer.from(b))).toBe(true);
    await z.close();

    const broken = Buffer.from(zipBytes([{ path: 'a.bin', data: a }]));
    broken[30 + 5 + 100] = (broken[30 + 5 + 100] as number) ^ 1;
    await writeFile(join(dir, 'crc.zip'), broken);
    const z2 = await ZipFile.open(join(dir, 'crc.zip'));
    await expect(z2.bytes(z2.entries[0]!)).rejects.toThrow(/CRC-32 mismatch/);
    await z2.close();
  });

  it('refuses zip entries that escape the target folder', async () => {
    await writeFile(join(dir, 'evil.zip'), zipBytes([{ path: '../../x.png', data: Uint8Array.from([1]) }]));
    await expect(ZipFile.open(join(dir, 'evil.zip'))).rejects.toThrow(/escape the target folder/);
  });

  it('writeNpz / readNpz round trip; deflated members; header-only peeks', async () => {
    const f = join(dir, 'w.npz');
    const img = seededBytes(2 * 4 * 4 * 3, 10);
    await writeNpz(f, { arr_0: { data: img, shape: [2, 4, 4, 3] }, arr_1: { data: Int32Array.from([3, 9]), shape: [2] } });
    const r = await readNpz(f);
    expect(r['arr_0']!.shape).toEqual([2, 4, 4, 3]);
    expect(Buffer.from(r['arr_0']!.data as Uint8Array).equals(Buffer.from(img))).toBe(true);
    expect(Array.from(r['arr_1']!.data as Int32Array)).toEqual([3, 9]);

    const parts = encodeNpy(Float64Array.from([1, 2, 3]), [3]);
    await writeFile(join(dir, 'c.npz'), zipBytes([{ path: 'x.npy', data: Buffer.concat(parts), deflate: true }]));
    const c = await readNpz(join(dir, 'c.npz'));
    expect(Array.from(c['x']!.data as Float64Array)).toEqual([1, 2, 3]);
    const z = await ZipFile.open(join(dir, 'c.npz'));
    expect((await npzMemberHeader(z, npzMembers(z)[0]!)).shape).toEqual([3]);
    await z.close();
  });

  it.skipIf(!hasNumpy())('reads np.savez / np.savez_compressed and numpy reads writeNpz', async () => {
    runPython(
      [
        'import numpy as np',
        "x = (np.arange(5*8*8*3) % 251).astype(np.uint8).reshape(5, 8, 8, 3)",
        "np.savez('s.npz', x, np.arange(5))",
        "np.savez_compressed('sc.npz', images=x, labels=np.arange(5))",
      ].join('\n'),
      dir,
    );
    for (const f of ['s.npz', 'sc.npz']) {
      const r = await readNpz(join(dir, f));
      const x = r['arr_0'] ?? r['images'];
      expect(x!.shape).toEqual([5, 8, 8, 3]);
      expect((x!.data as Uint8Array)[300]).toBe(300 % 251);
      expect(Array.from((r['arr_1'] ?? r['labels'])!.data as BigInt64Array)).toEqual([0n, 1n, 2n, 3n, 4n]);
    }
    await writeNpz(join(dir, 'ours.npz'), { a: { data: Float32Array.from([1, 2]), shape: [2] }, b: { data: Uint8Array.from([7]), shape: [1, 1] } });
    runPython("import numpy as np\nz = np.load('ours.npz')\nassert z['a'].tolist() == [1.0, 2.0] and z['b'].shape == (1, 1)", dir);
  });
});
