/**
 * Datasets: probe, import, list, show, remove, rename, synthesise, download.
 * A dataset is referred to elsewhere as `name` or `name:split` (DatasetRef; default split train).
 */
import { readLimitFields } from './read-limits';
import { z } from 'zod';
import { jobStarted } from './jobs';

const finite = () => z.number().finite();

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_HINT = 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

export const DatasetName = z.string().regex(NAME_RE, `dataset name: ${NAME_HINT}`);
export const SplitName = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'split: letters, digits, "_" or "-"');
/** `name` or `name:split`, the way other features (sampling, audits) point at training data. */
export const DatasetRef = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(:[A-Za-z0-9_-]{1,32})?$/, `dataset reference: "name" or "name:split" (${NAME_HINT})`);

export const ResizeFit = z.enum(['cover', 'fill', 'contain']);
const Resize = z.number().int().min(1).max(4096);

export const DatasetSplit = z.object({
  count: z.number().int().nonnegative(),
  /** Per item: [H, W, C] images, [D] vectors. */
  shape: z.array(z.number().int()),
  dtype: z.enum(['uint8', 'float32']),
  valueRange: z.tuple([z.number(), z.number()]),
  classCounts: z.array(z.number().int()).nullable(),
  /** Per channel, 0-255 scale (images), or per dimension (vectors). */
  channelMean: z.array(z.number()),
  channelStd: z.array(z.number()),
  file: z.string(),
  labels: z.string().nullable(),
});
export type DatasetSplit = z.infer<typeof DatasetSplit>;

/** The spec a synthetic dataset was drawn from (native-data/synthetic.ts). */
export const SyntheticSpecInfo = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('gaussian'),
    mean: z.array(z.number()).readonly(),
    variance: z.number(),
    n: z.number(),
    test: z.number().optional(),
    seed: z.number(),
  }),
  z.object({
    kind: z.literal('mixture'),
    components: z.array(z.object({ mean: z.array(z.number()).readonly(), variance: z.number(), weight: z.number().optional() })).readonly(),
    n: z.number(),
    test: z.number().optional(),
    seed: z.number(),
  }),
]);

/** The manifest (electron/workspace/dataset-manifest.ts) plus what the workspace adds. */
export const DatasetInfo = z.object({
  version: z.number(),
  name: z.string(),
  source: z.string(),
  format: z.string(),
  container: z.string(),
  sha256: z.string(),
  created: z.string(),
  kind: z.enum(['images', 'vectors']),
  classes: z.array(z.string()).nullable(),
  splits: z.record(z.string(), DatasetSplit),
  options: z.object({ resize: z.number(), fit: ResizeFit }).nullable(),
  spec: SyntheticSpecInfo.optional(),
  notes: z.array(z.string()),
  /** Bytes the dataset takes in the workspace. */
  sizeBytes: z.number().int().nonnegative(),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

/** Result of import, synth and download jobs. */
export const DatasetImportResult = DatasetInfo.extend({
  /** The same content was already in the workspace: nothing was written. */
  existing: z.boolean(),
  /** download: where the verified archive was kept. */
  archive: z.string().optional(),
});
export type DatasetImportResult = z.infer<typeof DatasetImportResult>;

/** What an import would produce (result of a datasets.probe job). */
export const DatasetProbe = z.object({
  path: z.string(),
  format: z.string(),
  container: z.string(),
  kind: z.enum(['images', 'vectors']),
  classes: z.array(z.string()).nullable(),
  defaultName: z.string(),
  notes: z.array(z.string()),
  splits: z.record(z.string(), z.object({
    count: z.number().int(),
    shape: z.array(z.number().int()),
    dtype: z.enum(['uint8', 'float32']),
    labelled: z.boolean(),
  })),
  /** .npy / .npz: source dtype, shape, layout, value range and the conversion applied, per split. */
  arrays: z.record(z.string(), z.object({
    dtype: z.string(),
    shape: z.array(z.number().int()),
    layout: z.string(),
    range: z.tuple([z.number(), z.number()]).nullable(),
    conversion: z.string(),
  })).nullable(),
  /** Images: sizes found, most common first; more than one means a resize is needed. */
  imageSizes: z.array(z.object({ width: z.number().int(), height: z.number().int(), count: z.number().int() })).nullable(),
  needsResize: z.boolean(),
  /** Total bytes of the source. */
  sourceBytes: z.number().int().nonnegative(),
});
export type DatasetProbe = z.infer<typeof DatasetProbe>;

export const DatasetProbeRequest = z.object({
  path: z.string().min(1, 'path: give a file or folder to inspect'),
  resize: Resize.optional().describe('images of mixed sizes: resize to S x S'),
  fit: ResizeFit.optional().describe('how --resize fits an image of another aspect'),
  ...readLimitFields,
}).strict();

export const DatasetImportRequest = z.object({
  path: z.string().min(1, 'path: give a file or folder to import'),
  name: DatasetName.optional().describe('the dataset name (default: from the source)'),
  /** Images: make every image resize x resize (needed when sizes are mixed). */
  resize: Resize.optional().describe('images of mixed sizes: resize to S x S'),
  fit: ResizeFit.optional().describe('how --resize fits an image of another aspect'),
  ...readLimitFields,
}).strict();
export type DatasetImportRequest = z.infer<typeof DatasetImportRequest>;

const SynthCount = z.number().int().min(1).max(10_000_000);
const SynthCommon = {
  n: SynthCount.default(100),
  /** Optional held-out points from the same law. */
  test: z.number().int().min(0).max(10_000_000).optional(),
  seed: z.number().int().nonnegative().max(2 ** 31 - 1).default(0),
  name: DatasetName.optional(),
};

/** N(mean, var I) in `dim` dimensions; a one-number mean is repeated in every coordinate. */
export const SynthGaussianRequest = z.object({
  kind: z.literal('gaussian'),
  dim: z.number().int().min(1).max(65_536).optional(),
  mean: z.array(finite()).min(1).default([-5, 5]),
  variance: finite().nonnegative().default(10),
  ...SynthCommon,
}).strict().refine((r) => r.dim === undefined || r.mean.length === 1 || r.mean.length === r.dim, {
  message: 'mean must have one number or dim numbers',
  path: ['mean'],
});

export const SynthMixtureRequest = z.object({
  kind: z.literal('mixture'),
  components: z.array(z.object({
    mean: z.array(finite()).min(1),
    variance: finite().nonnegative(),
    weight: finite().positive().optional(),
  }).strict()).min(1).max(1000),
  ...SynthCommon,
}).strict().refine((r) => r.components.every((c) => c.mean.length === r.components[0]?.mean.length), {
  message: 'every component mean must have the same number of coordinates',
  path: ['components'],
});

export const DatasetSynthRequest = z.discriminatedUnion('kind', [SynthGaussianRequest, SynthMixtureRequest]);
export type DatasetSynthRequest = z.infer<typeof DatasetSynthRequest>;

const HttpUrl = z.string().refine((s) => {
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, 'url: expected an http(s) URL');

export const DatasetDownloadRequest = z.object({
  dataset: z.literal('cifar10').default('cifar10'),
  format: z.enum(['binary', 'python']).default('binary').describe('the official archive to fetch'),
  /** A mirror; default the official URL of the chosen format. */
  url: HttpUrl.optional().describe('a mirror (default: the official URL)'),
  /** Expected MD5 (hex); default the official one of the chosen format. */
  md5: z.string().regex(/^[0-9a-fA-F]{32}$/, 'md5: expected 32 hexadecimal digits').optional().describe('expected MD5 (default: the official one)'),
  name: DatasetName.optional().describe('the dataset name (default cifar10)'),
  ...readLimitFields,
}).strict();
export type DatasetDownloadRequest = z.infer<typeof DatasetDownloadRequest>;

const NameRequest = z.object({ name: DatasetName }).strict();
const SplitRequest = z.object({ name: DatasetName, split: SplitName.default('train') }).strict();

export const datasetCalls = {
  'datasets.list': { request: z.object({}).strict().default({}), response: z.object({ datasets: z.array(DatasetInfo) }) },
  'datasets.show': { request: NameRequest, response: DatasetInfo },
  /** Job; result: DatasetProbe. */
  'datasets.probe': { request: DatasetProbeRequest, response: jobStarted('datasets.probe') },
  /** Job; result: DatasetImportResult. */
  'datasets.import': { request: DatasetImportRequest, response: jobStarted('datasets.import') },
  /** Job; result: DatasetImportResult. */
  'datasets.synth': { request: DatasetSynthRequest, response: jobStarted('datasets.synth') },
  /** Job: download, verify the MD5, import; result: DatasetImportResult. */
  'datasets.download': { request: DatasetDownloadRequest, response: jobStarted('datasets.download') },
  'datasets.remove': { request: NameRequest, response: z.object({ name: z.string(), removed: z.literal(true) }) },
  'datasets.rename': { request: z.object({ from: DatasetName, to: DatasetName }).strict(), response: DatasetInfo },
  /** Labels of a split, for hover text and class filters (null when unlabelled). */
  'datasets.labels': {
    request: SplitRequest,
    response: z.object({ name: z.string(), split: z.string(), labels: z.array(z.number().int()).nullable() }),
  },
  /** Vector datasets: the first two coordinates of up to `limit` points (evenly strided), for a scatter. */
  'datasets.points': {
    request: SplitRequest.extend({ limit: z.number().int().min(1).max(200_000).default(20_000) }),
    response: z.object({
      name: z.string(),
      split: z.string(),
      dim: z.number().int(),
      total: z.number().int(),
      points: z.array(z.tuple([z.number(), z.number()])),
      labels: z.array(z.number().int()).nullable(),
    }),
  },
} as const;
