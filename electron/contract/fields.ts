/** Request fields several calls share: one definition each. */
import { z } from 'zod';
import { DatasetRef } from './datasets';

export const finite = () => z.number().finite();
/** A random seed (the engine's generators take 31 bits). */
export const Seed = z.number().int().nonnegative().max(2 ** 31 - 1);
/** Steps of a sampler's grid. */
export const Steps = z.number().int().min(1).max(100_000);

const RUN_ID_RE = /^[0-9]{8}-[0-9]{6}-[a-z0-9-]{1,40}-[0-9a-f]{6}$/;
export const RunId = z.string().regex(RUN_ID_RE, 'run id: expected the form 20260102-030405-<kind>-<6 hex digits> (see `scorescope runs list`)');

/**
 * Refinement options for a refusal whose message names request fields. `mentions` lists them as
 * written in the message ("field", or "field=value" for the words `field "value"`), so a host can
 * print its own names for them (the CLI: `--flag`, `--flag value`).
 */
export function refusal(field: string, message: string, mentions: string[] = []) {
  return { message, path: [field], ...(mentions.length ? { params: { mentions } } : {}) };
}

/** A workspace dataset a request reads. */
export const TrainingDataRef = DatasetRef.describe('a dataset of the workspace, "name" or "name:split" (see `scorescope datasets list`)');
