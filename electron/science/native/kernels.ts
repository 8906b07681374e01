/**
 * The native CPU kernels (native/: an N-API addon built by native/build.mjs): packed, blocked
 * SGEMM-style distance products with AVX-512 or AVX2+FMA micro-kernels picked at run time
 * (portable loops elsewhere) and a fused top-k, on std::threads. Optional: when the binary is
 * missing or fails to load, or SCORESCOPE_NATIVE=0, callers fall back to tfjs and
 * nativeKernelInfo() says why. SCORESCOPE_NATIVE=portable keeps the addon but uses the portable
 * micro-kernel; SCORESCOPE_NATIVE_KERNEL=avx512|avx2|portable picks the default path (one this CPU
 * lacks falls back to the fastest it has, and nativeKernelInfo().why says so).
 * Plain N-API (NAPI_VERSION 8) and context-aware: the same binary loads in Node, Electron and
 * worker threads.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const packedKind: unique symbol;
/** Reference rows packed once in native memory; release with `free` (or left to the GC). */
export interface PackedReference {
  readonly [packedKind]: 'reference';
}
/** A block of query rows packed for one search. */
export interface PackedQueries {
  readonly [packedKind]: 'queries';
}

export type NativeKernelName = 'native-avx512' | 'native-avx2' | 'native-portable';

/** The addon's name of each kernel path. */
const addonKernel = { 'native-avx512': 'avx512', 'native-avx2': 'avx2', 'native-portable': 'portable' } as const;
type AddonKernel = (typeof addonKernel)[NativeKernelName];

/** The denoiser's operands, the same in the addon and in NativeKernels (documented there). */
type DenoiseOperands = [ref: PackedReference, rows: Float32Array, x: Float32Array, B: number, m: number, s2: number, out: Float32Array];

/** How the addon takes a KernelChoice: as its two trailing arguments (a boolean `portable` for binaries built before the AVX-512 path). */
type AddonChoice = [threads: number, kernel: AddonKernel | boolean];

/**
 * Rows the kernels read: float32, or uint8 pixels, each read as v/255 rounded to float32 (the
 * values pixelsToUnit gives), without a float32 copy of the whole array.
 */
export type PackRows = Float32Array | Uint8Array;

/** The addon's exports, as native/src/addon.cc defines them. */
interface Addon {
  /** avx512 is missing from binaries built before the AVX-512 path. */
  info(): { avx2: boolean; avx512?: boolean; hardwareThreads: number };
  packReference(data: PackRows, n: number, d: number, norms: Float64Array, mean?: Float64Array): PackedReference;
  packQueries(data: PackRows, m: number, d: number): PackedQueries;
  free(handle: PackedReference | PackedQueries): void;
  /** Missing from binaries built before the k-means kernels (as are the two below). */
  squaredNorms?(data: PackRows, n: number, d: number, out: Float64Array, threads: number): void;
  pixelsToUnit?(pixels: Uint8Array, out: Float32Array, threads: number): void;
  centreDistances?(
    ...args: [data: PackRows, d: number, rows: Int32Array, centroids: Float64Array, k: number, out: Float64Array, ...AddonChoice]
  ): void;
  centreSums?(...args: [data: PackRows, d: number, rows: Int32Array, assignment: Int32Array, k: number, out: Float64Array, ...AddonChoice]): void;
  denoise?(...args: [...DenoiseOperands, lse: Float64Array | null, ...AddonChoice]): void;
  nearestBlock(
    ...args: [
      ref: PackedReference,
      queries: PackedQueries,
      refStart: number,
      refCount: number,
      pool: number,
      scores: Float64Array,
      indices: Int32Array,
      counts: Int32Array,
      exclude: Int32Array | null,
      ...AddonChoice,
    ]
  ): Promise<void>;
  productsBlock(...args: [ref: PackedReference, queries: PackedQueries, refStart: number, refCount: number, out: Float32Array, ...AddonChoice]): Promise<void>;
}

/** Running top-`pool` candidate lists of one query block (CandidateLists' buffers). */
export interface NativeCandidateLists {
  readonly pool: number;
  /** [rows * pool] scores ||y||^2 - 2 q.y (float64), sorted by (score, index) per row. */
  readonly scores: Float64Array;
  readonly indices: Int32Array;
  /** [rows] entries held per row. */
  readonly counts: Int32Array;
}

/**
 * Where a call runs: threads (>= 1) and whether to force the portable micro-kernel; `kernel`
 * (when not portable) picks a path instead of the default, and must be one this CPU runs.
 */
export interface KernelChoice {
  threads: number;
  portable: boolean;
  kernel?: NativeKernelName;
}

export interface NativeKernels {
  /** The micro-kernel calls use unless they force the portable one. */
  readonly kernel: NativeKernelName;
  readonly hardwareThreads: number;
  /**
   * Packs [n, d] rows once; `norms` are their float64 squared norms (kept for the scores). With
   * `mean` the rows are packed centred (y - mean) and `norms` must be those of the centred rows.
   * Uint8Array: pixels, read as v/255 rounded to float32 (the values pixelsToUnit gives), packed
   * on all threads straight from the bytes; a `mean` is refused with uint8 data.
   */
  packReference(data: Float32Array | Uint8Array, n: number, d: number, norms: Float64Array, mean?: Float64Array): PackedReference;
  /**
   * Packs [m, d] query rows for the block calls below. Uint8Array: pixels, read as v/255 rounded
   * to float32 (the values pixelsToUnit gives).
   */
  packQueries(data: Float32Array | Uint8Array, m: number, d: number): PackedQueries;
  /** Releases packed memory now (a call still running keeps it until it finishes). */
  free(handle: PackedReference | PackedQueries): void;
  /**
   * Merges reference rows [refStart, refStart + refCount) into `lists` (one row per query):
   * candidates ranked by (||y||^2 - 2 q.y, index); exclude[r] (or -1) is skipped by row r.
   */
  nearestBlock(
    ref: PackedReference,
    queries: PackedQueries,
    refStart: number,
    refCount: number,
    lists: NativeCandidateLists,
    exclude: Int32Array | undefined,
    choice: KernelChoice,
  ): Promise<void>;
  /** out[r * refCount + c] = q_r . y_(refStart + c) in float32. */
  productsBlock(ref: PackedReference, queries: PackedQueries, refStart: number, refCount: number, out: Float32Array, choice: KernelChoice): Promise<void>;
  /** The kernel a call with this choice runs (throws if `kernel` is one this CPU lacks). */
  kernelFor(portable: boolean, kernel?: NativeKernelName): NativeKernelName;
  /** The kernels this CPU runs, fastest first (always ends with 'native-portable'). */
  readonly supported: readonly NativeKernelName[];
  /**
   * The empirical score's denoiser (native/src/denoise.h), SYNCHRONOUS: for the B rows of x
   * ([B, d]) out = sum_i w_i y_i with w = softmax_i(-||x - m y_i||^2 / (2 s2)); `ref` packs the same
   * `rows` ([n, d], the caller's array) centred on a mean; lse (optional, [B]) receives the
   * log-sum-exp of the logits (m/s2) q.ytilde_i - (m^2/(2 s2)) ||ytilde_i||^2, q = x - m mean.
   * Undefined when the binary predates the denoiser (rebuild with npm run build:native).
   */
  readonly denoise?: (...args: [...DenoiseOperands, lse: Float64Array | undefined, choice: KernelChoice]) => void;
  /**
   * SYNCHRONOUS, float64, bit-identical to the JS loop: out[i] = sum over j ascending of v * v,
   * v the float32 value of row i of data [n, d] (Uint8Array: pixels read as v/255 rounded to
   * float32). threads: default all. Undefined on binaries that predate it (as the two below).
   */
  readonly squaredNorms?: (data: Float32Array | Uint8Array, n: number, d: number, out: Float64Array, threads?: number) => void;
  /**
   * SYNCHRONOUS: out[i] = pixels[i] / 255 rounded to float32 (the values of pixelsToUnit in JS)
   * for every pixel; out holds at least pixels.length values. threads: default all.
   */
  readonly pixelsToUnit?: (pixels: Uint8Array, out: Float32Array, threads?: number) => void;
  /**
   * SYNCHRONOUS k-means distances (kmeans.ts' squaredToCentre, bit for bit): out[i * k + c] =
   * sum over j ascending of (x_j - centroids[c * d + j])^2 in float64, x = row rows[i] of data
   * (rows of d values; Uint8Array: pixels read as v/255 rounded to float32), each subtraction,
   * product and sum rounded on its own. out holds rows.length * k values.
   */
  readonly centreDistances?: (
    data: Float32Array | Uint8Array,
    d: number,
    rows: Int32Array,
    centroids: Float64Array,
    k: number,
    out: Float64Array,
    choice: KernelChoice,
  ) => void;
  /**
   * SYNCHRONOUS k-means sums (kmeans.ts' update, bit for bit): out ([k * d]) zeroed, then for i
   * ascending out[assignment[i] * d + j] += x_j, x = row rows[i] of data. choice: default all
   * threads and the default kernel.
   */
  readonly centreSums?: (
    data: Float32Array | Uint8Array,
    d: number,
    rows: Int32Array,
    assignment: Int32Array,
    k: number,
    out: Float64Array,
    choice?: KernelChoice,
  ) => void;
}

export interface NativeKernelInfo {
  available: boolean;
  /** 'native-avx512' | 'native-avx2' | 'native-portable' when available, else 'tfjs'. */
  kernel: string;
  /** Threads a search uses by default (0 when unavailable). */
  threads: number;
  /** Why the kernels are unavailable, or why a kernel other than the fastest is used. */
  why?: string;
}

export const addonFileName = 'scorescope_kernels.node';
const addonRelative = join('native', 'build', 'Release', addonFileName);

/**
 * Places the addon may be: <dir>/native/build/Release for every folder above this module (the
 * repository root in development and tests, the app root when bundled into out/main), with
 * app.asar swapped for app.asar.unpacked (asar cannot serve .node files), and the packaged
 * app's resources folder.
 */
export function addonCandidates(): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    const unpacked = p.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
    for (const c of [unpacked, p]) if (!out.includes(c)) out.push(c);
  };
  if (process.env['SCORESCOPE_NATIVE_PATH']) add(process.env['SCORESCOPE_NATIVE_PATH']);
  let dir = dirname(fileURLToPath(import.meta.url));
  const root = parse(dir).root;
  for (let i = 0; i < 8 && dir !== root; i++, dir = dirname(dir)) add(join(dir, addonRelative));
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) add(join(resources, 'app.asar.unpacked', addonRelative));
  return out;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.slice(0, 300);
}

interface LoadResult {
  kernels?: NativeKernels;
  why?: string;
}

let loaded: LoadResult | undefined;

function positiveThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`native kernels: threads must be a positive integer, got ${threads}`);
  return threads;
}

const kernelEnv = 'SCORESCOPE_NATIVE_KERNEL';

/** The kernels this CPU runs, fastest first. */
function supportedKernels(info: ReturnType<Addon['info']>): NativeKernelName[] {
  const out: NativeKernelName[] = [];
  if (info.avx512) out.push('native-avx512');
  if (info.avx2) out.push('native-avx2');
  out.push('native-portable');
  return out;
}

/** The default kernel: the fastest, unless SCORESCOPE_NATIVE or SCORESCOPE_NATIVE_KERNEL says otherwise. */
function defaultKernel(supported: readonly NativeKernelName[]): { kernel: NativeKernelName; why?: string } {
  if (process.env['SCORESCOPE_NATIVE'] === 'portable') return { kernel: 'native-portable', why: 'portable kernel forced by SCORESCOPE_NATIVE=portable' };
  const asked = process.env[kernelEnv];
  if (asked) {
    const name = (asked === 'scalar' ? 'native-portable' : `native-${asked}`) as NativeKernelName;
    if (supported.includes(name)) return name === supported[0] ? { kernel: name } : { kernel: name, why: `${name} forced by ${kernelEnv}=${asked}` };
    return { kernel: supported[0]!, why: `${kernelEnv}=${asked} is not a kernel this CPU runs (${supported.join(', ')}); using ${supported[0]}` };
  }
  if (supported[0] === 'native-portable') return { kernel: 'native-portable', why: 'this CPU has no AVX2+FMA (or is not x86-64)' };
  return { kernel: supported[0]! };
}

let defaultWhy: string | undefined;

function wrap(addon: Addon): NativeKernels {
  const info = addon.info();
  const supported = supportedKernels(info);
  const fallback = defaultKernel(supported);
  defaultWhy = fallback.why;
  const kernelFor = (portable: boolean, kernel?: NativeKernelName): NativeKernelName => {
    if (portable) return 'native-portable';
    if (!kernel) return fallback.kernel;
    if (!supported.includes(kernel)) throw new Error(`native kernels: this CPU does not run ${kernel} (it runs ${supported.join(', ')})`);
    return kernel;
  };
  // an older binary reads the last argument as `portable` and would take any string as false
  const namesKernels = info.avx512 !== undefined;
  const addonChoice = (choice: KernelChoice): AddonChoice => {
    const kernel = kernelFor(choice.portable, choice.kernel);
    return [positiveThreads(choice.threads), namesKernels ? addonKernel[kernel] : kernel === 'native-portable'];
  };
  const kernels: NativeKernels = {
    kernel: kernelFor(false),
    hardwareThreads: info.hardwareThreads,
    kernelFor,
    supported,
    packReference: (data, n, d, norms, mean) => (mean ? addon.packReference(data, n, d, norms, mean) : addon.packReference(data, n, d, norms)),
    packQueries: (data, m, d) => addon.packQueries(data, m, d),
    free: (handle) => addon.free(handle),
    nearestBlock: (ref, queries, refStart, refCount, lists, exclude, choice) =>
      addon.nearestBlock(
        ref,
        queries,
        refStart,
        refCount,
        lists.pool,
        lists.scores,
        lists.indices,
        lists.counts,
        exclude ?? null,
        ...addonChoice(choice),
      ),
    productsBlock: (ref, queries, refStart, refCount, out, choice) => addon.productsBlock(ref, queries, refStart, refCount, out, ...addonChoice(choice)),
  };
  const denoise = addon.denoise?.bind(addon);
  const squaredNorms = addon.squaredNorms?.bind(addon);
  const pixelsToUnit = addon.pixelsToUnit?.bind(addon);
  const centreDistances = addon.centreDistances?.bind(addon);
  const centreSums = addon.centreSums?.bind(addon);
  const allThreads = (threads: number | undefined) => (threads === undefined ? 0 : positiveThreads(threads));
  return {
    ...kernels,
    ...(denoise && {
      denoise: (ref, rows, x, B, m, s2, out, lse, choice) => denoise(ref, rows, x, B, m, s2, out, lse ?? null, ...addonChoice(choice)),
    }),
    ...(squaredNorms && { squaredNorms: (data, n, d, out, threads) => squaredNorms(data, n, d, out, allThreads(threads)) }),
    ...(pixelsToUnit && { pixelsToUnit: (pixels, out, threads) => pixelsToUnit(pixels, out, allThreads(threads)) }),
    ...(centreDistances && {
      centreDistances: (data, d, rows, centroids, k, out, choice) => centreDistances(data, d, rows, centroids, k, out, ...addonChoice(choice)),
    }),
    ...(centreSums && {
      centreSums: (data, d, rows, assignment, k, out, choice) =>
        centreSums(data, d, rows, assignment, k, out, ...addonChoice(choice ?? { threads: info.hardwareThreads, portable: false })),
    }),
  } satisfies NativeKernels;
}

function load(): LoadResult {
  if (process.env['SCORESCOPE_NATIVE'] === '0') return { why: 'disabled by SCORESCOPE_NATIVE=0' };
  const candidates = addonCandidates();
  const file = candidates.find((c) => existsSync(c));
  if (!file) return { why: `${addonFileName} not built (run npm run build:native); looked in ${candidates.slice(0, 3).join(', ')}, ...` };
  try {
    const addon = createRequire(import.meta.url)(file) as Addon;
    if (typeof addon.nearestBlock !== 'function' || typeof addon.info !== 'function') {
      return { why: `${file} is not the ScoreScope kernels addon (missing exports); rebuild with npm run build:native` };
    }
    return { kernels: wrap(addon) };
  } catch (e) {
    return { why: `${file} failed to load: ${firstLine(e)}` };
  }
}

/** The kernels, loaded once per process/worker, or undefined (see nativeKernelInfo().why). */
export function loadNativeKernels(): NativeKernels | undefined {
  loaded ??= load();
  return loaded.kernels;
}

/** What the neighbour searches run on, for status displays and benchmark output. */
export function nativeKernelInfo(): NativeKernelInfo {
  const kernels = loadNativeKernels();
  if (!kernels) return { available: false, kernel: 'tfjs', threads: 0, why: loaded?.why ?? 'not loaded' };
  const info: NativeKernelInfo = { available: true, kernel: kernels.kernel, threads: kernels.hardwareThreads };
  if (defaultWhy) info.why = defaultWhy;
  return info;
}
