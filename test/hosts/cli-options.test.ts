/**
 * CLI options come from the contract's request schemas: flags, types, choices and defaults are
 * read from the schema, the refusals are the contract's with the flags' names.
 */
import { describe, expect, it } from 'vitest';
import { Flags } from '../../electron/hosts/cli-args';
import { callOptions, checkedRequest, flagOf, optionsHelp } from '../../electron/hosts/cli-options';

const flags = (entries: Record<string, string>) => new Flags(new Map(Object.entries(entries)));

describe('CLI options from the contract', () => {
  it('names flags in kebab case, keeps one-letter names, reads types, choices and defaults', () => {
    expect([flagOf('samplerSeed'), flagOf('Ns'), flagOf('T'), flagOf('tMin')]).toEqual(['sampler-seed', 'ns', 'T', 't-min']);
    const options = callOptions('sample.start');
    const byFlag = Object.fromEntries(options.map((o) => [o.flag, o]));
    expect(byFlag['sampler']).toMatchObject({ kind: 'choice', default: 'sde', choices: ['sde', 'ei', 'ode', 'heun', 'edm', 'kde', 'cifar-kde'] });
    expect(byFlag['n']).toMatchObject({ kind: 'integer', default: 64 });
    expect(byFlag['delta']).toMatchObject({ kind: 'number', required: false });
    expect(byFlag['data']).toMatchObject({ required: true });
    expect(callOptions('experiments.deltaSweep').find((o) => o.field === 'deltas')).toMatchObject({ kind: 'number-list', flag: 'deltas' });
    expect(callOptions('experiments.gaussian2d', { nSamples: 'n' }).find((o) => o.field === 'nSamples')?.flag).toBe('n');
    expect(optionsHelp(options)).toMatch(/--grid uniform\|geometric\|edm\s+OU-time grid from T down to delta; default geometric/);
  });

  it('converts by type, leaves absent flags to the defaults, and prints refusals with flag names', () => {
    const options = callOptions('sample.start');
    expect(checkedRequest('sample.start', options, flags({ data: 'g2', n: '12', 'sampler-seed': '3' }))).toEqual({ data: 'g2', n: 12, samplerSeed: 3 });
    expect(() => checkedRequest('sample.start', options, flags({ data: 'g2', grid: 'log' }))).toThrow(/--grid must be one of uniform, geometric, edm; got "log"/);
    expect(() => checkedRequest('sample.start', options, flags({}))).toThrow(/^--data is required: a dataset of the workspace/);
    expect(() => checkedRequest('sample.start', options, flags({ data: 'g2', patch: '5' }))).toThrow(/^--patch is only used with --score local$/);
    expect(() => checkedRequest('sample.start', options, flags({ data: 'g2', steps: '0' }))).toThrow(/^--steps: /);
  });

  it('the audit and dataset commands take their flags from the same contract', () => {
    const audit = callOptions('audit.start');
    expect(optionsHelp(audit)).toMatch(/--threshold NUMBER\s+a sample is memorised when d1\/d2 is below this; default 0\.3333/);
    expect(() => checkedRequest('audit.start', audit, flags({ train: 'cifar10' }))).toThrow(/^--samples is required: a folder of images/);
    expect(() => checkedRequest('audit.start', audit, flags({ samples: 's.npz', train: 'c', k: '1' }))).toThrow(/^--k: k must be at least 2/);
    const importing = callOptions('datasets.import');
    expect(checkedRequest('datasets.import', importing, flags({ resize: '32', fit: 'cover' }), { path: 'x' })).toEqual({ path: 'x', resize: 32, fit: 'cover' });
    expect(() => checkedRequest('datasets.import', importing, flags({ resize: '0' }), { path: 'x' })).toThrow(/^--resize: /);
    expect(() => checkedRequest('datasets.download', callOptions('datasets.download'), flags({ md5: 'abc' }), { dataset: 'cifar10' }))
      .toThrow(/^--md5: md5: expected 32 hexadecimal digits/);
  });
});
