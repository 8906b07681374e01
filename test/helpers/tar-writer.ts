/**
 * A ustar archive in memory, written by hand for test fixtures: the reader under test
 * (native-data/tar.ts, on tar-stream) is checked against bytes it did not make.
 */
const BLOCK = 512;

export interface TarInput {
  path: string;
  data?: Uint8Array;
  type?: 'file' | 'dir';
}

function writeOctal(h: Uint8Array, start: number, len: number, value: number): void {
  const s = value.toString(8).padStart(len - 1, '0');
  for (let i = 0; i < len - 1; i++) h[start + i] = s.charCodeAt(i);
  h[start + len - 1] = 0;
}

function writeString(h: Uint8Array, start: number, len: number, s: string): void {
  const b = new TextEncoder().encode(s);
  if (b.length > len) throw new Error(`tar name part too long: ${s}`);
  h.set(b, start);
}

/** A ustar archive in memory (names up to 255 bytes via the prefix field). Does not validate names (tests need bad ones). */
export function writeTar(entries: TarInput[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    const h = new Uint8Array(BLOCK);
    let name = type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
    let prefix = '';
    if (new TextEncoder().encode(name).length > 100) {
      const cut = name.lastIndexOf('/', name.length - 2);
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
    writeString(h, 0, 100, name);
    writeOctal(h, 100, 8, type === 'dir' ? 0o755 : 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, data.length);
    writeOctal(h, 136, 12, 0);
    h[156] = (type === 'dir' ? '5' : '0').charCodeAt(0);
    writeString(h, 257, 6, 'ustar');
    h[262] = 0;
    writeString(h, 263, 2, '00');
    writeString(h, 345, 155, prefix);
    for (let i = 148; i < 156; i++) h[i] = 32;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i] as number;
    writeOctal(h, 148, 7, sum);
    h[155] = 32;
    parts.push(h, data);
    const pad = Math.ceil(data.length / BLOCK) * BLOCK - data.length;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return Buffer.concat(parts);
}
