/** Resources of the runs feature, keyed by the first path segment after res/. */
import type { ResourceResolver } from './types';

export const runResources: Record<string, ResourceResolver> = {};
