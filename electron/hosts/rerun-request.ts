/**
 * A run.json back into the request that made it: which call (by run kind), and its params cut to
 * what that call's schema accepts (run.json also records resolved values such as the bandwidth,
 * and nulls for options not given), parsed by the contract like any request.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiError, auditJobKind, calls, experimentOfRunKind, experiments, parseRequest, runKinds, samplingJobKinds,
  type CallName, type JobKind,
} from '../contract';
import { runDirectory, type RunManifest } from '../workspace/runs';

interface RerunTarget {
  call: CallName;
  kind: JobKind;
}

function targetOf(runKind: string): RerunTarget | null {
  if (runKind === runKinds.sample) return { call: 'sample.start', kind: samplingJobKinds.sample };
  if (runKind === runKinds.trainScore) return { call: 'scores.train', kind: samplingJobKinds.trainScore };
  if (runKind === runKinds.audit) return { call: 'audit.start', kind: auditJobKind };
  const key = experimentOfRunKind(runKind);
  return key ? { call: experiments[key].call, kind: experiments[key].call } : null;
}

/** The audit's samples: the run they came from if it is still there, else the copy the audit kept. */
function auditSamples(workspace: string, run: RunManifest): string {
  const source = run.params['sourceRun'];
  if (typeof source === 'string' && existsSync(join(runDirectory(workspace, source).replace(/[\\/]+$/, ''), 'run.json'))) return source;
  return join(runDirectory(workspace, run.id), 'samples.npz');
}

/** Top-level keys the call's strict request schema does not know (run.json records more than a request holds). */
function unrecognised(call: CallName, params: Record<string, unknown>): string[] {
  const r = calls[call].request.safeParse(params);
  if (r.success) return [];
  return r.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : []));
}

/** The call, job kind and parsed request that repeat `run`; ApiError when the run kind cannot be re-run. */
export function rerunRequest(workspace: string, run: RunManifest): { call: CallName; kind: JobKind; request: Record<string, unknown> } {
  const target = targetOf(run.kind);
  if (!target) throw new ApiError('bad-request', `re-run: runs of kind "${run.kind}" cannot be re-run`);
  // resolved values and options not given (null) are not request fields; early stopping is given as delta
  const params: Record<string, unknown> = Object.fromEntries(Object.entries(run.params).filter(([, v]) => v !== null));
  if ('delta' in params) delete params['bandwidth'];
  if (run.kind === runKinds.audit) {
    params['samples'] = auditSamples(workspace, run);
    // the kept copy is already at the audited size
    if (params['samples'] !== run.params['sourceRun']) {
      delete params['resize'];
      delete params['fit'];
    }
  }
  for (const k of unrecognised(target.call, params)) delete params[k];
  try {
    return { ...target, request: parseRequest(target.call, params) as Record<string, unknown> };
  } catch (e) {
    throw new ApiError('bad-request', `re-run of ${run.id}: its run.json no longer makes a valid request (${(e as Error).message})`);
  }
}
