/**
 * Binary resources (images, exports) by path, for every host: the browser host serves them at
 * `/res/<path>`, Electron through the `scorescope://res/<path>` protocol. Images travel as URLs,
 * never as base64 in JSON. Each feature registers the first path segment it answers.
 */
import { datasetResources } from './resources/datasets';
import { runResources } from './resources/runs';
import { auditResources } from './resources/audit';
import { compareResources } from './resources/compare';
import type { ResourceResolver, Resource } from './resources/types';

export type { Resource, ResourceResolver };

const resolvers: Record<string, ResourceResolver> = {
  ...datasetResources,
  ...runResources,
  ...auditResources,
  ...compareResources,
};

/** `segments` are the decoded path parts after `res/`; null when nothing answers. */
export async function resolveResource(segments: string[], query: URLSearchParams, workspace: string): Promise<Resource | null> {
  const [head, ...rest] = segments;
  if (!head || segments.some((s) => s === '..' || s === '.' || s.includes('/') || s.includes('\\') || s.includes('\0'))) return null;
  const resolver = resolvers[head];
  return resolver ? resolver(rest, query, workspace) : null;
}

export function resourceSegments(pathname: string, prefix: string): string[] | null {
  if (!pathname.startsWith(prefix)) return null;
  try {
    return pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
}
