/** native-data: dataset codecs. Bytes and paths in, typed arrays and metadata out; no tfjs, no Electron. */
export { DataError } from './errors';
export { naturalCompare } from './natural-sort';
export { safeEntryPath } from './archive-path';
export { readTar, type TarEntry } from './tar';
export { ZipFile, ZipWriter, isZipMagic, type ZipEntry } from './zip';
export {
  parseNpyHeader, parseDtype, readNpyBytes, readNpyFile, readNpyHeader, readNpyItems, readNpyItemsAt, streamNpy, streamNpyFile,
  encodeNpy, encodeNpyHeader, writeNpy, NpyStreamWriter, decodeNpyData, fortranToC, descrOf, isNpyMagic, product,
  type NpyArray, type NpyData, type NpyDtype, type NpyHeader, type NpyStream, type NpyChunk,
} from './npy';
export { readNpz, writeNpz, npzMembers, streamNpzMember, npzMemberHeader, type NpzInput, type NpzMember } from './npz';
export { unpickle, PyDict, PyTuple, PyNdArray, PyDtype, pyText, isPickleMagic, type PyValue } from './pickle';
export {
  CIFAR10_CLASSES, CIFAR_RECORD, CIFAR_PIXELS, CIFAR_ITEM_SHAPE, decodeCifarRecords, checkCifarBinaryLength, cifarSplitOf,
  parseCifarMetaText, readCifarPythonBatch, readCifarPythonMeta, cifarBatchFromPickle, type CifarChunk,
} from './cifar';
export { decodeImage, imageSize, imageKindOf, type DecodedImage, type DecodeOptions, type ImageKind, type ResizeFit } from './images';
export { interpretShape, pixelRangeOf, toImageBytes, toFloat32, toLabels, type ArrayLayout, type PixelRange } from './array-layout';
export { openSourceTree, walkFolder, type Container, type SourceEntry, type SourceTree } from './source-tree';
export {
  readSource, probeSource, nameFromPath,
  type DatasetFormat, type DatasetKind, type ItemBatch, type SourceInfo, type ReadOptions, type ProbeResult, type ProbeSplit, type ArraySourceInfo, type BatchSink,
} from './sources';
export {
  Xoshiro128, sampleSynthetic, synthesize, validateSpec, specDimension, PAPER_GAUSSIAN,
  type SyntheticSpec, type GaussianSpec, type MixtureSpec, type GaussianComponent, type SyntheticSplit,
} from './synthetic';
export { downloadFile, downloadCifar10, CIFAR10_DOWNLOADS, type DownloadOptions, type DownloadResult } from './download';
export { readLimits, type ReadLimits } from './limits';
export { LimitExceeded } from './errors';
export { TEMP_PREFIX, TRASH_PREFIX, tempPrefix, tempName, trashName, partName, debrisOwner, processAlive } from './temp-names';
export { sha256File, sha256Source, sourceByteSize } from './hash';
