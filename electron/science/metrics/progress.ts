/** Maps a stage's progress 0..1 onto [from, to] of the parent job; cancellation passes through. */
import type { JobContext } from '../job-context';

export function stageContext(ctx: JobContext | undefined, from: number, to: number, label: string): JobContext | undefined {
  if (!ctx) return undefined;
  return {
    progress: (f, message) => ctx.progress(from + (to - from) * Math.min(1, Math.max(0, f)), message ?? label),
    throwIfCancelled: () => ctx.throwIfCancelled(),
    signal: ctx.signal,
  };
}
