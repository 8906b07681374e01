/**
 * One table of job results (contract/job-results.ts): every kind has a task, every result is
 * checked against its schema, and store errors get their API code from their class.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, checkJobResult, jobResults, wireError } from '../../electron/contract';
import { taskKinds } from '../../electron/jobs/tasks';
import { storeCall, storeErrorCode } from '../../electron/hosts/handlers/store-errors';
import { DatasetNotFound, DatasetStoreError } from '../../electron/workspace/datasets';
import { RunNotFound } from '../../electron/workspace/runs';

describe('job results', () => {
  it('every job kind of the contract has an engine task, and no task lacks a result schema', () => {
    expect([...taskKinds()].sort()).toEqual(Object.keys(jobResults).sort());
  });

  it('a result that drifts from its schema is refused with the kind and the field named', () => {
    const good = { train: 100, test: 0 };
    expect(checkJobResult('datasets.synth', good)).toMatchObject({ ok: false });
    const r = checkJobResult('scores.train', { run: 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^the scores\.train job returned a result that does not match the contract: dir: /);
    expect(checkJobResult('no.such.kind', {})).toEqual({ ok: false, error: 'unknown job kind "no.such.kind"' });
  });
});

describe('error codes come from error classes', () => {
  it('maps workspace errors by class, whatever their message says', () => {
    expect(storeErrorCode(new DatasetNotFound('anything'))).toBe('not-found');
    expect(storeErrorCode(new RunNotFound('anything'))).toBe('not-found');
    expect(storeErrorCode(new DatasetStoreError('no dataset "x" (but a refusal)'))).toBe('bad-request');
    expect(storeErrorCode(new Error('no run "x"'))).toBeUndefined();
  });

  it('storeCall keeps the message, adds the prefix, and passes other errors through unless told', async () => {
    await expect(storeCall(async () => { throw new DatasetNotFound('no dataset "a"'); }, { prefix: 'data: ' }))
      .rejects.toMatchObject({ code: 'not-found', message: 'data: no dataset "a"' });
    await expect(storeCall(async () => { throw new TypeError('boom'); })).rejects.toBeInstanceOf(TypeError);
    await expect(storeCall(async () => { throw new TypeError('boom'); }, { otherwise: 'failed' })).rejects.toMatchObject({ code: 'failed' });
  });

  it('the wire form keeps an ApiError code and calls anything else failed', () => {
    expect(wireError(new ApiError('not-found', 'gone'))).toEqual({ code: 'not-found', message: 'gone' });
    expect(wireError(new RangeError('bad'))).toEqual({ code: 'failed', message: 'bad' });
    expect(wireError('text')).toEqual({ code: 'failed', message: 'text' });
  });
});
