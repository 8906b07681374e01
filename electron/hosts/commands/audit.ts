/**
 * `scorescope audit --samples PATH --train <dataset[:split]> [--test <dataset:split>] [--k 5]
 *  [--threshold 0.3333] [--seed S] [--resize S] [--out DIR] [--json]`
 * Runs an audit job, prints the headline metrics (with --json: one object with the metrics and
 * every sample's neighbours), and with --out writes every export into DIR.
 */
import { auditHeadline, type AuditDetail, type AuditSummary } from '../../contract';
import { callOptions, checkedRequest, optionsHelp } from '../cli-options';
import { runJob } from './run-job';
import { checkOutDirectory } from '../out-directory';
import type { Command } from './types';

const USAGE = 'audit --samples PATH --train <dataset[:split]> [--test <dataset:split>] [options] [--out DIR [--top N]] [--json]';

/** The audit's flags are its request's fields (contract/audit.ts); --out and --top are the CLI's own. */
const auditOptions = () => callOptions('audit.start');
const EXPORT_FLAGS: [string, string][] = [
  ['--out DIR', 'also write every export (HTML report, gallery, CSV, metrics, npz) into DIR'],
  ['--top N', 'with --out: the gallery shows the N most memorised samples (lowest d1/d2); default 48'],
];

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fixed = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));

/** The --json object: headline metrics, then one entry per sample. */
export function auditJson(summary: AuditSummary, d: AuditDetail, exports: { kind: string; path: string; bytes: number }[] | null): Record<string, unknown> {
  const m = d.metrics;
  const c = d.columns;
  const perSample = c.ratio.map((ratio, i) => ({
    index: i,
    name: c.names[i],
    neighbours: Array.from({ length: c.k }, (_, j) => {
      const o = i * c.k + j;
      const label = c.neighbourLabel[o]!;
      return { index: c.neighbourIndex[o]!, label: label >= 0 ? label : null, distance: c.neighbourDistance[o]! };
    }),
    ratio,
    memorized: ratio < m.threshold,
    calibrated: c.calibrated[i],
    testD1: c.testD1 ? c.testD1[i] : null,
    authentic: c.authentic ? c.authentic[i] : null,
  }));
  return {
    run: summary.run,
    dir: summary.dir,
    count: m.count,
    k: c.k,
    threshold: m.threshold,
    distance: 'L2 on pixels scaled to [0, 1]',
    ...auditHeadline(m),
    calibratedExtractedFraction: m.calibrated.extractedFraction,
    perClass: m.perClass,
    trainTestGap: m.trainTestGap
      ? { sampleMedian: m.trainTestGap.sampleMedian, testMedian: m.trainTestGap.testMedian, mannWhitney: m.trainTestGap.mannWhitney }
      : null,
    train: d.train,
    test: d.test,
    source: d.source,
    unavailable: m.unavailable,
    notes: m.notes,
    seconds: summary.seconds,
    exports,
    perSample,
  };
}

function humanText(summary: AuditSummary, d: AuditDetail, exports: { path: string }[] | null): string {
  const m = d.metrics;
  const lines = [
    `audit ${summary.run}: ${m.count} samples (${d.source.run ? `run ${d.source.run}` : d.source.path}) against ${d.train.ref} (${d.train.count} images)${d.test ? `, test ${d.test.ref}` : ''}`,
    `  memorised       ${pct(m.memorizedFraction)}  (95% CI ${pct(m.memorizedCI[0])}–${pct(m.memorizedCI[1])}, n = ${m.count}, d1/d2 < ${m.threshold.toFixed(4)})`,
    `  median d1       ${fixed(m.medianD1)}   median d1/d2 ${fixed(m.medianRatio)}`,
    `  C_T             ${fixed(m.ct?.value ?? null, 2)}${m.ct?.reason ? ` (${m.ct.reason})` : ''}`,
    `  authenticity    ${m.authenticity ? pct(m.authenticity.fraction) : '—'}`,
    `  precision       ${fixed(m.precision, 3)}   recall ${fixed(m.recall, 3)}`,
    `  coverage        ${m.coverage.distinct} distinct nearest training images (${pct(m.coverage.fraction)})`,
  ];
  if (m.trainTestGap) {
    const g = m.trainTestGap;
    lines.push(`  train/test gap  median d1 ${fixed(g.sampleMedian)} (samples) vs ${fixed(g.testMedian)} (test); Mann–Whitney z = ${g.mannWhitney.z.toFixed(2)}, p = ${g.mannWhitney.p.toExponential(2)}`);
  }
  if (m.perClass) {
    const classes = m.perClass.filter((r) => r.count > 0).map((r) => `${r.name ?? r.label} ${r.memorized}/${r.count}`);
    lines.push(`  per class       ${classes.join(', ')}`);
  }
  for (const n of m.notes) lines.push(`  note: ${n}`);
  lines.push(`  run folder      ${summary.dir}`);
  if (exports) for (const e of exports) lines.push(`  wrote           ${e.path}`);
  return lines.join('\n');
}

export const auditCommands: Record<string, Command> = {
  audit: {
    usage: USAGE,
    summary: 'audit generated samples (images folder, .npz, .npy, or a run) for copies of training images: d1/d2, C_T, authenticity, precision/recall, exports',
    options: () => optionsHelp(auditOptions(), EXPORT_FLAGS),
    async run(ctx) {
      const request = checkedRequest('audit.start', auditOptions(), ctx.flags);
      const out = ctx.flags.string('out');
      const top = ctx.flags.number('top');
      if (out) await checkOutDirectory(out);
      const summary = await runJob(ctx, 'audit.start', request);
      const service = ctx.service();
      const detail = await service.call('audit.show', { id: summary.run });
      const exports = out ? (await service.call('audit.export', { id: summary.run, out, ...(top !== undefined ? { top } : {}) })).files : null;
      ctx.print(auditJson(summary, detail, exports), humanText(summary, detail, exports));
      return 0;
    },
  },
};
