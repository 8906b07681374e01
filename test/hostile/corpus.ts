/**
 * The hostile-input corpus: files and requests built by code (nothing committed), each with the
 * text its refusal must contain. test/hostile/hostile-corpus.test.ts runs every case through
 * the real CLI in a child process and checks the error, the peak memory and that the workspace
 * is byte-for-byte unchanged.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { writeTar } from '../helpers/tar-writer';
import { gzipAround, honestEntry, hugeJpegHeader, hugePngHeader, npyHeader, npyRaw, PNG_SIGNATURE, rawZip, tarHeader, zeroBomb } from './craft';

export const hostileClasses = [
  'decompression bomb',
  'image budget',
  'non-finite values',
  'corrupt archive',
  'array format',
  'pickle',
  'CIFAR layout',
  'image file',
  'folder',
  'parameters',
  'audit',
] as const;
export type HostileClass = (typeof hostileClasses)[number];

export interface HostileCase {
  readonly id: string;
  readonly cls: HostileClass;
  /** CLI arguments (the runner adds --workspace). */
  readonly argv: string[];
  /** Text the error must contain: the file's name (or the flag / setting at fault). */
  readonly names: string;
  /** What the error must say. */
  readonly problem: RegExp;
  readonly env?: Record<string, string>;
}

const MiB = 2 ** 20;
const GB4 = 0xffff0000; // just under what a zip32 header can declare

function seeded(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b[i] = s & 255;
  }
  return b;
}

function f32(values: number[]): Buffer {
  return Buffer.from(new Float32Array(values).buffer);
}

/** Pickle opcodes for hostile pickles (protocol 2). */
const P = {
  proto: Buffer.from([0x80, 0x02]),
  stop: Buffer.from('.'),
  emptyList: Buffer.from(']'),
  mark: Buffer.from('('),
  appends: Buffer.from('e'),
  append: Buffer.from('a'),
  int1: (v: number) => Buffer.from([0x4b, v]),
};

/** Builds every case's files under `dir`; `train` is an image dataset in the workspace (8 x 8 x 3). */
export async function buildCorpus(dir: string, train: string): Promise<HostileCase[]> {
  const cases: HostileCase[] = [];
  const file = async (name: string, data: Buffer | Uint8Array): Promise<string> => {
    const p = join(dir, name);
    await mkdir(join(p, '..'), { recursive: true });
    await writeFile(p, data);
    return p;
  };
  const imp = (id: string, cls: HostileClass, path: string, names: string, problem: RegExp, extra: string[] = [], env?: Record<string, string>) =>
    cases.push({ id, cls, argv: ['datasets', 'import', path, ...extra], names, problem, env });

  const png8 = await sharp(seeded(8 * 8 * 3, 1), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
  const png16 = await sharp(seeded(16 * 16 * 3, 2), { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer();
  const png1000 = await sharp({ create: { width: 1000, height: 1000, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toBuffer();

  // ---- decompression bombs: the entries really inflate to gigabytes -----------------------
  {
    const b = zeroBomb(PNG_SIGNATURE, GB4 - PNG_SIGNATURE.length);
    imp('zip entry that looks like an image, 4 GB of zeros', 'decompression bomb', await file('bomb-image.zip', rawZip([{ name: 'cat.png', body: b.body, method: 8, crc: 0, size: b.size }])), 'bomb-image.zip', /ratio .*decompression bomb.*--max-ratio/);
  }
  {
    const header = npyRaw(npyHeader('|u1', [1_300_000, 32, 32, 3]));
    const b = zeroBomb(header, 1_300_000 * 3072);
    imp('npz whose arr_0 is 4 GB of zeros', 'decompression bomb', await file('bomb.npz', rawZip([{ name: 'arr_0.npy', body: b.body, method: 8, crc: 0, size: b.size }])), 'bomb.npz', /decompression bomb.*SCORESCOPE_MAX_RATIO/);
  }
  {
    const b = zeroBomb(Buffer.alloc(0), 1_300_000 * 3073);
    imp('zip holding a CIFAR batch of 1.3 million zero records', 'decompression bomb', await file('bomb-cifar.zip', rawZip([{ name: 'data_batch_1.bin', body: b.body, method: 8, crc: 0, size: b.size }])), 'bomb-cifar.zip', /decompression bomb/);
  }
  {
    const size = 1_300_000 * 3073;
    const b = zeroBomb(tarHeader('cifar-10-batches-bin/data_batch_1.bin', size), size);
    imp('tar.gz whose CIFAR batch inflates to 4 GB', 'decompression bomb', await file('bomb-cifar.tar.gz', gzipAround(b.body, b.size)), 'bomb-cifar.tar.gz', /gzip stream inflates .*decompression bomb/);
  }
  {
    const size = 2 ** 31;
    const b = zeroBomb(Buffer.concat([tarHeader('images/big.png', size), PNG_SIGNATURE]), size - PNG_SIGNATURE.length);
    imp('tar.gz whose image inflates to 2 GiB', 'decompression bomb', await file('bomb-image.tar.gz', gzipAround(b.body, b.size)), 'bomb-image.tar.gz:images/big.png', /is 2048\.0 MiB, read whole into memory: over the limit on decoded bytes held at once/);
  }
  {
    const b = zeroBomb(PNG_SIGNATURE, 100 * MiB);
    const liar: Buffer = rawZip([{ name: 'small.png', body: b.body, method: 8, crc: 0, size: 1000 }]);
    imp('zip entry declaring 1 000 bytes that inflates to 100 MB', 'decompression bomb', await file('liar.zip', liar), 'liar.zip', /corrupt zip entry "small.png"|too many bytes/i);
  }
  {
    const entries = [0, 1, 2].map((i) => honestEntry(`x${i}.bin`, seeded(2 * MiB, i + 3)));
    const z = await file('three-entries.zip', rawZip(entries));
    imp('archive over --max-uncompressed', 'decompression bomb', z, 'three-entries.zip', /inflates to 6\.0 MiB .*limit on uncompressed data \(4\.0 MiB\).*--max-uncompressed/, ['--max-uncompressed', '4MiB']);
    imp('archive over SCORESCOPE_MAX_UNCOMPRESSED', 'decompression bomb', z, 'three-entries.zip', /limit on uncompressed data \(5\.0 MiB\)/, [], { SCORESCOPE_MAX_UNCOMPRESSED: '5MiB' });
  }
  {
    const b = zeroBomb(PNG_SIGNATURE, 300 * MiB);
    imp('a raised ratio still meets the total limit', 'decompression bomb', await file('bomb-300m.zip', rawZip([{ name: 'a.png', body: b.body, method: 8, crc: 0, size: b.size }])), 'bomb-300m.zip', /limit on uncompressed data \(256\.0 MiB\)/, ['--max-ratio', '100000', '--max-uncompressed', '256MiB']);
  }
  {
    const b = zeroBomb(npyRaw(npyHeader('<f4', [100_000_000, 10])), 4e9);
    cases.push({ id: 'audit samples .npz bomb', cls: 'decompression bomb', argv: ['audit', '--samples', await file('audit-bomb.npz', rawZip([{ name: 'arr_0.npy', body: b.body, method: 8, crc: 0, size: GB4 }])), '--train', train], names: 'audit-bomb.npz', problem: /decompression bomb/ });
  }

  // ---- images beyond the pixel and decoded-bytes budgets -----------------------------------
  imp('PNG claiming 16000 x 16000', 'image budget', await file('huge-png/a/huge.png', hugePngHeader(16000, 16000)), 'huge.png', /16000 x 16000 pixels: over the limit on pixels per image \(100\.0 M pixels\).*--max-image-pixels/);
  imp('folder holding a 16000 x 16000 PNG', 'image budget', join(dir, 'huge-png'), 'huge.png', /pixels per image/);
  imp('JPEG claiming 30000 x 30000', 'image budget', await file('huge.jpg', hugeJpegHeader(30000, 30000)), 'huge.jpg', /30000 x 30000 pixels: over the limit on pixels per image/);
  imp('JPEG claiming 12000 x 12000', 'image budget', await file('huge12k.jpg', hugeJpegHeader(12000, 12000)), 'huge12k.jpg', /pixels per image/);
  imp('four 16000 x 16000 PNGs in a zip', 'image budget', await file('huge4.zip', rawZip([0, 1, 2, 3].map((i) => honestEntry(`p${i}.png`, hugePngHeader(16000, 16000))))), 'huge4.zip:p0.png', /pixels per image/);
  imp('tar of a 40000 x 2 PNG over a lowered pixel limit', 'image budget', await file('wide.tar', Buffer.from(writeTar([{ path: 'wide.png', data: hugePngHeader(40000, 2) }]))), 'wide.tar:wide.png', /40000 x 2 pixels: over the limit on pixels per image \(50000 pixels\)/, ['--max-image-pixels', '50000']);
  imp('a resize over the pixel limit', 'image budget', await file('one-png/x.png', png8), 'one-png', /resize to 4096 x 4096: over the limit on pixels per image \(1\.0 M pixels\)/, ['--resize', '4096', '--max-image-pixels', '1M']);
  imp('an image that decodes past --max-decoded', 'image budget', await file('big-png/x.png', png1000), 'x.png', /decodes to 2\.9 MiB: over the limit on decoded bytes held at once \(1\.0 MiB\).*--max-decoded/, ['--max-decoded', '1MiB']);
  imp('a file read whole past SCORESCOPE_MAX_DECODED', 'image budget', await file('big-png2/x.png', png1000), 'x.png', /read whole into memory: over the limit on decoded bytes/, [], { SCORESCOPE_MAX_DECODED: '4KiB' });
  imp('a malformed limit flag', 'image budget', join(dir, 'one-png'), '--max-decoded', /--max-decoded: expected a positive size such as 16GiB or 512MiB, got "lots"/, ['--max-decoded', 'lots']);
  imp('a malformed limit setting', 'image budget', join(dir, 'one-png'), 'SCORESCOPE_MAX_RATIO', /SCORESCOPE_MAX_RATIO="abc" is not a valid number/, [], { SCORESCOPE_MAX_RATIO: 'abc' });

  // ---- non-finite values: one policy for vectors and images -------------------------------
  imp('float32 vectors holding NaN', 'non-finite values', await file('nan.npy', npyRaw(npyHeader('<f4', [3, 2]), f32([0, 1, NaN, 2, 3, 4]))), 'nan.npy', /NaN|not finite/i);
  imp('float32 vectors holding +Inf', 'non-finite values', await file('inf.npy', npyRaw(npyHeader('<f4', [2, 2]), f32([0, Infinity, 1, 2]))), 'inf.npy', /Inf|not finite/i);
  imp('float64 vectors holding -Inf', 'non-finite values', await file('ninf.npy', npyRaw(npyHeader('<f8', [2, 2]), Buffer.from(new Float64Array([0, 1, -Infinity, 2]).buffer))), 'ninf.npy', /Inf|not finite/i);
  imp('float16 vectors holding NaN', 'non-finite values', await file('nan16.npy', npyRaw(npyHeader('<f2', [2, 2]), Buffer.from(new Uint16Array([0, 0x7e00, 0x3c00, 0]).buffer))), 'nan16.npy', /NaN|not finite/i);
  imp('float images holding NaN', 'non-finite values', await file('nan-img.npy', npyRaw(npyHeader('<f4', [1, 2, 2, 3]), f32([0.1, 0.2, NaN, ...Array(9).fill(0.5)]))), 'nan-img.npy', /NaN|not finite/i);
  imp('npz x_train holding NaN', 'non-finite values', await file('nan.npz', rawZip([honestEntry('x_train.npy', npyRaw(npyHeader('<f4', [2, 2]), f32([1, 2, 3, NaN])))])), 'nan.npz', /NaN|not finite/i);

  // ---- corrupt and malicious archives ------------------------------------------------------
  const good = rawZip([honestEntry('a.png', png8), honestEntry('b.png', png8)]);
  imp('a zip cut in half', 'corrupt archive', await file('truncated.zip', good.subarray(0, good.length >> 1)), 'truncated.zip', /not a zip|truncated|corrupt/i);
  {
    const e = honestEntry('a.png', png8);
    imp('a zip entry with a wrong CRC', 'corrupt archive', await file('badcrc.zip', rawZip([{ ...e, crc: e.crc ^ 1 }])), 'badcrc.zip', /CRC-32 mismatch/);
    imp('an encrypted zip entry', 'corrupt archive', await file('encrypted.zip', rawZip([{ ...e, flags: 1 }])), 'encrypted.zip', /encrypted/);
    imp('a zip entry compressed with bzip2 (method 12)', 'corrupt archive', await file('bzip2.zip', rawZip([{ ...e, method: 12 }])), 'bzip2.zip', /compression method 12/);
    imp('a zip entry escaping the archive (../)', 'corrupt archive', await file('traversal.zip', rawZip([{ ...e, name: '../../evil.png' }])), 'traversal.zip', /\.\.|outside|escape/i);
    imp('a zip entry with an absolute path', 'corrupt archive', await file('absolute.zip', rawZip([{ ...e, name: '/etc/evil.png' }])), 'absolute.zip', /absolute|outside|escape/i);
  }
  imp('a tar entry escaping the archive (../)', 'corrupt archive', await file('traversal.tar', Buffer.from(writeTar([{ path: '../evil.png', data: png8 }]))), 'traversal.tar', /\.\.|outside|escape/i);
  {
    const t = Buffer.from(writeTar([{ path: 'a.png', data: png16 }, { path: 'b.png', data: png16 }]));
    imp('a tar cut inside an entry', 'corrupt archive', await file('truncated.tar', t.subarray(0, 512 + 300)), 'truncated.tar', /truncated tar/);
    const gz = gzipSync(t);
    const bad = Buffer.from(gz);
    for (let i = 40; i < 80; i++) bad[i] = 0xff;
    imp('a tar.gz with corrupt deflate data', 'corrupt archive', await file('corrupt.tar.gz', bad), 'corrupt.tar.gz', /corrupt gzip|truncated|corrupt/i);
  }
  imp('a gzip that holds no tar', 'corrupt archive', await file('plain.gz', gzipSync(seeded(4096, 9))), 'plain.gz', /does not hold a tar/);
  imp('an empty file', 'corrupt archive', await file('empty.bin', Buffer.alloc(0)), 'empty.bin', /empty/);
  imp('random bytes', 'corrupt archive', await file('noise.bin', seeded(5000, 11)), 'noise.bin', /no dataset found/);

  // ---- .npy / .npz format ------------------------------------------------------------------
  imp('an .npy shorter than its header says', 'array format', await file('short.npy', npyRaw(npyHeader('<f4', [100, 4]), f32([1, 2, 3]))), 'short.npy', /truncated|expected|bytes/i);
  imp('an .npy header that is not a dict', 'array format', await file('garbage-header.npy', npyRaw('hello world')), 'garbage-header.npy', /header/i);
  imp('an .npy with a negative dimension', 'array format', await file('negative.npy', npyRaw(npyHeader('<f4', [-5000, 3]))), 'negative.npy', /shape|dimension|negative/i);
  imp('an .npy claiming 2^40 items', 'array format', await file('huge-shape.npy', npyRaw(npyHeader('|u1', [2 ** 40, 1]), Buffer.alloc(64))), 'huge-shape.npy', /truncated|bytes|too large|shape/i);
  imp('an .npy of Python objects', 'array format', await file('objects.npy', npyRaw(npyHeader('|O', [2]), Buffer.alloc(16))), 'objects.npy', /object|dtype/i);
  imp('an .npy of complex numbers', 'array format', await file('complex.npy', npyRaw(npyHeader('<c16', [2, 2]), Buffer.alloc(64))), 'complex.npy', /dtype|complex|supported/i);
  imp('a Fortran-order .npy with too few bytes', 'array format', await file('fortran.npy', npyRaw(npyHeader('<f4', [10, 3], true), f32([1, 2]))), 'fortran.npy', /truncated|expected|bytes/i);
  imp('an .npy version 2 header longer than the file', 'array format', await file('v2.npy', Buffer.concat([Buffer.from('\x93NUMPY\x02\x00', 'latin1'), Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.from('{')])), 'v2.npy', /header|truncated/i);
  imp('an .npz whose arr_0 has five dimensions', 'array format', await file('five-d.npz', rawZip([honestEntry('arr_0.npy', npyRaw(npyHeader('|u1', [2, 2, 8, 8, 3]), Buffer.alloc(768)))])), 'five-d.npz', /shape|dimension/i);
  imp('an .npz with more labels than images', 'array format', await file('labels.npz', rawZip([honestEntry('arr_0.npy', npyRaw(npyHeader('|u1', [2, 8, 8, 3]), Buffer.alloc(384))), honestEntry('arr_1.npy', npyRaw(npyHeader('<i8', [3]), Buffer.alloc(24)))])), 'labels.npz', /2 items but 3 labels/);
  imp('an .npz with arrays but no data key', 'array format', await file('keys.npz', rawZip([honestEntry('foo.npy', npyRaw(npyHeader('|u1', [2, 8, 8, 3]), Buffer.alloc(384))), honestEntry('bar.npy', npyRaw(npyHeader('|u1', [2]), Buffer.alloc(2)))])), 'keys.npz', /cannot tell which arrays hold the data/);

  // ---- pickles (CIFAR-10 python batches) ---------------------------------------------------
  const batchDir = (name: string) => join(dir, name, 'cifar-10-batches-py');
  {
    const evil = Buffer.concat([P.proto, Buffer.from('cos\nsystem\n(X\x02\x00\x00\x00idtR.', 'latin1')]);
    await file('pickle-evil/cifar-10-batches-py/data_batch_1', evil);
    imp('a pickle that calls os.system', 'pickle', batchDir('pickle-evil'), 'data_batch_1', /os\.system|not allowed|refus/i);
  }
  {
    const items = Buffer.alloc(3_000_000 * 2);
    for (let i = 0; i < 3_000_000; i++) items[2 * i] = 0x4b;
    await file('pickle-wide/cifar-10-batches-py/data_batch_1', Buffer.concat([P.proto, P.emptyList, P.mark, items, P.appends, P.stop]));
    imp('a pickle list of 3 million items', 'pickle', batchDir('pickle-wide'), 'data_batch_1', /expected a dict|CIFAR|batch/i);
  }
  {
    const depth = 200_000;
    const nest = Buffer.concat([P.proto, Buffer.alloc(depth, ']'), Buffer.alloc(depth - 1, 'a'), P.stop]);
    await file('pickle-deep/cifar-10-batches-py/data_batch_1', nest);
    imp('a pickle nesting lists 200 000 deep', 'pickle', batchDir('pickle-deep'), 'data_batch_1', /expected a dict|CIFAR|batch|nest/i);
  }
  await file('pickle-cut/cifar-10-batches-py/data_batch_1', Buffer.concat([P.proto, Buffer.from('}q\x00(X\x04\x00\x00\x00da', 'latin1')]));
  imp('a pickle cut mid-string', 'pickle', batchDir('pickle-cut'), 'data_batch_1', /truncated|ends|pickle/i);
  await file('pickle-opcode/cifar-10-batches-py/data_batch_1', Buffer.concat([P.proto, Buffer.from([0xfe]), P.stop]));
  imp('a pickle with an unknown opcode', 'pickle', batchDir('pickle-opcode'), 'data_batch_1', /opcode/i);
  await file('pickle-list/cifar-10-batches-py/data_batch_1', Buffer.concat([P.proto, P.emptyList, P.stop]));
  imp('a pickle that is a list, not a batch dict', 'pickle', batchDir('pickle-list'), 'data_batch_1', /dict|batch/i);

  // ---- CIFAR-10 binary layout --------------------------------------------------------------
  imp('a CIFAR batch of 3000 bytes', 'CIFAR layout', await file('cifar-short/data_batch_1.bin', seeded(3000, 4)), 'data_batch_1.bin', /3073|record/);
  {
    const rec = seeded(3073 * 2, 5);
    rec[0] = 12;
    imp('a CIFAR record with label 12', 'CIFAR layout', await file('cifar-label/data_batch_1.bin', rec), 'data_batch_1.bin', /label/i);
  }
  {
    const rec = seeded(3073 * 2, 6);
    rec[0] = 1;
    rec[3073] = 2;
    await file('cifar-meta/data_batch_1.bin', rec);
    await file('cifar-meta/batches.meta.txt', Buffer.from('cat\ndog\n'));
    imp('batches.meta.txt naming 2 classes', 'CIFAR layout', join(dir, 'cifar-meta'), 'batches.meta.txt', /class|names|10/i);
  }
  {
    const rec = seeded(3073, 7);
    rec[0] = 3;
    await file('cifar-mixed/data_batch_1.bin', rec);
    await file('cifar-mixed/x.png', png8);
    imp('CIFAR batches mixed with images', 'CIFAR layout', join(dir, 'cifar-mixed'), 'cifar-mixed', /mixes cifar10-binary data with images data/);
  }

  // ---- image files -------------------------------------------------------------------------
  imp('a PNG signature followed by garbage', 'image file', await file('img-garbage/bad.png', Buffer.concat([PNG_SIGNATURE, seeded(200, 8)])), 'bad.png', /cannot (decode image|read image header)/);
  imp('a truncated JPEG', 'image file', await file('img-cut/cut.jpg', (await sharp(png16).jpeg().toBuffer()).subarray(0, 120)), 'cut.jpg', /cannot (decode image|read image header)/);
  {
    await file('img-mixed/a.png', png8);
    await file('img-mixed/b.png', png16);
    imp('images of two sizes without a resize', 'image file', join(dir, 'img-mixed'), 'img-mixed', /images have different sizes: .*--resize|resize/);
  }
  {
    // a valid header whose compressed pixel data is garbage: only the decode can tell
    const bad = Buffer.from(png16);
    const idat = bad.indexOf('IDAT', 0, 'latin1');
    for (let i = idat + 6; i < idat + 40; i++) bad[i] = (bad[i] ?? 0) ^ 0x5a;
    await file('img-pixels/a.png', png16);
    await file('img-pixels/b.png', bad);
    imp('a PNG whose pixel data is corrupt', 'image file', join(dir, 'img-pixels'), 'b.png', /cannot decode image/);
  }

  // ---- folders -----------------------------------------------------------------------------
  {
    const d = join(dir, 'non-utf8');
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'a.png'), png8);
    await writeFile(Buffer.concat([Buffer.from(`${d}/`), Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x70, 0x6e, 0x67])]), png8);
    imp('a file name that is not UTF-8', 'folder', d, 'non-utf8', /is not valid UTF-8; rename it/);
  }
  {
    const d = join(dir, 'only-link');
    await mkdir(d, { recursive: true });
    await symlink(join(dir, 'one-png', 'x.png'), join(d, 'outside.png'));
    imp('a folder whose only file links outside it', 'folder', d, 'only-link', /symbolic link\(s\) point outside the folder/);
  }
  {
    const d = join(dir, 'empty-folder');
    await mkdir(d, { recursive: true });
    imp('an empty folder', 'folder', d, 'empty-folder', /empty folder/);
  }
  imp('an import with no room left on the disk', 'folder', join(dir, 'one-png'), 'one-png', /not enough free disk space for importing .*SCORESCOPE_MIN_FREE_DISK/, [], { SCORESCOPE_MIN_FREE_DISK: '1000000TiB' });
  imp('a path that does not exist', 'folder', join(dir, 'missing.npz'), 'missing.npz', /no such file/);
  imp('a dataset name with a slash', 'folder', join(dir, 'one-png'), '--name', /name/i, ['--name', '../escape']);
  imp('a resize of 0 pixels', 'folder', join(dir, 'one-png'), '--resize', /resize/, ['--resize', '0']);

  // ---- parameters that pass validation must not fail later ---------------------------------
  const sample = (id: string, extra: string[], names: string, problem: RegExp) =>
    cases.push({ id, cls: 'parameters', argv: ['sample', '--data', train, '--n', '2', '--steps', '3', ...extra], names, problem });
  sample('delta 1e-300', ['--delta', '1e-300'], 'delta', /delta/);
  sample('delta NaN', ['--delta', 'NaN'], 'delta', /delta|number/);
  sample('T below zero', ['--T', '-1'], 'T', /T/);
  sample('zero steps', ['--steps', '0'], 'steps', /steps/);
  sample('a billion samples', ['--n', '1000000000'], 'n', /n/);
  sample('bandwidth 1', ['--bandwidth', '1'], 'bandwidth', /bandwidth must be below 1/);

  // ---- the audit path ----------------------------------------------------------------------
  const audit = (id: string, samples: string, names: string, problem: RegExp, extra: string[] = []) =>
    cases.push({ id, cls: 'audit', argv: ['audit', '--samples', samples, '--train', train, ...extra], names, problem });
  audit('samples in a corrupt .npz', await file('audit-corrupt.npz', good.subarray(0, 100)), 'audit-corrupt.npz', /zip|truncated|corrupt/i);
  audit('samples that are vectors', await file('audit-vectors.npy', npyRaw(npyHeader('<f4', [4, 3]), f32(Array(12).fill(0.5)))), 'audit-vectors.npy', /not images/);
  audit('image samples holding NaN', await file('audit-nan.npy', npyRaw(npyHeader('<f4', [1, 8, 8, 3]), f32([NaN, ...Array(191).fill(0.5)]))), 'audit-nan.npy', /NaN|not finite/i);
  audit('samples of another image size', await file('audit-16.npy', npyRaw(npyHeader('|u1', [2, 16, 16, 3]), seeded(1536, 3))), 'audit-16.npy', /16|shape|size/);
  audit('samples that do not exist', join(dir, 'nowhere.npz'), 'nowhere.npz', /no such file|not found|no run/i);
  audit('an audit sample PNG over the pixel limit', await file('audit-huge/a.png', hugePngHeader(16000, 16000)), 'a.png', /pixels per image/);

  return cases;
}
