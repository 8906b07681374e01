/**
 * The read-only data shared with the project (../shared beside the repo, as CI lays it out;
 * SCORESCOPE_SHARED overrides). Tests and benchmarks read CIFAR-10 from here, never a copy.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = process.env['SCORESCOPE_SHARED'] ?? resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared');

/** 1 000 train + 200 test records, bit-exact, official binary layout. */
export const CIFAR_MINI = resolve(SHARED_DIR, 'data/cifar10/cifar10-mini-bin.tar.gz');
/** The full 60 000 records (mostly JPEG-recompressed), for benchmarks. */
export const CIFAR_FULL = resolve(SHARED_DIR, 'data/cifar10/cifar-10-binary.tar.gz');
