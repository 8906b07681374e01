/**
 * One table of job results (contract/job-results.ts): every kind has a task, every result is
 * checked against its schema and read by it, and workspace errors get their API code from their class.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, checkJobResult, jobResult, jobResults, wireError } from '../../electron/contract';
import { taskKinds } from '../../electron/jobs/tasks';
import { aboutField, toApiError } from '../../electron/hosts/api-errors';
import { DatasetNotFound, DatasetStoreError, SplitNotFound } from '../../electron/workspace/datasets';
import { RunNotFound } from '../../electron/workspace/runs';
import { ModelRefused } from '../../electron/workspace/model-run';
import { AuditNotFound } from '../../electron/jobs/exports/audit-data';

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

  it('a client reads a result by its kind: the schema parses it, or refuses it', () => {
    const sweep = { run: 'r', dir: '/w/runs/r', summary: { n: 1 }, rows: [], figures: ['a.svg'] };
    expect(jobResult('experiments.deltaSweep', sweep)).toEqual(sweep);
    expect(() => jobResult('experiments.deltaSweep', { ...sweep, rows: null })).toThrow(/rows/);
  });
});

describe('error codes come from error classes', () => {
  it('maps workspace errors by class, whatever their message says', () => {
    const code = (e: unknown) => toApiError(e).code;
    expect(code(new DatasetNotFound('anything'))).toBe('not-found');
    expect(code(new SplitNotFound('d', 'val', ['train', 'test']))).toBe('not-found');
    expect(code(new RunNotFound('anything'))).toBe('not-found');
    expect(code(new AuditNotFound('anything'))).toBe('not-found');
    expect(code(new DatasetStoreError('no dataset "x" (but a refusal)'))).toBe('bad-request');
    expect(code(new ModelRefused('model: no run "x"'))).toBe('bad-request');
    expect(code(new Error('no run "x"'))).toBe('failed');
    const api = new ApiError('unknown-call', 'x');
    expect(toApiError(api)).toBe(api);
  });

  it('a missing split names the dataset, the split and the splits there are', () => {
    expect(new SplitNotFound('d', 'val', ['train', 'test']).message).toBe('dataset "d" has no split "val" (has: train, test)');
  });

  it('aboutField keeps the message, adds the field, and passes other errors through', async () => {
    await expect(aboutField('data: ', async () => { throw new DatasetNotFound('no dataset "a"'); }))
      .rejects.toMatchObject({ code: 'not-found', message: 'data: no dataset "a"' });
    await expect(aboutField('data: ', async () => { throw new TypeError('boom'); })).rejects.toBeInstanceOf(TypeError);
  });

  it('the wire form keeps an ApiError code and calls anything else failed', () => {
    expect(wireError(new ApiError('not-found', 'gone'))).toEqual({ code: 'not-found', message: 'gone' });
    expect(wireError(new RangeError('bad'))).toEqual({ code: 'failed', message: 'bad' });
    expect(wireError('text')).toEqual({ code: 'failed', message: 'text' });
  });
});
