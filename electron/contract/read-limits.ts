/**
 * Budgets every reader of user data works within, so no file a user drops (a zip bomb, a
 * 16000 x 16000 PNG, a CIFAR batch of a million zero records) can exhaust memory or disk.
 * Each limit has a default that fits a laptop, a request field (CLI flag) and an environment
 * setting; every refusal names the file, the limit and both ways to raise it.
 */
import { z } from 'zod';

export interface ReadLimits {
  /** Bytes an archive (zip, tar.gz) may inflate to, all entries together. */
  readonly maxUncompressed: number;
  /** Largest inflated / compressed size of an entry or a gzip stream (checked past RATIO_FLOOR bytes). */
  readonly maxRatio: number;
  /** Pixels of one image (width x height), read from its header before it is decoded; also the size a resize produces. */
  readonly maxImagePixels: number;
  /** Bytes of decoded images and whole-entry reads held at once (a batch being assembled, the decode window, one file read whole). */
  readonly maxDecoded: number;
}

export const readLimitNames = ['maxUncompressed', 'maxRatio', 'maxImagePixels', 'maxDecoded'] as const;
export type ReadLimitName = (typeof readLimitNames)[number];

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxUncompressed: 16 * 2 ** 30,
  maxRatio: 200,
  maxImagePixels: 100_000_000,
  maxDecoded: 1 * 2 ** 30,
};

/** Ratios are only judged past this many inflated bytes: small entries of zeros are harmless. */
export const RATIO_FLOOR = 64 * 2 ** 20;

/** How a person raises each limit: the CLI flag (request field) and the environment setting. */
export const READ_LIMIT_SETTINGS: Record<ReadLimitName, { flag: string; env: string; what: string; unit: 'bytes' | 'ratio' | 'pixels' }> = {
  maxUncompressed: { flag: '--max-uncompressed', env: 'SCORESCOPE_MAX_UNCOMPRESSED', what: 'the limit on uncompressed data', unit: 'bytes' },
  maxRatio: { flag: '--max-ratio', env: 'SCORESCOPE_MAX_RATIO', what: 'the limit on the compression ratio', unit: 'ratio' },
  maxImagePixels: { flag: '--max-image-pixels', env: 'SCORESCOPE_MAX_IMAGE_PIXELS', what: 'the limit on pixels per image', unit: 'pixels' },
  maxDecoded: { flag: '--max-decoded', env: 'SCORESCOPE_MAX_DECODED', what: 'the limit on decoded bytes held at once', unit: 'bytes' },
};

const BINARY: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/** "16GiB", "512M", "1.5g", "2000000" -> a positive whole number (binary units for bytes, decimal for counts); null if not one. */
export function parseQuantity(text: string, unit: 'bytes' | 'ratio' | 'pixels'): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return null;
  const scale = (unit === 'bytes' ? BINARY : DECIMAL)[(m[2] ?? '').toLowerCase()];
  if (scale === undefined || (unit === 'ratio' && m[2] !== '')) return null;
  const v = Number(m[1]) * scale;
  return Number.isFinite(v) && v > 0 ? Math.round(v) : null;
}

/** A byte size, pixel count or ratio given as a number or as text with a unit ("32GiB", "400M"). */
function quantity(name: ReadLimitName) {
  const unit = READ_LIMIT_SETTINGS[name].unit;
  const expected = `expected a positive ${unit === 'bytes' ? 'size such as 16GiB or 512MiB' : unit === 'pixels' ? 'pixel count such as 100M' : 'number'}`;
  return z.unknown().transform((v, ctx) => {
    const n = typeof v === 'string' ? parseQuantity(v, unit) : typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: `${expected}, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });
}

/** Request fields that raise (or lower) the limits for one import, probe, download or audit. */
export const readLimitFields = {
  maxUncompressed: quantity('maxUncompressed').optional().describe('largest total an archive may inflate to (e.g. 32GiB)'),
  maxRatio: quantity('maxRatio').optional().describe('largest compression ratio of an archive entry'),
  maxImagePixels: quantity('maxImagePixels').optional().describe('largest image in pixels (e.g. 400M)'),
  maxDecoded: quantity('maxDecoded').optional().describe('largest amount of decoded images held at once (e.g. 4GiB)'),
};

/** The limits in force: request fields > environment settings > defaults. A bad setting is an error naming it. */
export function resolveReadLimits(given: Partial<Record<ReadLimitName, number | undefined>> = {}, env: Record<string, string | undefined> = {}): ReadLimits {
  const out = { ...DEFAULT_READ_LIMITS } as Record<ReadLimitName, number>;
  for (const name of readLimitNames) {
    const s = READ_LIMIT_SETTINGS[name];
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      const v = parseQuantity(fromEnv, s.unit);
      if (v === null) throw new Error(`${s.env}="${fromEnv}" is not a valid ${s.unit === 'bytes' ? 'size (e.g. 16GiB)' : s.unit === 'pixels' ? 'pixel count (e.g. 100M)' : 'number'}`);
      out[name] = v;
    }
    const v = given[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** "16.0 GiB" / "100.0 M pixels" / "200": a limit as people read it. */
export function describeLimitValue(name: ReadLimitName, value: number): string {
  const unit = READ_LIMIT_SETTINGS[name].unit;
  if (unit === 'bytes') {
    if (value >= 2 ** 30) return `${(value / 2 ** 30).toFixed(1)} GiB`;
    if (value >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MiB`;
    return `${value} bytes`;
  }
  if (unit === 'pixels') return value >= 1e6 ? `${(value / 1e6).toFixed(1)} M pixels` : `${value} pixels`;
  return String(value);
}

/** The tail of every refusal: which limit, its value, and how to raise it. */
export function limitAdvice(name: ReadLimitName, value: number): string {
  const s = READ_LIMIT_SETTINGS[name];
  return `over ${s.what} (${describeLimitValue(name, value)}); raise it with ${s.flag} or the ${s.env} setting`;
}
