/**
 * URL of a binary resource (image, export): `/res/...` from the browser host (its cookie carries
 * the token), `scorescope://res/...` in Electron. Paths are the segments a host resolver expects.
 */
import { transport } from './index';

export function resourceUrl(segments: (string | number)[], query?: Record<string, string | number>): string {
  const path = segments.map((s) => encodeURIComponent(String(s))).join('/');
  const q = query ? `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()}` : '';
  return transport === 'ipc' ? `scorescope://res/${path}${q}` : `/res/${path}${q}`;
}
