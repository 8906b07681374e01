/** Resources of the datasets feature, keyed by the first path segment after res/. */
import type { ResourceResolver } from './types';

export const datasetResources: Record<string, ResourceResolver> = {};
