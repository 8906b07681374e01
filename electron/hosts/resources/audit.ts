/** Resources of the audit feature, keyed by the first path segment after res/. */
import type { ResourceResolver } from './types';

export const auditResources: Record<string, ResourceResolver> = {};
